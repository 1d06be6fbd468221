"""The recall ballot's steps in the JSON API (issue 15): standing for the seat on a recall's
replacement question, and finding the ballot's polls, which are voted on all at once in one
transaction (``api_ballot.py``, as on the ballot page) or one by one with the polls' own
``POST /api/polls/{id}/votes``. Each step calls the same ``do_*`` action as its page; a
refusal is a 4xx naming the rule and changes nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.security import django_auth

from communard.constitution.permissions import NotAllowed, Refusal
from communard.web.accounts.actions import actor_for
from communard.web.members.models import Member
from communard.web.polls.ballot_flow import new_ticket
from communard.web.polls.models import Poll
from communard.web.recalls import replacement
from communard.web.recalls.actions import do_stand_for_replacement
from communard.web.recalls.api import (
    NOT_FOUND,
    WRITES,
    Invalid,
    PetitionId,
    RefusalOut,
    refused,
    router,
)
from communard.web.recalls.models import Petition
from communard.web.recalls.vote import subject_of

#: Standing's refusals about who stands (403); the rest are about the moment or the rule (409).
_WHO = {"recalled-member-stands", "already-seated"}


class CandidateOut(Schema):
    number: int = Field(description="the candidate's option number on the replacement question")
    name: str


class CandidacyOut(Schema):
    petition: int
    candidates: list[CandidateOut] = Field(description="everyone standing, in the order they "
                                                       "stood (the ballot's options)")


class BallotQuestionOut(Schema):
    poll: int = Field(description="cast on POST /api/polls/{poll}/votes")
    purpose: str = Field(description="recall (yes-no) or recall-replacement (ranked)")
    question: str
    phase: str
    options: list[CandidateOut]
    tracking_code: str | None = Field(description="for a signed-in member of the federation: "
                                                  "the code this question's ballot will carry "
                                                  "if cast with the ticket (made afresh on "
                                                  "each read; nothing is stored)")
    ticket: str | None = Field(description="to send with the answer to POST …/ballot")


class BallotOut(Schema):
    petition: int
    questions: list[BallotQuestionOut]


def _candidacies(petition: Petition) -> dict[str, Any]:
    standing = replacement.candidates(petition)
    return {"petition": petition.pk,
            "candidates": [{"number": n, "name": c.member.name}
                           for n, c in enumerate(standing, start=1)]}


@router.post("/petitions/{petition_id}/candidacy", response={201: CandidacyOut, **WRITES},
             auth=django_auth)
def stand(request: HttpRequest, petition_id: PetitionId) -> Status:
    """Stand, as the signed-in member, for the seat on the recall's replacement question
    (``[recall] replacement = "replacement-question"``), from the threshold until the vote
    opens. 403: not on the petition's roll, the recalled member, a sitting delegate of the
    constituency, or CSRF failed; 404: no such petition; 409: standing already, standing is
    closed (before the threshold or once the vote opened), or this recall asks no replacement
    question (another rule, or an office)."""
    petition = Petition.objects.select_related("federation").filter(pk=petition_id).first()
    if petition is None:
        return NOT_FOUND
    try:
        with transaction.atomic(durable=True):
            do_stand_for_replacement(petition, actor=actor_for(request.user))
    except NotAllowed as e:
        if e.refusal.rule in _WHO:
            return Status(403, {"detail": e.refusal.reason, "rule": e.refusal.rule})
        return refused(e.refusal)
    return Status(201, _candidacies(petition))


@router.get("/petitions/{petition_id}/candidacy",
            response={200: CandidacyOut, 404: RefusalOut, 422: Invalid})
def candidacies(request: HttpRequest, petition_id: PetitionId) -> Any:
    """Who stands for the seat on the recall's replacement question, in the order they stood."""
    petition = Petition.objects.filter(pk=petition_id).first()
    return _candidacies(petition) if petition else NOT_FOUND


@router.get("/petitions/{petition_id}/ballot",
            response={200: BallotOut, 404: RefusalOut, 409: RefusalOut, 422: Invalid})
def ballot(request: HttpRequest, petition_id: PetitionId) -> Any:
    """The recall ballot's questions once the vote is called: the yes/no recall poll (1 Yes,
    2 No, 3 Abstain) and, when asked, the ranked replacement poll (its options the candidates).
    Answered all at once, in one transaction, with ``POST …/ballot`` (each answer with its
    question's ``ticket`` to carry the ``tracking_code`` shown here, which a signed-in member
    gets), or each on its own with ``POST /api/polls/{poll}/votes``; a voter may answer one
    and not the other. 409: no vote called yet."""
    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None:
        return NOT_FOUND
    polls = ballot_polls(petition)
    if not polls:
        return no_vote_yet()
    tickets = _tickets(request, polls)
    return {"petition": petition.pk, "questions": [
        {"poll": p.pk, "purpose": p.purpose, "question": p.question, "phase": p.phase().value,
         "options": [{"number": o.number, "name": o.label} for o in p.options.all()],
         "tracking_code": tickets.get(p.pk, (None, None))[0],
         "ticket": tickets.get(p.pk, (None, None))[1]}
        for p in polls]}


def ballot_polls(petition: Petition) -> list[Poll]:
    """The recall ballot's polls (the recall question's first), none before the vote is called."""
    return list(Poll.objects.filter(
        federation_id=petition.federation_id, subject=subject_of(petition),
        purpose__in=[replacement.RECALL_PURPOSE, replacement.PURPOSE]).order_by("pk"))


def no_vote_yet() -> Status:
    refusal = Refusal("no-vote-yet", "no recall vote has been called on this petition")
    return Status(409, {"detail": refusal.reason, "rule": refusal.rule})


def _tickets(request: HttpRequest, polls: list[Poll]) -> dict[int, tuple[str, str]]:
    """For a signed-in member of the federation, each question's fresh tracking code and its
    ticket, signed for that poll and member (``polls/ballot_flow.py``, as the page's review)."""
    if not request.user.is_authenticated:
        return {}
    voter = Member.objects.filter(user=request.user,
                                  federation_id=polls[0].federation_id).first()
    return {} if voter is None else {p.pk: new_ticket(p, voter) for p in polls}
