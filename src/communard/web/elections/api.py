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

from communard.web.core.params import MAX_ID
from communard.web.elections.casting import do_cast_ballot_as_user, is_tracking_code
from communard.web.elections.errors import ElectionError
from communard.web.elections.models import Ballot, Election

router = Router(tags=["elections"])

# Ids are bigints: a larger one can name no election, and SQLite cannot even be asked about it
# (OverflowError). The fast cast path only takes ids of up to 18 digits, so this bound is what
# answers the rest, as a 422 before any query.
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
    # Typed Any so both doors (this operation and the fast path) apply one rule, check_ranking,
    # with one message; the schema still describes what that rule accepts.
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
    """422: the request does not fit this schema. Ninja lists each validation error; the fast
    cast path names the one it found."""

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
    422: the body or the id does not fit the schema."""
    try:
        code = do_cast_ballot_as_user(election_id, request.user.pk, body.ranking)
    except ElectionError as refusal:
        return Status(refusal.status, {"detail": str(refusal)})
    return Status(201, {"tracking_code": code})


@router.get("/{election_id}/result",
            response={200: dict, 404: Refusal, 409: Refusal, 422: Invalid})
def result(request: HttpRequest, election_id: ElectionId) -> Any:
    election = _election(election_id)
    if election.closed_at is None:
        return Status(409, {"detail": "the poll has not closed"})
    r = election.result
    return {
        "winners": r.winners,
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
    ballot = (Ballot.objects.filter(election=election, tracking_code=code).first()
              if is_tracking_code(code) else None)
    if ballot is None:
        return Status(404, {"detail": "no ballot with that tracking code in this election"})
    return {"tracking_code": ballot.tracking_code, "ranking": ballot.ranking}
