"""JSON API for elections (OpenAPI at /api/docs). Casting needs a logged-in member and CSRF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.security import django_auth

from communard.web.elections.casting import do_cast_ballot_as_user
from communard.web.elections.errors import ElectionError
from communard.web.elections.models import Ballot, Election

router = Router(tags=["elections"])


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
    ranking: list[Any]


class Receipt(Schema):
    tracking_code: str


class Refusal(Schema):
    detail: str


def _election(election_id: int) -> Election:
    """The election as it stands: reads never open or close a poll (the clock does)."""
    return get_object_or_404(Election.objects.select_related("federation"), pk=election_id)


@router.get("/{election_id}", response=ElectionOut)
def election_detail(request: HttpRequest, election_id: int) -> dict[str, Any]:
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
    response={201: Receipt, 400: Refusal, 403: Refusal, 404: Refusal, 409: Refusal},
    auth=django_auth,
)
def cast_ballot(request: HttpRequest, election_id: int, body: BallotIn) -> Status:
    """Cast a ranked ballot: ``{"ranking": [3, 1, 2]}`` lists candidate numbers, first
    preference first. Returns the tracking code to find the ballot in the published box."""
    try:
        code = do_cast_ballot_as_user(election_id, request.user.pk, body.ranking)
    except ElectionError as refusal:
        return Status(refusal.status, {"detail": str(refusal)})
    return Status(201, {"tracking_code": code})


@router.get("/{election_id}/result", response={200: dict, 409: Refusal})
def result(request: HttpRequest, election_id: int) -> Any:
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


@router.get("/{election_id}/ballots/{code}", response={200: dict, 404: Refusal, 409: Refusal})
def track(request: HttpRequest, election_id: int, code: str) -> Any:
    election = _election(election_id)
    if election.closed_at is None:
        return Status(409, {"detail": "ballots are published when the poll closes"})
    ballot = Ballot.objects.filter(election=election, tracking_code=code.strip().upper()).first()
    if ballot is None:
        return Status(404, {"detail": "no ballot with that tracking code in this election"})
    return {"tracking_code": ballot.tracking_code, "ranking": ballot.ranking}
