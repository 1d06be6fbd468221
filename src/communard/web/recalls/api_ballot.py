"""``POST /api/recalls/petitions/{id}/ballot``: the recall ballot's answers cast in **one**
transaction (issue 15's closing note). Through ``POST /api/polls/{id}/votes`` each question is
its own transaction, so a client that dies between the two has answered one; here every answer
is cast by the page's own ``ballot_cast.cast_answers`` or none is.

Each answer may carry the ``ticket`` that ``GET …/ballot`` made for that question and the
signed-in voter, with the tracking code it signs: the client knows its codes before it casts,
so a lost answer still leaves it them. Why tickets and not a code the client makes up: a
sealed poll keeps the code inside the envelope, where no unique key can see it, so two voters
who agreed on one code would make the close's ballots collide on their key and stop the count;
a ticket's code is the server's 80 random bits, as the page's review's is."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.security import django_auth
from pydantic import ConfigDict, field_validator

from communard.constitution.permissions import MemberActor, NotAllowed
from communard.web.core.params import MAX_ID
from communard.web.members.models import Member
from communard.web.polls.errors import PollError
from communard.web.recalls.api import NOT_FOUND, Invalid, PetitionId, RefusalOut, router
from communard.web.recalls.api_steps import ballot_polls, no_vote_yet
from communard.web.recalls.ballot_cast import Answer, Refused, cast_answers
from communard.web.recalls.models import Petition


class RecallAnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    poll: int = Field(ge=1, le=MAX_ID, description="the question's poll, as GET …/ballot lists")
    # Typed Any so that one rule (polls.choices.check_choices) gives one message for all, as
    # the polls' own cast does.
    choices: list[Any] = Field(
        description="option numbers: one for the recall question (1 Yes, 2 No, 3 Abstain); "
                    "candidates in order of preference for the replacement question",
        json_schema_extra={"items": {"type": "integer", "minimum": 1},
                           "minItems": 1, "uniqueItems": True},
    )
    ticket: str | None = Field(None, max_length=1000,
                               description="the question's ticket from GET …/ballot: the cast "
                                           "then carries the tracking code shown with it")

    @field_validator("poll", mode="before")
    @classmethod
    def _a_number(cls, value: Any) -> Any:
        # A poll is named by a JSON number (7, or 7.0 as JSON Schema's integer allows), never
        # by "7" or true, which pydantic's lax mode would read as 7 and 1.
        if isinstance(value, bool | str):
            raise ValueError("a poll is named by its id, a number")
        return value


class RecallBallotIn(Schema):
    model_config = ConfigDict(extra="forbid")

    answers: list[RecallAnswerIn] = Field(min_length=1, max_length=2,
                                    description="the questions answered; one may be left out")


class RecallReceiptOut(Schema):
    poll: int
    tracking_code: str


class RecallBallotReceiptOut(Schema):
    petition: int
    receipts: list[RecallReceiptOut]


class RecallBallotRefusalOut(RefusalOut):
    poll: int | None = Field(None, description="the question refused (none: the whole ballot)")


_REFUSED = {400: RecallBallotRefusalOut, 401: RefusalOut, 403: RecallBallotRefusalOut,
            404: RefusalOut, 409: RecallBallotRefusalOut, 422: Invalid}


def _rule(error: PollError) -> str:
    """A poll refusal's rule name: its class's, as words (``AlreadyVoted``: already-voted)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", type(error).__name__).lower()


def _refusal(status: int, rule: str, detail: str, poll: int | None = None) -> Status:
    return Status(status, {"detail": detail, "rule": rule, "poll": poll})


@router.post("/petitions/{petition_id}/ballot",
             response={201: RecallBallotReceiptOut, **_REFUSED}, auth=django_auth)
def cast_ballot(request: HttpRequest, petition_id: PetitionId, body: RecallBallotIn) -> Status:
    """Cast the recall ballot's answers in one transaction: ``{"answers": [{"poll": 7,
    "choices": [1]}, {"poll": 8, "choices": [2, 1], "ticket": "…"}]}``, any of the questions
    GET …/ballot lists (one may be left out). 201 with each question's tracking code. A
    refusal of any answer casts none, and names the rule and the question (``poll``): 400 a
    repeated choice, an altered ticket, or a question answered twice; 403 not on the roll, not
    a member, or CSRF failed; 404 no such petition; 409 no vote called yet, a poll that is not
    this ballot's, a poll not open, voted already on a question, or an option the question
    lacks; 422 a body that does not fit the schema (unknown fields too).
    ``POST /api/polls/{id}/votes`` still casts one question on its own."""
    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None:
        return NOT_FOUND
    polls = {p.pk: p for p in ballot_polls(petition)}
    if not polls:
        return no_vote_yet()
    seen: set[int] = set()
    for answer in body.answers:
        if answer.poll not in polls:
            # 409, as an option a poll lacks: the request is sound, this ballot refuses it.
            return _refusal(409, "not-on-this-ballot", f"poll {answer.poll} is not a question "
                            "of this petition's ballot", answer.poll)
        if answer.poll in seen:
            return _refusal(400, "answered-twice", f"poll {answer.poll} is answered twice",
                            answer.poll)
        seen.add(answer.poll)
    voter = Member.objects.filter(user=request.user,
                                  federation_id=petition.federation_id).first()
    if voter is None:
        return _refusal(403, "members-only", "only members of the federation vote")
    answers = [Answer(polls[a.poll], a.choices, a.ticket) for a in body.answers]
    try:
        casts = cast_answers(answers, voter, actor=MemberActor(request.user.get_username()))
    except Refused as refused:
        cause = refused.cause
        if isinstance(cause, NotAllowed):
            return _refusal(403, cause.refusal.rule, refused.reason, refused.poll.pk)
        return _refusal(cause.status, _rule(cause), f"{refused.poll.title}: {refused.reason}",
                        refused.poll.pk)
    return Status(201, {"petition": petition.pk,
                        "receipts": [{"poll": c.poll.pk, "tracking_code": c.code}
                                     for c in casts]})

