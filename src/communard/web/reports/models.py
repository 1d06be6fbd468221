"""Report-back documents: a delegate's report to their constituency on a meeting of the
council they sit in.

A report is written once: a correction is the next version, a row and an entry of its own,
and the page shows the latest with the history beside it. The models refuse changes, and so
do the database's triggers (migration 0001); ``audit.py`` replays the rows from the record.
"""

from __future__ import annotations

from django.db import models

from communard.web.core.writeonce import WriteOnce


class Report(WriteOnce):
    """Version ``version`` of ``delegate``'s report on ``meeting``; ``text_sha256`` is what the
    record holds beside the text (``web.meetings.models.text_digest`` of the text)."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT,
                                related_name="reports")
    delegate = models.ForeignKey("councils.Delegate", on_delete=models.PROTECT,
                                 related_name="reports")
    version = models.PositiveIntegerField()
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    filed_at = models.DateTimeField()

    class Meta:
        ordering = ["meeting", "delegate", "version"]
        constraints = [models.UniqueConstraint(fields=["meeting", "delegate", "version"],
                                               name="report_version_unique")]
        indexes = [models.Index(fields=["delegate", "filed_at"])]

    def __str__(self) -> str:
        return f"report of {self.delegate_id} on meeting {self.meeting_id}, v{self.version}"
