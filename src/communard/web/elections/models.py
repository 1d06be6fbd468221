"""Elections, candidates, the frozen voter roll, and ballots that carry no link to their voter.

An election's vote is a poll (``web/polls``, purpose "election"): ``Election.poll``, called and
opened with its roll frozen when the election's poll opens. The roll entries, marks, ballots and
results below are those of elections that voted before elections became polls: kept, read-only
(migration 0006 refuses new rows), so that they still show and verify.

Ballots, roll entries, marks and results are written once and never changed or deleted: their
managers and models refuse it, the admin is read-only, no view or API offers it, and the
database's triggers refuse it below all of those (``core/writeonce.py``, migration 0004). A
closed election never changes either.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communard.constitution.calendar import ElectionState, phase_at
from communard.web.core.writeonce import Immutable, WriteOnce, WriteOnceQuerySet


class Kind(models.TextChoices):
    DELEGATES = "delegates", _("delegates to the council above")
    OFFICE = "office", _("an office of the council")


class Phase(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    NOMINATIONS = "nominations", _("nominations open")
    WAITING = "waiting", _("nominations closed")
    OPENING = "opening", _("poll opening")
    POLL = "poll", _("poll open")
    DUE = "due", _("closing")
    CLOSED = "closed", _("closed")


class Election(models.Model):
    federation = models.ForeignKey(
        "councils.Federation", on_delete=models.PROTECT, related_name="elections"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Who votes: the members beneath this council.
    constituency = models.ForeignKey(
        "councils.Council", on_delete=models.PROTECT, related_name="elections"
    )
    # Whose seats are filled: the council above (delegates) or the constituency itself (office).
    council = models.ForeignKey("councils.Council", on_delete=models.PROTECT, related_name="+")
    office = models.CharField(_("office"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=200)
    seats = models.PositiveSmallIntegerField(_("seats"))
    method = models.CharField(_("counting method"), max_length=40)
    candidate_order = models.CharField(max_length=20, default="alphabetical")
    nominations_open_at = models.DateTimeField()
    poll_opens_at = models.DateTimeField()
    poll_closes_at = models.DateTimeField()
    roll_cutoff = models.DateField(help_text=_("members admitted on or before this day may vote"))
    # Set once by the actions that freeze the roll and close the poll.
    roll_frozen_at = models.DateTimeField(null=True, blank=True)
    roll_size = models.PositiveIntegerField(null=True, blank=True)
    roll_commitment = models.CharField(max_length=64, blank=True)
    # Candidates standing once the poll opens; they are numbered 1…n (the published BLT order).
    candidates_standing = models.PositiveSmallIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A by-election or countback fills a vacancy left in the seats of an earlier election.
    fills_vacancy_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="by_elections"
    )
    # The vote itself, set once when the poll opens (None: not opened yet, or an election that
    # voted in the tables below, before elections became polls). A foreign key, not one-to-one:
    # SQLite adds a unique column only by rebuilding the table, which would drop its guards
    # (migration 0004); the poll's subject names the election, and verify checks the pair.
    poll = models.ForeignKey(
        "polls.Poll", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-poll_closes_at"]
        indexes = [models.Index(fields=["closed_at", "poll_closes_at"])]

    def __str__(self) -> str:
        return self.title

    def state(self) -> ElectionState:
        """What the clock and the calendar need of the election (``constitution.calendar``)."""
        return ElectionState(
            nominations_open_at=self.nominations_open_at,
            poll_opens_at=self.poll_opens_at,
            poll_closes_at=self.poll_closes_at,
            roll_frozen=self.roll_frozen_at is not None,
            closed=self.closed_at is not None,
        )

    def phase(self, now: Any = None) -> Phase:
        return Phase(phase_at(self.state(), now or timezone.now()).value)

    @property
    def result(self) -> Any:
        """The count: the poll's result, or the election's own for one that voted before
        elections became polls. Raises ``DoesNotExist`` (as a missing row would) when there is
        none yet."""
        if self.poll_id is not None:
            return self.poll.result
        return self.legacy_result

    @property
    def has_result(self) -> bool:
        if self.poll_id is not None:
            return hasattr(self.poll, "result")
        return hasattr(self, "legacy_result")


class Candidate(models.Model):
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="candidates")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="candidacies"
    )
    statement = models.TextField(_("statement"), blank=True, max_length=2000)
    nominated_by = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    platform = models.ForeignKey(
        "platforms.Platform",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="candidates",
    )
    accepted = models.BooleanField(default=False)
    # The candidate's 1-based number in the published ballot box (BLT order), fixed at poll open.
    number = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["election", "member"], name="one_candidacy")]
        ordering = ["number", "member__name"]

    def __str__(self) -> str:
        return str(self.member)


class RollEntry(WriteOnce):
    """A voter on the frozen roll. Marked once when they vote; the mark says nothing of the ballot."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="roll")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["election", "member"], name="once_on_roll")]


class Mark(WriteOnce):
    """That a voter on the roll has voted. A separate row, so the roll itself is never updated;
    the unique constraint is what makes a second ballot impossible, even for two requests at once."""

    entry = models.OneToOneField(RollEntry, on_delete=models.PROTECT, related_name="mark")


class Ballot(WriteOnce):
    """One ballot: a ranking of candidate numbers and its tracking code, and nothing else —
    no voter, no time. Rows are read back in tracking-code order, never in casting order."""

    # The tracking code is the key: no sequence number that would betray the order of casting.
    tracking_code = models.CharField(max_length=32, primary_key=True)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="ballots")
    ranking = models.JSONField()

    class Meta:
        ordering = ["tracking_code"]


class Result(WriteOnce):
    """The count of a closed election, as the counting engine produced it. Never recomputed."""

    election = models.OneToOneField(Election, on_delete=models.PROTECT,
                                    related_name="legacy_result")
    seed = models.CharField(max_length=80)
    ballots = models.PositiveIntegerField()
    marks = models.PositiveIntegerField()
    box_sha256 = models.CharField(max_length=64)
    winners = models.JSONField(help_text="candidate numbers, 1-based, in order of election")
    sheet = models.JSONField(help_text="the counting engine's JSON count sheet")
    counted_at = models.DateTimeField()


__all__ = [
    "Ballot", "Candidate", "Election", "Immutable", "Kind", "Mark", "Phase", "Result",
    "RollEntry", "WriteOnce", "WriteOnceQuerySet",
]
