"""Recall petitions against a delegate's or an office-holder's mandate, their signatures and
withdrawals, and the notifications members see on their page.

A petition's terms (against whom, grounds, filing, deadline, the roll's size and the threshold
frozen from it) never change once filed, and an ended petition never changes at all: the
database refuses it (migration 0002). Signatures and withdrawals are rows only ever inserted: a
withdrawal is a row of its own beside the signature, so the history of who signed stays whole.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communard.constitution import recall as rules
from communard.web.core.writeonce import WriteOnce


class State(models.TextChoices):
    OPEN = rules.OPEN, _("open")
    THRESHOLD_MET = rules.THRESHOLD_MET, _("threshold met")
    VOTE_CALLED = rules.VOTE_CALLED, _("vote called")
    RECALLED = rules.RECALLED, _("recalled")
    KEPT = rules.KEPT, _("kept")
    LAPSED = rules.LAPSED, _("lapsed")


_LIVE = Q(state__in=rules.LIVE)


class Petition(models.Model):
    federation = models.ForeignKey("councils.Federation", on_delete=models.PROTECT,
                                   related_name="petitions")
    # Exactly one of the two: the mandate the petition would end.
    delegate = models.ForeignKey("councils.Delegate", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="petitions")
    office_holder = models.ForeignKey("councils.OfficeHolder", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="petitions")
    #: Whose members sign and vote: the delegate's constituency, or the council whose office it is.
    constituency = models.ForeignKey("councils.Council", on_delete=models.PROTECT,
                                     related_name="petitions")
    grounds = models.TextField(_("grounds"), max_length=2000)
    opened_by = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                                  related_name="petitions_opened")
    filed_at = models.DateTimeField()
    deadline = models.DateTimeField()
    roll_size = models.PositiveIntegerField()
    threshold = models.PositiveIntegerField()
    # Derived from the signatures and withdrawals by the actions (and audited against the record).
    signatures = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    threshold_met_at = models.DateTimeField(null=True, blank=True)
    vote_opens_at = models.DateTimeField(null=True, blank=True)
    vote_closes_at = models.DateTimeField(null=True, blank=True)
    #: When it was decided or lapsed, and by what ("poll:12"): an ended petition never changes.
    ended_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delegate__isnull=False, office_holder__isnull=True)
                | Q(delegate__isnull=True, office_holder__isnull=False),
                name="petition_one_mandate",
            ),
            # One open petition per mandate, kept by the database too (two concurrent filings).
            models.UniqueConstraint(fields=["delegate"], condition=_LIVE,
                                    name="petition_one_live_per_delegate"),
            models.UniqueConstraint(fields=["office_holder"], condition=_LIVE,
                                    name="petition_one_live_per_office"),
        ]
        indexes = [models.Index(fields=["state", "deadline"])]

    def __str__(self) -> str:
        return f"petition {self.pk} to recall {self.mandate}"

    @property
    def mandate(self) -> models.Model:
        return self.delegate if self.delegate_id is not None else self.office_holder  # type: ignore[return-value]

    @property
    def is_live(self) -> bool:
        return self.state in rules.LIVE

    @property
    def progress_percent(self) -> int:
        return min(100, self.signatures * 100 // max(1, self.threshold))


class Signature(WriteOnce):
    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="signature_rows")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="petition_signatures")
    signed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "member"], name="one_signature_each"),
        ]


class RollMember(WriteOnce):
    """One member on a petition's roll: who may sign it, frozen at the filing (the
    constituency's members by the record's time then). Written in one statement when the
    petition is filed and never changed, so signing checks the signer by this table's key
    instead of replaying their membership history; its size is the petition's ``roll_size``,
    which the record holds (the audit compares the two)."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="roll_rows")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "member"], name="one_roll_place_each"),
        ]


class Withdrawal(WriteOnce):
    """A signature taken back (while the petition was open): a row of its own, never an edit."""

    signature = models.OneToOneField(Signature, on_delete=models.PROTECT,
                                     related_name="withdrawal")
    withdrawn_at = models.DateTimeField()


class Notification(models.Model):
    """A line on a member's page: a petition against their delegate opened, or met its
    threshold. (E-mail comes in a later issue.)"""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="notifications")
    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["member", "created_at"])]


class ReplacementCandidate(WriteOnce):
    """A member standing for the recalled seat on the recall ballot's replacement question
    (``[recall] replacement = "replacement-question"``): a self-nomination, recorded, between
    the threshold and the vote's opening. Insert-only; the ballot lists them in this order."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT,
                                 related_name="replacement_candidates")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    stood_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "member"], name="one_candidacy_each"),
        ]
