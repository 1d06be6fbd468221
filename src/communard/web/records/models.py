"""Storage of the organisation's record in the application database.

Placeholder schema until the record issue lands its Merkle-log store here: entries are appended in
the same transaction as the state change they record, never updated or deleted.
"""

from __future__ import annotations

from django.db import models


class Entry(models.Model):
    index = models.BigIntegerField(unique=True, help_text="0-based position in the log")
    kind = models.CharField(max_length=80)
    at = models.DateTimeField()
    actor = models.CharField(max_length=200, blank=True)
    body = models.JSONField()

    class Meta:
        ordering = ["index"]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return f"#{self.index} {self.kind}"
