"""JSON API for report-back documents (OpenAPI at /api/docs). Reads are public; filing needs
the delegate signed in (and CSRF), and each refusal says why."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status
from ninja.security import django_auth

from communard.constitution.permissions import NotAllowed
from communard.web.accounts.actions import actor_for
from communard.web.core.params import MAX_ID
from communard.web.councils.models import Delegate
from communard.web.meetings.models import Meeting
from communard.web.reports.actions import do_file_report
from communard.web.reports.models import Report
from communard.web.reports.queries import latest

router = Router(tags=["reports"])

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="the row's id")]
#: Refusals of the text itself are the client's to fix (400); the others are not its to file.
_BAD_TEXT = ("report-empty", "report-too-long")


class Detail(Schema):
    detail: str | list[dict[str, Any]]


class ReportOut(Schema):
    id: int
    meeting: int
    delegate: int
    delegate_name: str
    constituency: str
    version: int
    versions: int
    text: str
    text_sha256: str
    filed_at: str


class ReportIn(Schema):
    delegate: int = Field(ge=1, le=MAX_ID, description="the seat (delegate id) reported from")
    # Bounded here only against huge bodies: the exact limit is the rule's, refused with 400.
    text: str = Field(max_length=100_000, description="Markdown; raw HTML is shown as text")


class Filed(Schema):
    id: int
    version: int


def _out(r: Report, versions: int) -> dict[str, Any]:
    return {"id": r.pk, "meeting": r.meeting_id, "delegate": r.delegate_id,
            "delegate_name": r.delegate.member.name, "constituency": r.delegate.constituency.key,
            "version": r.version, "versions": versions, "text": r.text,
            "text_sha256": r.text_sha256, "filed_at": r.filed_at.isoformat()}


@router.get("/meetings/{meeting_id}/reports",
            response={200: list[ReportOut], 404: Detail, 422: Detail})
def meeting_reports(request: HttpRequest, meeting_id: Id) -> list[dict[str, Any]]:
    """The latest version of each delegate's report on the meeting."""
    meeting = get_object_or_404(Meeting, pk=meeting_id)
    return [_out(x.report, x.versions) for x in latest(Report.objects.filter(meeting=meeting))]


@router.get("/meetings/{meeting_id}/reports/{delegate_id}",
            response={200: list[ReportOut], 404: Detail, 422: Detail})
def report_versions(request: HttpRequest, meeting_id: Id, delegate_id: Id) -> Any:
    """Every version of one delegate's report on the meeting, the latest first."""
    rows = list(Report.objects.filter(meeting_id=meeting_id, delegate_id=delegate_id)
                .select_related("delegate__member", "delegate__constituency")
                .order_by("-version"))
    if not rows:
        return Status(404, {"detail": "no such report"})
    return [_out(r, len(rows)) for r in rows]


@router.post("/meetings/{meeting_id}/reports",
             response={201: Filed, 400: Detail, 401: Detail, 403: Detail, 404: Detail,
                       422: Detail},
             auth=django_auth)
def file(request: HttpRequest, meeting_id: Id, body: ReportIn) -> Status:
    """File your report on a closed meeting you sat in as a delegate (or its correction: the
    next version). 400: empty or too long; 403: not your seat, not at this meeting, or the
    meeting not closed yet; 404: no such meeting or seat in its council."""
    meeting = get_object_or_404(Meeting, pk=meeting_id)
    delegate = get_object_or_404(Delegate, pk=body.delegate, council_id=meeting.council_id)
    try:
        row = do_file_report(meeting, delegate, text=body.text, actor=actor_for(request.user))
    except NotAllowed as e:
        return Status(400 if e.refusal.rule in _BAD_TEXT else 403, {"detail": str(e)})
    return Status(201, {"id": row.pk, "version": row.version})
