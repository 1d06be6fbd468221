"""Casting a recall ballot's answers, shared by its page (``ballot.py``) and its API operation
(``api_ballot.py``): every answered question is one ``do_cast`` of the polls app, and all of
them are **one transaction**, so a refusal of any (a vote already cast, a choice the question
does not take, not on the roll, a poll closed) casts none, and a client that dies mid-request
has answered every question or none.

Each answer may carry the ticket a review (the page's, or the API's ``GET …/ballot``) signed
for that poll and voter: the cast then uses the tracking code the voter was shown before
anything committed, so an answer lost after the commit still leaves them their codes. The page
always sends one; for the API it is optional (without it the cast makes a new code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from communard.constitution.permissions import Actor, NotAllowed
from communard.web.members.models import Member
from communard.web.polls.actions.cast import do_cast
from communard.web.polls.ballot_flow import code_of_ticket
from communard.web.polls.choices import check_choices
from communard.web.polls.errors import InvalidChoices, PollError
from communard.web.polls.models import Poll


@dataclass(frozen=True)
class Answer:
    poll: Poll
    choices: Any  # checked by check_choices: anything a client sent
    ticket: str | None  # None: no review was shown; a text that is no valid ticket is refused


@dataclass(frozen=True)
class Cast:
    poll: Poll
    code: str
    labels: list[str]  # the chosen options' labels, in the voter's order


class TicketNotValid(InvalidChoices):
    """A ticket not made for this poll and voter, or altered (400, as a bad choice)."""


class Refused(Exception):
    """One question's answer refused: the transaction rolls back the others' casts too."""

    def __init__(self, poll: Poll, cause: PollError | NotAllowed) -> None:
        super().__init__(str(cause))
        self.poll, self.cause, self.reason = poll, cause, str(cause)


def cast_answers(answers: list[Answer], voter: Member, *, actor: Actor) -> list[Cast]:
    """Cast every answer in one transaction, in the order of the polls' ids (two requests by
    one voter then take the polls' keys in the same order, and never wait on each other in a
    cycle); :class:`Refused` names the first question refused, and nothing is cast."""
    casts: list[Cast] = []
    with transaction.atomic(durable=True):
        for answer in sorted(answers, key=lambda a: a.poll.pk):
            poll = answer.poll
            try:
                code = None
                if answer.ticket is not None:
                    code = code_of_ticket(poll, voter, answer.ticket)
                    if code is None:
                        raise TicketNotValid("the review's tracking code is missing or was "
                                             "altered; review your answers again")
                options = poll.options.count()
                chosen = check_choices(poll.question, options, poll.seats, answer.choices)
                code = do_cast(poll, voter, chosen, actor=actor, code=code)
            except (PollError, NotAllowed) as refusal:
                raise Refused(poll, refusal) from None
            labels = dict(poll.options.values_list("number", "label"))
            casts.append(Cast(poll, code, [labels[n] for n in chosen]))
    return casts
