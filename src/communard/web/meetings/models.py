"""Meetings of councils and base assemblies, motions, amendments and mandates.

What was said and decided is written once: attendance, support, amendments, mandates and each
step of a motion's history are only ever inserted, and a motion's text, mover and council never
change (the models refuse, and so do the database's triggers, migration 0002). A meeting's call
is settled once made; its closing once closed. The record holds each of these as an entry
(``record.kinds``), and ``audit.py`` replays them against these tables.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from communard.constitution.amendments import paragraphs
from communard.constitution.mandates import Stance as RuleStance
from communard.constitution.meetings import MotionState
from communard.web.core.writeonce import WriteOnce


class Meeting(models.Model):
    """A meeting of ``council`` (a council of delegates, or a base assembly of members).
    ``called_at`` is empty while members are still gathering the support to call it."""

    federation = models.ForeignKey("councils.Federation", on_delete=models.PROTECT,
                                   related_name="meetings")
    council = models.ForeignKey("councils.Council", on_delete=models.PROTECT,
                                related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    requested_at = models.DateTimeField()
    #: The body's size (seats, or an assembly's members) when the meeting was asked for: the
    #: share to call it and its quorum are of this number.
    size = models.PositiveIntegerField()
    call_needed = models.PositiveIntegerField()
    quorum = models.PositiveIntegerField()
    called_at = models.DateTimeField(null=True, blank=True)
    called_by = models.CharField(max_length=10, blank=True)  # "chair" or "members"
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_called(self) -> bool:
        return self.called_at is not None

    @property
    def is_open(self) -> bool:
        return self.called_at is not None and self.closed_at is None


class AgendaItem(WriteOnce):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="agenda")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"],
                                               name="agenda_position_unique")]


class ByMember(WriteOnce):
    """Something one member did once, at a time: asked for a meeting, checked in, asked to
    speak, supported a motion."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["at", "id"]


def once_each(target: str, name: str) -> list[models.UniqueConstraint]:
    return [models.UniqueConstraint(fields=[target, "member"], name=name)]


class MeetingCaller(ByMember):
    """A member (or delegate) who asked for the meeting; enough of them call it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="callers")

    class Meta(ByMember.Meta):
        constraints = once_each("meeting", "meeting_caller_unique")


class Attendance(ByMember):
    """A check-in: the quorum is counted from these."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")

    class Meta(ByMember.Meta):
        constraints = once_each("meeting", "attendance_unique")


class Speaker(ByMember):
    """The list of speakers: whoever checked in asks for the floor, in order of asking."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="speakers")

    class Meta(ByMember.Meta):
        constraints = once_each("meeting", "speaker_unique")


State = models.TextChoices("State", [(s.name, s.value) for s in MotionState])


class Motion(models.Model):
    """A motion to ``council``: its text and reasons never change (amendments are rows of
    their own); its state moves along the workflow of ``constitution.meetings``."""

    federation = models.ForeignKey("councils.Federation", on_delete=models.PROTECT,
                                   related_name="motions")
    council = models.ForeignKey("councils.Council", on_delete=models.PROTECT,
                                related_name="motions")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="motions")
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    reasons = models.TextField(_("reasons"), blank=True)
    mover = models.ForeignKey("members.Member", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="motions")
    forwarded_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="forwarded_to")
    submitted_at = models.DateTimeField()
    #: What the motion is about, as its mover declared it ("personnel"; "" or NULL for none):
    #: the constitution's ``[meetings] secret_matters`` make some matters' votes secret.
    #: Nullable without a default so that SQLite adds the column in place: rebuilding the table
    #: would drop its write-once triggers (migration 0002).
    matter = models.CharField(max_length=40, null=True, blank=True)  # noqa: DJ001
    state = models.CharField(max_length=10, choices=State.choices,
                             default=MotionState.SUBMITTED.value)

    class Meta:
        ordering = ["-submitted_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def rule_state(self) -> MotionState:
        return MotionState(self.state)

    def paragraphs(self) -> list[str]:
        """The text's paragraphs (separated by blank lines), numbered from 1 by amendments."""
        return paragraphs(self.text)

    @property
    def digest(self) -> str:
        return text_digest(self.title, self.text, self.reasons)


