"""JSON API for polls (OpenAPI at /api/docs): the poll, casting (a signed-in member, CSRF),
the result with the majority rule's reason, a ballot by tracking code, and a roll call's votes.
Every operation lists each status it gives; casting goes through the one cast action."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status
from ninja.security import django_auth

from communard.constitution.permissions import MemberActor, NotAllowed
from communard.web.core.params import MAX_ID
from communard.web.polls.actions.cast import do_cast
from communard.web.polls.errors import PollError
from communard.web.polls.models import Poll
from communard.web.polls.views import roll_call, voter_of

router = Router(tags=["polls"])

PollId = Annotated[int, Path(ge=1, le=MAX_ID, description="the poll's id")]


class OptionOut(Schema):
    number: int
    label: str


class PollOut(Schema):
    id: int
    title: str
    purpose: str
    subject: str
    question: str
    voters: str
    electorate: str
    phase: str
    secret: bool
    method: str
    seats: int
    majority: str
    turnout_floor: str
    opens_at: str
    closes_at: str
    roll_at: str
    roll_size: int | None
    options: list[OptionOut]


class VoteIn(Schema):
    # Typed Any so that one rule (polls.choices.check_choices) gives one message for all.
    choices: list[Any] = Field(
        description="option numbers: one for yes-no (1 Yes, 2 No, 3 Abstain), one to n for "
                    "choose-n, in order of preference for ranked",
        json_schema_extra={"items": {"type": "integer", "minimum": 1},
                           "minItems": 1, "uniqueItems": True},
    )


class Receipt(Schema):
    tracking_code: str


class ResultOut(Schema):
    passed: bool
    reason: str
    winners: list[int]
    tally: dict[str, int] | None
    ballots: int
    marks: int
    voters: int | None
    seed: str
    box_sha256: str
    sheet: dict[str, Any]


class NamedVoteOut(Schema):
    member: str
    name: str
    choices: list[str]


class Refusal(Schema):
    detail: str


class Invalid(Schema):
    detail: str | list[dict[str, Any]]


def _poll(poll_id: int) -> Poll:
    return get_object_or_404(Poll.objects.select_related("federation", "electorate"), pk=poll_id)


@router.get("/{poll_id}", response={200: PollOut, 404: Refusal, 422: Invalid})
def poll_detail(request: HttpRequest, poll_id: PollId) -> dict[str, Any]:
    p = _poll(poll_id)
    return {
        "id": p.pk, "title": p.title, "purpose": p.purpose, "subject": p.subject,
        "question": p.question, "voters": p.voters, "electorate": p.electorate.key,
        "phase": p.phase().value, "secret": p.secret, "method": p.method, "seats": p.seats,
        "majority": p.majority, "turnout_floor": p.turnout_floor,
        "opens_at": p.opens_at.isoformat(), "closes_at": p.closes_at.isoformat(),
        "roll_at": p.roll_at.isoformat(), "roll_size": p.roll_size,
        "options": [{"number": o.number, "label": o.label} for o in p.options.all()],
    }


@router.post("/{poll_id}/votes",
             response={201: Receipt, 400: Refusal, 401: Refusal, 403: Refusal, 404: Refusal,
                       409: Refusal, 422: Invalid},
             auth=django_auth)
def cast_vote(request: HttpRequest, poll_id: PollId, body: VoteIn) -> Status:
    """Cast a vote: ``{"choices": [1]}``. Returns the tracking code.

    400: the choices are not distinct option numbers; 401: not signed in; 403: CSRF failed,
    not a member acting as themself, or not on this poll's roll; 404: no such poll; 409: the
    poll is not open, this member has voted, or the choices name an option the poll lacks or
    more than its question takes; 422: the body or the id does not fit the schema."""
    poll = _poll(poll_id)
    voter = voter_of(request, poll)
    if voter is None:
        return Status(403, {"detail": "only members of the federation vote"})
    try:
        code = do_cast(poll, voter, body.choices, actor=MemberActor(request.user.get_username()))
    except PollError as refusal:
        return Status(refusal.status, {"detail": str(refusal)})
    except NotAllowed as refusal:
        return Status(403, {"detail": str(refusal)})
    return Status(201, {"tracking_code": code})


@router.get("/{poll_id}/result", response={200: ResultOut, 404: Refusal, 409: Refusal,
                                           422: Invalid})
def result(request: HttpRequest, poll_id: PollId) -> Any:
    poll = _poll(poll_id)
    if poll.closed_at is None:
        return Status(409, {"detail": "the poll has not closed"})
    r = poll.result
    return {"passed": r.passed, "reason": r.reason, "winners": r.winners, "tally": r.tally,
            "ballots": r.ballots, "marks": r.marks, "voters": poll.roll_size, "seed": r.seed,
            "box_sha256": r.box_sha256, "sheet": r.sheet}


@router.get("/{poll_id}/roll-call",
            response={200: list[NamedVoteOut], 404: Refusal, 409: Refusal, 422: Invalid})
def named_votes(request: HttpRequest, poll_id: PollId) -> Any:
    """A roll call's votes, each with the voter (409 for a secret poll: it has none)."""
    poll = _poll(poll_id)
    if poll.secret:
        return Status(409, {"detail": "this poll is secret: no vote is linked to a voter"})
    return [{"member": n, "name": name, "choices": labels}
            for n, name, labels in roll_call(poll)]
