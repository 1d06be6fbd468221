"""The meeting and motion pages' steps in the JSON API (issue 17): calling or asking for a
meeting, joining a call, asking to speak, closing it; submitting a motion, moving it, putting
it to the vote, adopting a mandate, forwarding it. Each calls the same ``do_*`` action as its
page. A refusal by the rules is a 403 with its reason, a poll's refusal its own status (409: not
open), a row that is not there or not this meeting's a 404, a malformed body a 422; nothing
changes on any of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Schema, Status
from ninja.security import django_auth

from communard.constitution.mandates import Stance
from communard.constitution.meetings import MotionState
from communard.constitution.permissions import NotAllowed
from communard.web.accounts.actions import actor_for
from communard.web.councils.models import Council
from communard.web.meetings.actions import attendance, call_meeting, mandates, vote
from communard.web.meetings.actions import motions as motion_actions
from communard.web.meetings.api import Created, Id, Invalid, Refusal, router
from communard.web.meetings.models import Meeting, Motion
from communard.web.polls.errors import PollError

Slug = Annotated[str, Path(max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")]
STEP_STATUSES = {**dict.fromkeys((400, 401, 403, 404, 409), Refusal), 422: Invalid}


class MeetingIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    starts_at: dt.datetime
    agenda: list[Annotated[str, Field(max_length=200)]] = Field([], max_length=100)
    request: bool = Field(False, description="ask for the meeting (others join the call) "
                                             "instead of calling it as its chair")


class MotionIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=100_000)
    reasons: str = Field("", max_length=100_000)
    matter: str = Field("", max_length=40, description='what it is about ("personnel"); '
                        "the constitution's [meetings] secret_matters make some votes secret")


class MotionStepIn(Schema):
    to: Literal["admitted", "debated", "voted", "adopted", "rejected", "referred"]


class MotionVoteIn(Schema):
    motion: int = Field(ge=1, description="a debated motion of this meeting's council")
    secret: bool = Field(False, description="a secret ballot instead of a roll call (always "
                                            "secret for the constitution's secret matters)")


class MotionVoteOut(Schema):
    poll: int
    motion: int
    secret: bool
    opens_at: str
    closes_at: str


class MeetingMandateIn(Schema):
    motion: int = Field(ge=1, description="a motion of the council above")
    stance: Literal["for", "against", "abstain", "free"]
    binding: bool = True


class MotionForwardIn(Schema):
    to: str = Field(min_length=1, max_length=100, description="the council's key")


class StepDoneOut(Schema):
    id: int
    state: str


def _run(do: Callable[[], Any], ok: int = 201) -> Status:
    try:
        return Status(ok, do())
    except NotAllowed as e:
        return Status(403, {"detail": str(e)})
    except PollError as e:
        return Status(e.status, {"detail": str(e)})


def _council(slug: str, key: str) -> Council:
    return get_object_or_404(Council.objects.select_related("federation"),
                             federation__slug=slug, key=key)


def _meeting(meeting_id: int) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("council__parent"), pk=meeting_id)


def _motion_of(council: Council | None, motion_id: int) -> Motion | None:
    return Motion.objects.filter(pk=motion_id, council=council).first()


def _not_here(motion_id: int) -> Status:
    return Status(404, {"detail": f"motion {motion_id} is not one this meeting can act on"})


@router.post("/councils/{slug}/{key}/meetings", response={201: Created, **STEP_STATUSES},
             auth=django_auth)
def call(request: HttpRequest, slug: Slug, key: Slug, body: MeetingIn) -> Status:
    """Call a meeting of the council (its chair; anyone where the call share is one person),
    or with ``request`` ask for one. 403: not the chair, or not of the body."""
    council = _council(slug, key)
    how = call_meeting.do_request_meeting if body.request else call_meeting.do_call_meeting
    at = body.starts_at if body.starts_at.tzinfo else body.starts_at.replace(tzinfo=dt.UTC)
    return _run(lambda: {"id": how(council, title=body.title, starts_at=at,
                                   agenda=[a.strip() for a in body.agenda if a.strip()],
                                   actor=actor_for(request.user)).pk})


@router.post("/meetings/{meeting_id}/callers", response={201: Created, **STEP_STATUSES},
             auth=django_auth)
def join_call(request: HttpRequest, meeting_id: Id) -> Status:
    """Join those asking for a meeting; the one who brings the share calls it. 403: called
    already, asked already, or not of the body."""
    meeting = _meeting(meeting_id)
    return _run(lambda: {"id": call_meeting.do_join_meeting_call(
        meeting, actor=actor_for(request.user)).pk})


@router.post("/meetings/{meeting_id}/speakers", response={201: Created, **STEP_STATUSES},
             auth=django_auth)
def ask_to_speak(request: HttpRequest, meeting_id: Id) -> Status:
    """Ask to speak at an open meeting you checked in to. 403: not checked in, or listed."""
    meeting = _meeting(meeting_id)
    return _run(lambda: {"id": attendance.do_ask_to_speak(
        meeting, actor=actor_for(request.user)).pk})


@router.post("/meetings/{meeting_id}/close", response={200: StepDoneOut, **STEP_STATUSES},
             auth=django_auth)
def close_meeting(request: HttpRequest, meeting_id: Id) -> Status:
    """Whoever presides closes the meeting. 403: not presiding, or not open."""
    meeting = _meeting(meeting_id)
    return _run(lambda: {"id": attendance.do_close_meeting(
        meeting, actor=actor_for(request.user)).pk, "state": "closed"}, ok=200)


@router.post("/councils/{slug}/{key}/motions", response={201: Created, **STEP_STATUSES},
             auth=django_auth)
def submit_motion(request: HttpRequest, slug: Slug, key: Slug, body: MotionIn) -> Status:
    """Submit a motion to a body you belong to (a member of an assembly, a delegate of a
    council). 403: not of the body, or a malformed matter."""
    council = _council(slug, key)
    return _run(lambda: {"id": motion_actions.do_submit_motion(
        council, title=body.title, text=body.text, reasons=body.reasons, matter=body.matter,
        actor=actor_for(request.user)).pk})


@router.post("/meetings/{meeting_id}/motions/{motion_id}/state",
             response={200: StepDoneOut, **STEP_STATUSES}, auth=django_auth)
def move_motion(request: HttpRequest, meeting_id: Id, motion_id: Id, body: MotionStepIn) -> Status:
    """Whoever presides moves a motion of the meeting's council one step. 403: not presiding,
    a step the workflow refuses, too few supporters or no quorum, or its vote is open; 404:
    not a motion of this meeting's council."""
    meeting = _meeting(meeting_id)
    motion = _motion_of(meeting.council, motion_id)
    if motion is None:
        return _not_here(motion_id)
    return _run(lambda: {"id": motion_id, "state": motion_actions.do_move_motion(
        motion, MotionState(body.to), meeting=meeting, actor=actor_for(request.user)).state},
        ok=200)