def text_digest(*parts: str) -> str:
    """The SHA-256 the record holds for a text: its parts, each length-prefixed, so that no
    two different (title, text, reasons) share one."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


class MotionSupport(ByMember):
    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="supports")

    class Meta(ByMember.Meta):
        constraints = once_each("motion", "motion_support_unique")


class MotionStep(WriteOnce):
    """One step of a motion's history (its submission is the first, ``from_state`` empty)."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="history")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    at = models.DateTimeField()
    present = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Amendment(WriteOnce):
    """A change to one paragraph of a motion, or to another amendment of the same motion."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="amendments")
    paragraph = models.PositiveSmallIntegerField(null=True, blank=True)
    amends = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="sub_amendments")
    text = models.TextField(_("new text"))
    reasons = models.TextField(_("reasons"), blank=True)
    mover = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["submitted_at", "id"]

    @property
    def digest(self) -> str:
        return text_digest(self.text, self.reasons)

    def original(self) -> str:
        """The text it changes: its paragraph of the motion, or the amendment it amends."""
        if self.amends is not None:
            return self.amends.text
        paras = self.motion.paragraphs()
        assert self.paragraph is not None
        return paras[self.paragraph - 1] if self.paragraph <= len(paras) else ""


class AmendmentVote(WriteOnce):
    """An amendment put to the vote at ``meeting``: ``poll`` decides it (a roll call of the
    council's delegates, as the motion's own vote); ``text_sha256`` is the text voted on, the
    amendment's as its adopted sub-amendments made it (``constitution.amendments.amended``)."""

    amendment = models.OneToOneField(Amendment, on_delete=models.PROTECT, related_name="vote")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="+")
    poll = models.OneToOneField("polls.Poll", on_delete=models.PROTECT, related_name="+")
    text_sha256 = models.CharField(max_length=64)
    at = models.DateTimeField()


class AmendmentDecision(WriteOnce):
    """How an amendment ended: ``adopted`` or ``rejected`` by its vote's close, or ``lapsed``
    when what it amends was put to the vote without it ever being put to the vote. Adoption
    order (the fold's) is ``(at, id)``."""

    amendment = models.OneToOneField(Amendment, on_delete=models.PROTECT,
                                     related_name="decision")
    state = models.CharField(max_length=8)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


Stance = models.TextChoices("Stance", [(s.name, s.label) for s in RuleStance])


class Mandate(WriteOnce):
    """A constituency's instruction to its delegates on a motion of the council above, adopted
    at a meeting of the constituency's body."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="mandates")
    constituency = models.ForeignKey("councils.Council", on_delete=models.PROTECT,
                                     related_name="mandates")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="mandates")
    stance = models.CharField(max_length=8, choices=Stance.choices)
    binding = models.BooleanField()
    adopted_at = models.DateTimeField()

    class Meta:
        ordering = ["adopted_at", "id"]
        indexes = [models.Index(fields=["constituency", "adopted_at"])]

    @property
    def rule_stance(self) -> RuleStance:
        return RuleStance[self.stance.upper()]


class DeviationNotice(WriteOnce):
    """A line on a constituent's page: their delegate voted against (or was absent from) a
    binding mandate of their constituency in a roll call. Written once, at the roll call's
    close; the page links to a recall petition with the breach as its grounds. (The recalls'
    ``Notification`` is about a petition and needs one; a deviation comes before any.)"""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    delegate = models.ForeignKey("councils.Delegate", on_delete=models.PROTECT, related_name="+")
    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "created_at"])]


class RollCallVerdict(WriteOnce):
    """One member on a roll call's roll, judged against the mandate that governed them: the
    scorecard's read model, written once in the roll call's close (``deviations.verdict_rows``,
    from the same comparison the deviation notices use) so a page reads one indexed query
    instead of recomputing thousands of roll calls. Derived, never authoritative: ``verify``
    recomputes each row from the poll's named votes and the mandates (``vote_audit``).

    ``verdict`` is ``free`` when nothing bound them (no mandate adopted before their vote, a
    free one, or no seat: a member of a base assembly); ``mandate`` and ``binding`` are then
    empty. ``choice`` is empty when they did not vote."""

    poll = models.ForeignKey("polls.Poll", on_delete=models.PROTECT, related_name="+")
    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    # The constituency of their seat at the roll's cut-off (empty: no seat): a scorecard is a
    # delegate's, that is a member's for one constituency.
    constituency = models.ForeignKey("councils.Council", on_delete=models.PROTECT,
                                     related_name="+", null=True)
    closed_at = models.DateTimeField()
    choice = models.CharField(max_length=8, blank=True)
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="+", null=True)
    # The governing mandate's stance, kept here so the page needs no join.
    stance = models.CharField(max_length=8, blank=True)
    verdict = models.CharField(max_length=8)
    binding = models.BooleanField(null=True)

    class Meta:
        ordering = ["closed_at", "poll_id"]
        constraints = [models.UniqueConstraint(fields=["poll", "member"],
                                               name="meetings_verdict_once")]
        indexes = [models.Index(fields=["member", "constituency", "closed_at"],
                                name="meetings_verdict_card")]
