"""The report page: the latest version rendered, every earlier one a click away, and for the
delegate themself a form to file it or its correction. Views parse and call one action; a
refusal re-renders the page with its reason and a 4xx status, having changed nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from communard.constitution.permissions import NotAllowed
from communard.constitution.reports import MAX_REPORT_CHARS
from communard.web.accounts.actions import actor_for
from communard.web.core.params import MAX_ID
from communard.web.councils.models import Delegate
from communard.web.meetings.models import Meeting
from communard.web.reports.actions import do_file_report, has_sat_for
from communard.web.reports.models import Report
from communard.web.reports.render import render_report


def _pair(meeting_id: int, delegate_id: int) -> tuple[Meeting, Delegate]:
    if meeting_id > MAX_ID or delegate_id > MAX_ID:  # no row has it; SQLite cannot be asked
        raise Http404("no such report")
    meeting = get_object_or_404(Meeting.objects.select_related("council", "federation"),
                                pk=meeting_id)
    delegate = get_object_or_404(Delegate.objects.select_related("member", "constituency"),
                                 pk=delegate_id, council_id=meeting.council_id)
    return meeting, delegate


def is_own(request: HttpRequest, delegate: Delegate) -> bool:
    user = request.user
    return bool(user.is_authenticated and delegate.member.user_id == user.pk)


def report_page(request: HttpRequest, meeting_id: int, delegate_id: int,
                status: int = 200) -> HttpResponse:
    meeting, delegate = _pair(meeting_id, delegate_id)
    versions = list(Report.objects.filter(meeting=meeting, delegate=delegate)
                    .order_by("-version"))
    shown = versions[0] if versions else None
    wanted = request.GET.get("version", "")
    if wanted:
        shown = next((r for r in versions if str(r.version) == wanted), None)
        if shown is None:
            raise Http404("no such version")
    can_file = (is_own(request, delegate) and meeting.closed_at is not None
                and has_sat_for(meeting, delegate))
    return render(request, "reports/report.html", {
        "meeting": meeting, "delegate": delegate, "federation": meeting.federation,
        "shown": shown, "html": render_report(shown.text) if shown else "",
        "is_latest": shown is not None and shown is versions[0], "versions": versions,
        "can_file": can_file, "limit": MAX_REPORT_CHARS,
        "draft": request.POST.get("text", versions[0].text if versions else ""),
    }, status=status)


@login_required
@require_http_methods(["POST"])
def file_report(request: HttpRequest, meeting_id: int, delegate_id: int) -> HttpResponseBase:
    meeting, delegate = _pair(meeting_id, delegate_id)
    text = request.POST.get("text", "")
    try:
        do_file_report(meeting, delegate, text=text, actor=actor_for(request.user))
    except NotAllowed as e:
        messages.error(request, str(e))
        rule = e.refusal.rule
        return report_page(request, meeting_id, delegate_id,
                           400 if rule in ("report-empty", "report-too-long") else 403)
    messages.success(request, "Done: your report is on the record.")
    return HttpResponseRedirect(reverse("report", args=[meeting_id, delegate_id]), status=303)
