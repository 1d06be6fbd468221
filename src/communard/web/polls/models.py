"""A poll, its options, its frozen roll, its marks and ballots, and its result.

Roll entries, marks, ballots, named votes and results are written once (their models refuse
a change and the database's triggers refuse it below them: migration 0002); a closed poll never
changes, nor do a frozen roll's terms.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communard.constitution.calendar import ElectionState, Phase, phase_at
from communard.constitution.majority import MajorityRule, parse_majority
from communard.web.core.writeonce import WriteOnce


class Question(models.TextChoices):
    RANKED = "ranked", _("rank the options")
    YES_NO = "yes-no", _("yes or no")
    CHOOSE_N = "choose-n", _("choose up to n options")


class Voters(models.TextChoices):
    MEMBERS = "members", _("the members beneath the council")
    DELEGATES = "delegates", _("the council's delegates")


class Poll(models.Model):
    federation = models.ForeignKey(
        "councils.Federation", on_delete=models.PROTECT, related_name="polls"
    )
    electorate = models.ForeignKey("councils.Council", on_delete=models.PROTECT,
                                   related_name="polls")
    voters = models.CharField(max_length=10, choices=Voters.choices)
    purpose = models.CharField(max_length=40)
    subject = models.CharField(max_length=200, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    question = models.CharField(max_length=10, choices=Question.choices)
    method = models.CharField(_("counting method"), max_length=40)
    seats = models.PositiveSmallIntegerField(_("seats or choices"))
    secret = models.BooleanField(default=True)
    majority = models.CharField(max_length=60)  # parse_majority reads it
    turnout_floor = models.CharField(max_length=30)  # "p/q"
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    roll_at = models.DateTimeField(help_text=_("the roll counts changes recorded by this instant"))
    # The last day a counted change may claim (an election's cut-off day); None: roll_at's own
    # day in the federation's time zone.
    roll_day = models.DateField(null=True, blank=True)
    roll_frozen_at = models.DateTimeField(null=True, blank=True)
    roll_size = models.PositiveIntegerField(null=True, blank=True)
    roll_commitment = models.CharField(max_length=64, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-closes_at"]
        indexes = [models.Index(fields=["closed_at", "closes_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def majority_rule(self) -> MajorityRule:
        return parse_majority(self.majority)

    @property
    def floor(self) -> Fraction:
        return Fraction(self.turnout_floor)

    def state(self) -> ElectionState:
        """The calendar's view (``constitution.calendar``): a poll has no nominations, so they
        'open' when the poll does."""
        return ElectionState(
            nominations_open_at=self.opens_at,
            poll_opens_at=self.opens_at,
            poll_closes_at=self.closes_at,
            roll_frozen=self.roll_frozen_at is not None,
            closed=self.closed_at is not None,
        )

    def phase(self, now: dt.datetime | None = None) -> Phase:
        return phase_at(self.state(), now or timezone.now())


class Option(models.Model):
    """One answer to the question, numbered 1…k (the published box's order). Fixed at the call."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="options")
    number = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["poll", "number"], name="one_option_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.label}"


class RollEntry(WriteOnce):
    """A voter on the frozen roll."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="roll")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "member"], name="once_on_poll_roll")]


class Mark(WriteOnce):
    """That a voter on the roll has voted; its unique key admits one ballot per voter."""

    entry = models.OneToOneField(RollEntry, on_delete=models.PROTECT, related_name="mark")


class Ballot(WriteOnce):
    """One ballot: the option numbers chosen (ranked in order) and a tracking code; no voter."""

    tracking_code = models.CharField(max_length=32, primary_key=True)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="ballots")
    choices = models.JSONField()

    class Meta:
        ordering = ["tracking_code"]


class NamedVote(WriteOnce):
    """A roll call's vote: the voter's choices, public, with their name (named polls only)."""

    entry = models.OneToOneField(RollEntry, on_delete=models.PROTECT, related_name="named_vote")
    choices = models.JSONField()


class Result(WriteOnce):
    """The count of a closed poll as the counting engine and the majority rule gave it."""

    poll = models.OneToOneField(Poll, on_delete=models.PROTECT, related_name="result")
    seed = models.CharField(max_length=80)
    ballots = models.PositiveIntegerField()
    marks = models.PositiveIntegerField()
    box_sha256 = models.CharField(max_length=64)
    winners = models.JSONField(help_text="option numbers, 1-based, in order of election")
    sheet = models.JSONField(help_text="the counting engine's JSON count sheet")
    passed = models.BooleanField()
    reason = models.TextField()
    counted_at = models.DateTimeField()

    @property
    def tally(self) -> dict[str, Any] | None:
        extra = self.sheet.get("extra", {})
        return extra if {"yes", "no", "abstain"} <= set(extra) else None


# Sealed ballots (issue 16) keep their rows in their own module.
from communard.web.polls.sealed_models import (  # noqa: E402,F401
    ClosingKey,
    Envelope,
    HandIn,
    PollSeal,
    PollTeller,
    TellerKey,
    TellerNomination,
)
