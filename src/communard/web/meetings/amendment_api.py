"""Amendments' votes in the JSON API (issue 17): reading a motion's amendments with their
states, roll calls and results, and its text as amended; putting an amendment to the vote at a
meeting (the motion page's step, the same ``do_*`` action). A refusal by the rules is a 403
with its reason, a row that is not there or not this meeting's a 404; nothing changes then."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Schema, Status
from ninja.security import django_auth

from communard.web.accounts.actions import actor_for
from communard.web.meetings.actions.amendment_vote import do_put_amendment_to_vote
from communard.web.meetings.amendment_read import amendment_rows, text_as_amended
from communard.web.meetings.api import Id, Invalid, PieceOut, Refusal, router
from communard.web.meetings.api_steps import STEP_STATUSES, _run
from communard.web.meetings.models import Amendment, Meeting, Motion


class RollCallVoteOut(Schema):
    member: str
    name: str
    choices: list[str]


class AmendmentResultOut(Schema):
    id: int
    paragraph: int | None
    amends: int | None
    text: str
    reasons: str
    state: str = Field(description="proposed, voted (its poll is open), adopted, rejected or "
                                   "lapsed (what it amends was put to the vote without it)")
    diff: list[PieceOut]
    poll: int | None
    secret: bool | None
    passed: bool | None = Field(description="the result, once its poll has closed")
    reason: str | None
    roll_call: list[RollCallVoteOut]


class AmendedMotionOut(Schema):
    motion: int
    text: str = Field(description="the motion's original text")
    amended_text: str = Field(description="its text as amended by the adopted amendments, in "
                                          "adoption order")
    diff: list[PieceOut] = Field(description="from the original to the amended text")
    amendments: list[AmendmentResultOut]


class AmendmentVoteIn(Schema):
    amendment: int = Field(ge=1, description="a proposed amendment of a debated motion of this "
                                             "meeting's council")


class AmendmentVoteOut(Schema):
    poll: int
    amendment: int
    secret: bool
    opens_at: str
    closes_at: str


@router.get("/motions/{motion_id}/amendments",
            response={200: AmendedMotionOut, 404: Refusal, 422: Invalid})
def amendments(request: HttpRequest, motion_id: Id) -> dict[str, Any]:
    """A motion's amendments with their states, roll calls (how each delegate voted) and
    results, and the motion's text as amended."""
    motion = get_object_or_404(Motion.objects.select_related("council", "federation"),
                               pk=motion_id)
    text, diff = text_as_amended(motion)
    return {
        "motion": motion.pk, "text": motion.text, "amended_text": text,
        "diff": [{"op": p.op, "text": p.text} for p in diff],
        "amendments": [{
            "id": r.amendment.pk, "paragraph": r.amendment.paragraph,
            "amends": r.amendment.amends_id, "text": r.amendment.text,
            "reasons": r.amendment.reasons, "state": r.state.value,
            "diff": [{"op": p.op, "text": p.text} for p in r.diff],
            "poll": r.poll.pk if r.poll else None,
            "secret": r.poll.secret if r.poll else None,
            "passed": r.result.passed if r.result else None,
            "reason": r.result.reason if r.result else None,
            "roll_call": [{"member": n, "name": name, "choices": c}
                          for n, name, c in r.roll_call],
        } for r in amendment_rows(motion)],
    }


@router.post("/meetings/{meeting_id}/amendment-votes",
             response={201: AmendmentVoteOut, **STEP_STATUSES}, auth=django_auth)
def put_amendment_to_vote(request: HttpRequest, meeting_id: Id, body: AmendmentVoteIn) -> Status:
    """Whoever presides puts a proposed amendment to the vote: a roll call of the council's
    delegates opens at once (vote on ``/api/polls/{poll}/votes``). 403: not presiding, no
    quorum checked in, put to the vote already, the motion not in debate, what it amends voted
    already, or a vote on one of its own amendments still open; 404: not an amendment of a
    motion of this meeting's council."""
    meeting = get_object_or_404(Meeting, pk=meeting_id)
    amendment = Amendment.objects.filter(pk=body.amendment,
                                         motion__council_id=meeting.council_id).first()
    if amendment is None:
        return Status(404, {"detail": f"amendment {body.amendment} is not one of a motion of "
                                      "this meeting's council"})

    def do() -> dict[str, Any]:
        poll = do_put_amendment_to_vote(amendment, meeting=meeting,
                                        actor=actor_for(request.user))
        return {"poll": poll.pk, "amendment": amendment.pk, "secret": poll.secret,
                "opens_at": poll.opens_at.isoformat(), "closes_at": poll.closes_at.isoformat()}

    return _run(do)
