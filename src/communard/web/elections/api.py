"""JSON API for elections (OpenAPI at /api/docs). Casting needs a logged-in member and CSRF.

The schema lists every status each operation gives and describes a ranking as exactly as a
schema can (distinct candidate numbers from 1); tests/web/test_api_schema.py runs schemathesis
against the served document to keep the two in agreement."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status
from ninja.security import django_auth

from communard.constitution.calendar import Phase as CalendarPhase
from communard.constitution.permissions import MemberActor, NotAllowed
from communard.web.core.params import MAX_ID
from communard.web.elections.box import ballot_by_code, elected
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.actions.cast import do_cast, not_open_reason
from communard.web.polls.errors import PollError

router = Router(tags=["elections"])

# Ids are bigints: a larger one can name no election, and SQLite cannot even be asked about it
# (OverflowError): this bound answers the rest, as a 422 before any query.
ElectionId = Annotated[int, Path(ge=1, le=MAX_ID, description="the election's id")]


class CandidateOut(Schema):
    number: int
    name: str


class ElectionOut(Schema):
    id: int
    title: str
    phase: str
    seats: int
    method: str
    poll_opens_at: str
    poll_closes_at: str
    roll_cutoff: str
    candidates: list[CandidateOut]


class BallotIn(Schema):
    # Typed Any so that one rule (polls.choices.check_choices, the one cast action's) gives
    # one message; the schema still describes what that rule accepts.
    ranking: list[Any] = Field(
        description="candidate numbers, first preference first",
        json_schema_extra={"items": {"type": "integer", "minimum": 1},
                           "minItems": 1, "uniqueItems": True},
    )


class Receipt(Schema):
    tracking_code: str


class Refusal(Schema):
    detail: str


class Invalid(Schema):
    """422: the request does not fit this schema (ninja lists each validation error)."""

    detail: str | list[dict[str, Any]]


def _election(election_id: int) -> Election:
    """The election as it stands: reads never open or close a poll (the clock does)."""
    return get_object_or_404(Election.objects.select_related("federation"), pk=election_id)


@router.get("/{election_id}", response={200: ElectionOut, 404: Refusal, 422: Invalid})
def election_detail(request: HttpRequest, election_id: ElectionId) -> dict[str, Any]:
    e = _election(election_id)
    return {
        "id": e.pk,
        "title": e.title,
        "phase": e.phase().value,
        "seats": e.seats,
        "method": e.method,
        "poll_opens_at": e.poll_opens_at.isoformat(),
        "poll_closes_at": e.poll_closes_at.isoformat(),
        "roll_cutoff": e.roll_cutoff.isoformat(),
        "candidates": [
            {"number": c.number, "name": c.member.name}
            for c in e.candidates.filter(number__isnull=False).select_related("member")
        ],
    }


@router.post(
    "/{election_id}/ballots",
    response={201: Receipt, 400: Refusal, 401: Refusal, 403: Refusal, 404: Refusal,
              409: Refusal, 422: Invalid},
    auth=django_auth,
)
def cast_ballot(request: HttpRequest, election_id: ElectionId, body: BallotIn) -> Status:
    """Cast a ranked ballot: ``{"ranking": [3, 1, 2]}`` lists candidate numbers, first
    preference first. Returns the tracking code to find the ballot in the published box.

    400: the body is not JSON, or the ranking is not distinct candidate numbers; 401: not
    logged in; 403: CSRF failed, or not on this election's roll; 404: no such election;
    409: the poll is not open, this member has voted, or a number names nobody standing;
    422: the body or the id does not fit the schema.

    The election's poll's cast (``POST /api/polls/{poll}/votes`` with ``choices``) under the
    election's own address: the same one cast action, ``polls.actions.cast.do_cast``."""
    election = Election.objects.select_related("federation", "poll").filter(pk=election_id).first()
    if election is None:
        return Status(404, {"detail": "there is no such election"})
    if election.poll is None:  # the clock has not opened the poll yet
        return Status(409, {"detail": not_open_reason(CalendarPhase(election.phase().value))})
    voter = Member.objects.filter(user=request.user, federation=election.federation).first()
    if voter is None:
        return Status(403, {"detail": "only members of the federation vote"})
    try:
        code = do_cast(election.poll, voter, body.ranking,
                       actor=MemberActor(request.user.get_username()))
    except PollError as refusal:
        return Status(refusal.status, {"detail": str(refusal)})
    except NotAllowed as refusal:
        return Status(403, {"detail": str(refusal)})
    return Status(201, {"tracking_code": code})


@router.get("/{election_id}/result",
            response={200: dict, 404: Refusal, 409: Refusal, 422: Invalid})
def result(request: HttpRequest, election_id: ElectionId) -> Any:
    election = _election(election_id)
    if election.closed_at is None:
        return Status(409, {"detail": "the poll has not closed"})
    r = election.result
    return {
        "winners": elected(election),
        "ballots": r.ballots,
        "marks": r.marks,
        "seed": r.seed,
        "box_sha256": r.box_sha256,
        "sheet": r.sheet,
    }


class TrackIn(Schema):
    tracking_code: str = Field(max_length=40)


@router.post("/{election_id}/track",
             response={200: dict, 400: Refusal, 404: Refusal, 409: Refusal, 422: Invalid})
def track(request: HttpRequest, election_id: ElectionId, body: TrackIn) -> Any:
    """A ballot of the published box by its tracking code, posted: a code in a URL would sit
    in access logs beside the voter's address (issue 16). 409: not counted yet; 404: no
    ballot has that code."""
    election = _election(election_id)
    if election.closed_at is None:
        return Status(409, {"detail": "ballots are published when the poll closes"})
    code = body.tracking_code.strip().upper()
    ranking = ballot_by_code(election, code)
    if ranking is None:
        return Status(404, {"detail": "no ballot with that tracking code in this election"})
    return {"tracking_code": code, "ranking": ranking}
