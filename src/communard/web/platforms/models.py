"""Platforms: named groups of members who publish to the body and run slates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.Model):
    federation = models.ForeignKey(
        "councils.Federation", on_delete=models.PROTECT, related_name="platforms"
    )
    slug = models.SlugField()
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField("members.Member", related_name="platforms", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["federation", "slug"], name="platform_slug_unique"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
