"""JSON API for meetings, motions and scorecards (OpenAPI at /api/docs). Reads are public;
acting needs a signed-in member and CSRF, and each refusal is a 403 with its reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status
from ninja.security import django_auth

from communard.constitution.mandates import Verdict
from communard.constitution.permissions import NotAllowed
from communard.web.accounts.actions import actor_for
from communard.web.core.params import MAX_ID
from communard.web.councils.models import Delegate
from communard.web.meetings.actions.amendments import do_amend_motion
from communard.web.meetings.actions.attendance import do_check_in
from communard.web.meetings.actions.motions import do_support_motion
from communard.web.meetings.diff import word_diff
from communard.web.meetings.models import Amendment, Meeting, Motion
from communard.web.meetings.verdicts import read_scorecard

router = Router(tags=["meetings"])

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="the row's id")]
POST_STATUSES = (400, 401, 403, 404)


class Refusal(Schema):
    detail: str


class Invalid(Schema):
    detail: str | list[dict[str, Any]]


class MeetingOut(Schema):
    id: int
    council: str
    title: str
    starts_at: str
    called: bool
    called_by: str
    closed: bool
    size: int
    quorum: int
    present: int
    agenda: list[str]


class PieceOut(Schema):
    op: str
    text: str


class AmendmentOut(Schema):
    id: int
    paragraph: int | None
    amends: int | None
    text: str
    reasons: str
    diff: list[PieceOut]


class StepOut(Schema):
    from_state: str
    to_state: str
    at: str
    present: int | None


class MandateOut(Schema):
    constituency: str
    stance: str
    binding: bool
    adopted_at: str


class MotionOut(Schema):
    id: int
    council: str
    title: str
    text: str
    reasons: str
    state: str
    forwarded_from: int | None
    supporters: int
    amendments: list[AmendmentOut]
    history: list[StepOut]
    mandates: list[MandateOut]


class AmendmentIn(Schema):
    paragraph: int | None = Field(None, ge=1, le=10_000,
                                  description="the paragraph changed (from 1)")
    amends: int | None = Field(None, ge=1, le=MAX_ID, description="or the amendment changed")
    text: str = Field(min_length=1, max_length=100_000)
    reasons: str = Field("", max_length=100_000)


class Created(Schema):
    id: int


class DeviationOut(Schema):
    motion: str
    stance: str
    choice: str | None
    binding: bool


class ScorecardOut(Schema):
    delegate: str
    counts: dict[str, dict[str, int]]
    deviations: list[DeviationOut]


def _refused(do: Callable[[], int]) -> Status:
    try:
        return Status(201, {"id": do()})
    except NotAllowed as e:
        return Status(403, {"detail": str(e)})


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, 404: Refusal, 422: Invalid})
def meeting_detail(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    m = get_object_or_404(Meeting.objects.select_related("council"), pk=meeting_id)
    return {"id": m.pk, "council": m.council.key, "title": m.title,
            "starts_at": m.starts_at.isoformat(), "called": m.is_called,
            "called_by": m.called_by, "closed": m.closed_at is not None, "size": m.size,
            "quorum": m.quorum, "present": m.attendance.count(),
            "agenda": [a.title for a in m.agenda.all()]}


@router.post("/meetings/{meeting_id}/attendance",
             response={201: Created, **dict.fromkeys(POST_STATUSES, Refusal), 422: Invalid},
             auth=django_auth)
def check_in(request: HttpRequest, meeting_id: Id) -> Status:
    """Check in to an open meeting of your body. 403: not in its body, checked in already, or
    the meeting is not open; 404: no such meeting."""
    meeting = get_object_or_404(Meeting, pk=meeting_id)
    return _refused(lambda: do_check_in(meeting, actor=actor_for(request.user)).pk)


@router.get("/motions/{motion_id}", response={200: MotionOut, 404: Refusal, 422: Invalid})
def motion_detail(request: HttpRequest, motion_id: Id) -> dict[str, Any]:
    m = get_object_or_404(Motion.objects.select_related("council"), pk=motion_id)
    return {
        "id": m.pk, "council": m.council.key, "title": m.title, "text": m.text,
        "reasons": m.reasons, "state": m.state, "forwarded_from": m.forwarded_from_id,
        "supporters": m.supports.count(),
        "amendments": [{"id": a.pk, "paragraph": a.paragraph, "amends": a.amends_id,
                        "text": a.text, "reasons": a.reasons,
                        "diff": [{"op": p.op, "text": p.text}
                                 for p in word_diff(a.original(), a.text)]}
                       for a in m.amendments.select_related("amends", "motion")],
        "history": [{"from_state": s.from_state, "to_state": s.to_state,
                     "at": s.at.isoformat(), "present": s.present} for s in m.history.all()],
        "mandates": [{"constituency": d.constituency.key, "stance": d.stance,
                      "binding": d.binding, "adopted_at": d.adopted_at.isoformat()}
                     for d in m.mandates.select_related("constituency")],
    }


@router.post("/motions/{motion_id}/supporters",
             response={201: Created, **dict.fromkeys(POST_STATUSES, Refusal), 422: Invalid},
             auth=django_auth)
def support(request: HttpRequest, motion_id: Id) -> Status:
    """Support a motion of your body. 403: your own, supported already, not in its body, or
    already voted; 404: no such motion."""
    motion = get_object_or_404(Motion, pk=motion_id)
    return _refused(lambda: do_support_motion(motion, actor=actor_for(request.user)).pk)


@router.post("/motions/{motion_id}/amendments",
             response={201: Created, **dict.fromkeys(POST_STATUSES, Refusal), 422: Invalid},
             auth=django_auth)
def amend(request: HttpRequest, motion_id: Id, body: AmendmentIn) -> Status:
    """Propose new text for one paragraph of a motion, or for one of its amendments (give
    exactly one of ``paragraph`` and ``amends``). 403: the motion is voted already, the target
    is not one of its paragraphs or amendments, or you are not in its body."""
    motion = get_object_or_404(Motion, pk=motion_id)
    amends = None
    if body.amends is not None:
        amends = Amendment.objects.filter(pk=body.amends, motion=motion).first()
        if amends is None:
            return Status(404, {"detail": f"amendment {body.amends} is not one of this motion"})
    return _refused(lambda: do_amend_motion(
        motion, text=body.text, reasons=body.reasons, paragraph=body.paragraph, amends=amends,
        actor=actor_for(request.user)).pk)


@router.get("/delegates/{delegate_id}/scorecard",
            response={200: ScorecardOut, 404: Refusal, 422: Invalid})
def scorecard(request: HttpRequest, delegate_id: Id) -> dict[str, Any]:
    """A delegate's roll-call votes against their constituency's mandates."""
    delegate = get_object_or_404(Delegate.objects.select_related("member", "constituency"),
                                 pk=delegate_id)
    card = read_scorecard(delegate, recent=None)
    return {
        "delegate": delegate.member.name,
        "counts": {v.label: {"binding": card.count(v, binding=True),
                             "advisory": card.count(v, binding=False)} for v in Verdict},
        "deviations": [{"motion": d.motion, "stance": d.stance.label,
                        "choice": d.choice.label if d.choice is not None else None,
                        "binding": d.binding} for d in reversed(card.latest)],
    }