@router.post("/meetings/{meeting_id}/votes", response={201: MotionVoteOut, **STEP_STATUSES},
             auth=django_auth)
def put_to_vote(request: HttpRequest, meeting_id: Id, body: MotionVoteIn) -> Status:
    """Whoever presides puts a debated motion to the vote: a roll call of the council's
    delegates (a secret ballot if asked, or if its matter is secret by the constitution) opens
    at once; vote on ``/api/polls/{poll}/votes``. 403: not presiding, not debated, or no quorum
    checked in; 404: not a motion of this meeting's council."""
    meeting = _meeting(meeting_id)
    motion = _motion_of(meeting.council, body.motion)
    if motion is None:
        return _not_here(body.motion)

    def do() -> dict[str, Any]:
        poll = vote.do_put_motion_to_vote(motion, meeting=meeting,
                                          actor=actor_for(request.user), secret=body.secret)
        return {"poll": poll.pk, "motion": motion.pk, "secret": poll.secret,
                "opens_at": poll.opens_at.isoformat(), "closes_at": poll.closes_at.isoformat()}

    return _run(do)


@router.post("/meetings/{meeting_id}/mandates", response={201: Created, **STEP_STATUSES},
             auth=django_auth)
def adopt_mandate(request: HttpRequest, meeting_id: Id, body: MeetingMandateIn) -> Status:
    """Record the mandate this meeting's body adopted on a motion of the council above. 403:
    not presiding, no quorum, or the body sends no delegates there; 404: not a motion of the
    council above."""
    meeting = _meeting(meeting_id)
    motion = _motion_of(meeting.council.parent, body.motion)
    if motion is None:
        return _not_here(body.motion)
    stance = next(s for s in Stance if s.label == body.stance)
    return _run(lambda: {"id": mandates.do_adopt_mandate(
        meeting, motion, stance=stance, binding=body.binding,
        actor=actor_for(request.user)).pk})


@router.post("/motions/{motion_id}/forwards", response={201: Created, **STEP_STATUSES},
             auth=django_auth)
def forward(request: HttpRequest, motion_id: Id, body: MotionForwardIn) -> Status:
    """Forward an adopted motion to the council directly above or one directly beneath (a
    new submitted motion there, whose id is returned). 403: not adopted, not a neighbour, or
    not the body's chair; 404: no such motion or council."""
    motion = get_object_or_404(Motion, pk=motion_id)
    to = Council.objects.filter(federation_id=motion.federation_id, key=body.to).first()
    if to is None:
        return Status(404, {"detail": f"to: no council {body.to[:40]!r} in this federation"})
    return _run(lambda: {"id": motion_actions.do_forward_motion(
        motion, to, actor=actor_for(request.user)).pk})
