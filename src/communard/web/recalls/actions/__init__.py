"""Recall use cases, one per module: each checks the rules (``constitution/recall.py``), changes
its rows and appends its declared record entry in one transaction that composes inside its
caller's (the view, the command or the clock opens the durable one)."""

from communard.web.recalls.actions.decide import do_keep, do_keep_mandate, do_recall
from communard.web.recalls.actions.lapse import do_lapse_petition
from communard.web.recalls.actions.open import do_open_petition
from communard.web.recalls.actions.sign import do_sign, do_withdraw_signature
from communard.web.recalls.actions.stand import do_stand_for_replacement

__all__ = ["do_keep", "do_keep_mandate", "do_lapse_petition", "do_open_petition", "do_recall", "do_sign",
           "do_stand_for_replacement", "do_withdraw_signature"]
