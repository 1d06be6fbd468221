"""Reports as the pages read them: the latest version of each, with how many there are."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from communard.web.reports.models import Report


@dataclass(frozen=True)
class Latest:
    """The latest version of one delegate's report on one meeting."""

    report: Report
    versions: int


def latest(reports: QuerySet[Report]) -> list[Latest]:
    """The latest version of each (meeting, delegate) among ``reports``, newest filed first."""
    found: dict[tuple[int, int], Latest] = {}
    for r in reports.select_related("delegate__member", "delegate__constituency",
                                    "meeting__council").order_by("version"):
        found[(r.meeting_id, r.delegate_id)] = Latest(r, r.version)
    return sorted(found.values(), key=lambda x: (x.report.filed_at, x.report.pk), reverse=True)
