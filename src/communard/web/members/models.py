"""Members, their base council, and the history of their membership."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    ACTIVE = "active", _("active")
    LAPSED = "lapsed", _("lapsed")
    EXPELLED = "expelled", _("expelled")


class EventKind(models.TextChoices):
    ADMITTED = "admitted", _("admitted")
    TRANSFERRED = "transferred", _("transferred")
    LAPSED = "lapsed", _("lapsed")
    EXPELLED = "expelled", _("expelled")


class Member(models.Model):
    federation = models.ForeignKey(
        "councils.Federation", on_delete=models.PROTECT, related_name="members"
    )
    number = models.CharField(_("membership number"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    council = models.ForeignKey(
        "councils.Council",
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("base council"),
    )
    admitted_on = models.DateField(_("admitted on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["federation", "number"], name="member_number_unique"),
        ]
        indexes = [models.Index(fields=["council", "status"])]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    def is_acting(self, actor: object) -> bool:
        """Whether ``actor`` is this member acting through their own login (a
        ``constitution.permissions.MemberActor`` naming it)."""
        account = getattr(actor, "account", None)
        # Read afresh: the login may have been given since this object was loaded.
        return account is not None and Member.objects.filter(
            pk=self.pk, user__username=account).exists()


class MembershipEvent(models.Model):
    """One step of a member's history: admitted, transferred, lapsed, expelled."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    on = models.DateField()
    council = models.ForeignKey("councils.Council", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    # When the change went on the record: what decides the rolls it counts for
    # (constitution/membership.py). A founding import records the dates it claims.
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.member} {self.kind} on {self.on}"

    @property
    def is_backdated(self) -> bool:
        """Whether it claims a day before the one it was recorded on (UTC day)."""
        return self.on < self.recorded_at.date()
