"""What my page (/me/) shows of reports: the latest reports of the delegates my assembly and
the councils above it sent (the constituents are whom a report is for)."""

from __future__ import annotations

from typing import Any

from communard.web.reports.models import Report
from communard.web.reports.queries import latest

SHOWN = 10


def my_reports(member: Any) -> dict[str, Any]:
    mine = [c.pk for c in [member.council, *member.council.ancestors()]]
    return {"reports": latest(Report.objects.filter(delegate__constituency_id__in=mine))[:SHOWN]}
