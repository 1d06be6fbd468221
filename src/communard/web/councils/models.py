"""Federations and their pyramid of councils. Seats are derived data, recomputed by actions."""

from __future__ import annotations

from functools import cached_property

from django.db import models
from django.utils.translation import gettext_lazy as _

from communard.constitution import Constitution, parse_constitution


class Federation(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    constitution_text = models.TextField(_("constitution (TOML)"))
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @cached_property
    def constitution(self) -> Constitution:
        return parse_constitution(self.constitution_text, source=f"federation {self.slug}")


class Council(models.Model):
    """A council at some tier. A base council is the general assembly of its members."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="councils")
    key = models.SlugField(_("key"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    tier = models.CharField(_("tier"), max_length=50)
    level = models.PositiveSmallIntegerField(_("level"), help_text=_("0 for the base tier"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Derived from recorded membership by the actions that change it; never set by hand.
    members_count = models.PositiveIntegerField(_("members"), default=0)
    seats_in_parent = models.PositiveIntegerField(_("seats in the council above"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["federation", "key"], name="council_key_unique"),
        ]
        ordering = ["-level", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_base(self) -> bool:
        return self.level == 0

    def ancestors(self) -> list[Council]:
        """Councils above this one, nearest first."""
        chain = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class Tenure(models.Model):
    """What a delegate's mandate and an office have in common: held from ``began_at`` until
    ``ended_at``, given by ``source``: "founding" (held when the federation joined Communard)
    or, later, the election whose recorded result gave it."""

    began_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=100)

    class Meta:
        abstract = True

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class Delegate(Tenure):
    """A member's mandate: a seat in ``council`` held for the constituency that elected them."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="delegates")
    constituency = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="delegates_sent"
    )
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="mandates")

    class Meta:
        ordering = ["constituency__name", "member__name"]
        indexes = [models.Index(fields=["constituency", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.member} for {self.constituency} in {self.council}"


class OfficeHolder(Tenure):
    """A member holding one of a council's offices (secretary, treasurer…), elected by the
    council's constituency. Like a delegate's mandate, it only begins through a recorded result."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="office_holders")
    office = models.CharField(_("office"), max_length=100)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="offices")

    class Meta:
        ordering = ["office", "began_at"]
        indexes = [models.Index(fields=["council", "office", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.member}, {self.office} of {self.council}"
