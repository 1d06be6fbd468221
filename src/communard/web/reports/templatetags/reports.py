"""Report sections other apps' pages show (a meeting's page, a delegate's page), as inclusion
tags: the meetings app's views need not import this one."""

from __future__ import annotations

from typing import Any

from django import template

from communard.web.councils.models import Delegate
from communard.web.reports.actions import has_sat_for
from communard.web.reports.models import Report
from communard.web.reports.queries import latest

register = template.Library()


@register.inclusion_tag("reports/meeting_section.html", takes_context=True)
def meeting_reports(context: Any, meeting: Any) -> dict[str, Any]:
    """The delegates' latest reports on ``meeting``, and for a signed-in delegate who sat for
    it and has not reported yet, the way to write theirs."""
    user = context["request"].user
    reports = latest(Report.objects.filter(meeting=meeting))
    reported = {x.report.delegate_id for x in reports}
    mine: list[Delegate] = []
    if user.is_authenticated and meeting.closed_at is not None:
        mine = [d for d in Delegate.objects.filter(council_id=meeting.council_id,
                                                   member__user=user)
                if d.pk not in reported and has_sat_for(meeting, d)]
    return {"meeting": meeting, "reports": reports, "mine": mine}


@register.inclusion_tag("reports/delegate_section.html")
def delegate_reports(delegate: Any) -> dict[str, Any]:
    """A delegate's latest reports, meeting by meeting."""
    return {"reports": latest(Report.objects.filter(delegate=delegate))}
