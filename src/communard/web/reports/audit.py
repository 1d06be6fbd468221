"""The reports audit: every report row replayed from its ``report.filed`` entry and compared,
so a text edited, a version added or a row deleted behind the record's back (SQL, the shell) is
named with its entry. An entry whose text does not hash to its own ``text_sha256`` is named
too (an entry no action could have written)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from communard.record.kinds import REPORT_FILED
from communard.web.meetings.models import text_digest
from communard.web.records.audit import Divergence, audit, entries
from communard.web.reports.models import Report

TABLE = "reports_report"


@audit
def audit_reports() -> Iterator[Divergence]:
    replayed: dict[str, tuple[Any, int]] = {}
    for index, _, b in entries(REPORT_FILED):
        row = f"{b.get('federation')}/{b.get('report')}"
        if text_digest(str(b.get("text"))) != b.get("text_sha256"):
            yield Divergence(TABLE, row, "the entry's text does not hash to its text_sha256",
                             index)
        replayed[row] = ((b.get("meeting"), b.get("delegate"), b.get("version"),
                          b.get("text_sha256")), index)
    held: dict[str, Any] = {}
    for r in Report.objects.select_related("meeting__federation").iterator(chunk_size=2000):
        # The digest recomputed from the row's text: an edit of text and text_sha256 together
        # still differs from the record's.
        held[f"{r.meeting.federation.slug}/{r.pk}"] = (
            r.meeting_id, r.delegate_id, r.version, text_digest(r.text))
        if r.text_sha256 != text_digest(r.text):
            yield Divergence(TABLE, f"{r.meeting.federation.slug}/{r.pk}",
                             "the row's text_sha256 is not its text's")
    for row, what in sorted(held.items()):
        if row not in replayed:
            yield Divergence(TABLE, row, "no entry records it")
            continue
        expected, index = replayed[row]
        if what != expected:
            yield Divergence(TABLE, row, f"the row says {what!r}; the record says {expected!r}",
                             index)
    for row, (_, index) in sorted(replayed.items()):
        if row not in held:
            yield Divergence(TABLE, row, "on the record but missing", index)
