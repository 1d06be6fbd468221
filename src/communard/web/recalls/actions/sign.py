"""Signing a petition, and taking a signature back while the petition is still collecting."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from communard.constitution import recall as rules
from communard.constitution.permissions import Actor, check
from communard.record.kinds import RECALL_SIGNATURE_WITHDRAWN, RECALL_SIGNED, RECALL_THRESHOLD_MET
from communard.web.core.actors import record_name
from communard.web.members.models import Member
from communard.web.recalls import facts
from communard.web.recalls.actions.common import acting_member, notify, now_or, ref
from communard.web.recalls.models import Petition, Signature, State, Withdrawal
from communard.web.records import services as record


def _read(petition: Petition, *, locked: bool = False) -> Petition:
    rows = Petition.objects.select_related("federation", "constituency__federation")
    return (rows.select_for_update(of=("self",)) if locked else rows).get(pk=petition.pk)


def _standing(petition: Petition, member: Member) -> tuple[rules.SignerFacts, Signature | None]:
    signature = Signature.objects.filter(petition=petition, member=member).first()
    withdrawn = signature is not None and Withdrawal.objects.filter(signature=signature).exists()
    on_roll = facts.is_on_roll(member, petition.constituency, petition.filed_at)
    return rules.SignerFacts(on_roll, signature is not None, withdrawn), signature


def do_sign(petition: Petition, *, actor: Actor, now: dt.datetime | None = None) -> Petition:
    """One signature of a member of the petition's roll; the count is public, the signer a
    commitment. The signature that meets the threshold closes the collection and sets the
    recall vote's calendar (the poll itself is called by the polls app: docs/recall.md).

    Everyone signs the same petition at once, so its row (the count, the state) is locked only
    for the last steps: who signs, whether they may, and their signature row are settled
    first (the row's unique index stops a second signature of the same member racing this
    one), and the rules that depend on the petition's state are checked again under the lock.
    """
    now = now_or(now)
    with transaction.atomic():
        petition = _read(petition)
        member = acting_member(actor, petition.federation)
        standing, _ = _standing(petition, member)
        check(rules.may_sign(petition.state, petition.deadline, standing, now))
        try:
            with transaction.atomic():
                Signature.objects.create(petition=petition, member=member, signed_at=now)
        except IntegrityError:  # the same member, signing twice at once: the other came first
            check(rules.may_sign(petition.state, petition.deadline,
                                 rules.SignerFacts(True, True, False), now))
        body = {"signer": record.personal(member.number)}
        by = record_name(actor)
        petition = _read(petition, locked=True)
        check(rules.may_sign(petition.state, petition.deadline, standing, now))
        petition.signatures += 1
        record.append(RECALL_SIGNED, {**ref(petition), **body,
                                      "signatures": petition.signatures}, actor=by)
        changed = ["signatures"]
        if rules.is_threshold_met(petition.signatures, petition.threshold):
            changed += _threshold_met(petition, now)
        petition.save(update_fields=changed)
    return petition


def _threshold_met(petition: Petition, now: dt.datetime) -> list[str]:
    constitution = petition.federation.constitution.recall
    planned = rules.vote_calendar(constitution, now)
    assert isinstance(planned, tuple)  # the default opening is always within the rule
    petition.state = State.THRESHOLD_MET
    petition.threshold_met_at = now
    petition.vote_opens_at, petition.vote_closes_at = planned
    record.append(RECALL_THRESHOLD_MET, {
        **ref(petition), "signatures": petition.signatures,
        "vote_opens_at": planned[0].isoformat(), "vote_closes_at": planned[1].isoformat(),
    }, actor="clock")
    notify(petition, facts.roll_at(petition.constituency, petition.filed_at),
           f"The petition to recall {petition.mandate} met its threshold: the recall "
           f"vote opens {planned[0]:%Y-%m-%d %H:%M %Z}.", now)
    return ["state", "threshold_met_at", "vote_opens_at", "vote_closes_at"]


def do_withdraw_signature(petition: Petition, *, actor: Actor,
                          now: dt.datetime | None = None) -> Petition:
    """Take one's signature back, while the petition is open: a withdrawal row and entry of
    its own (the signature's row and entry stay, as history)."""
    now = now_or(now)
    with transaction.atomic():
        petition = _read(petition, locked=True)
        member = acting_member(actor, petition.federation)
        standing, signature = _standing(petition, member)
        check(rules.may_withdraw(petition.state, standing))
        assert signature is not None
        Withdrawal.objects.create(signature=signature, withdrawn_at=now)
        petition.signatures -= 1
        petition.save(update_fields=["signatures"])
        record.append(RECALL_SIGNATURE_WITHDRAWN, {
            **ref(petition), "signer": record.personal(member.number),
            "signatures": petition.signatures,
        }, actor=record_name(actor))
    return petition
