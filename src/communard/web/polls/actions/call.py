"""Calling a poll: the interface every purpose's app uses.

    from communard.web.polls.actions.call import PollSpec, do_call_poll

    poll = do_call_poll(PollSpec(
        federation=federation, electorate=council, voters="members",
        purpose="recall", subject=f"recall-petition:{petition.pk}",
        title=f"Recall {delegate.member.name}?", question="yes-no", options=(), abstain=True,
        method=None, seats=1, secret=True,
        majority=rule.majority, turnout_floor=rule.turnout_floor,   # constitution.polls
        opens_at=..., closes_at=..., roll_at=petition.filed_at,
    ), actor=ClockActor())

``PollSpec`` fields:

* ``electorate`` and ``voters``: the members beneath the council (``"members"``) or the
  council's seated delegates (``"delegates"``) vote;
* ``purpose`` ("election", "recall", "motion", "referendum") picks the handler a closed poll
  runs (:mod:`communard.web.polls.outcomes`); ``subject`` is the purpose's own key for its
  object ("recall-petition:17");
* ``question``: "ranked" (``method``: any ``communard.count`` method, ``seats`` to fill),
  "yes-no" (options Yes, No, and Abstain when ``abstain``; ``options`` is ignored; ``seats`` 1)
  or "choose-n" (each voter approves at most ``seats`` of ``options``; the ``seats`` options
  approved most often win);
* ``secret``: a secret ballot (tracking codes, published box) or a roll call (each voter's
  choice public, with their name, and on the record as ``vote.named``);
* ``majority`` and ``turnout_floor`` (``constitution.majority``): a yes-no question passes by
  the rule and the floor; a ranked or choose-n poll needs the floor;
* ``opens_at`` < ``closes_at``, and ``roll_at`` ≤ ``opens_at``: the roll holds those on it by
  the membership changes recorded before ``roll_at`` (and, with ``roll_day``, claiming a day on
  or before it: an election's cut-off day, whose end may fall after ``roll_at``; recorded as
  ``poll.called`` version 2). The clock opens (freezes the roll) and
  closes (counts, decides, records, then runs the purpose's handler) on this calendar.

Every refusal is :class:`~communard.web.polls.errors.PollRefused` naming the field; nothing is
written then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from django.db import transaction

from communard.constitution.calendar import poll_calendar_refusal
from communard.constitution.majority import MajorityRule
from communard.constitution.permissions import Actor
from communard.count import METHODS
from communard.record.kinds import POLL_CALLED, POLL_CALLED_V2
from communard.web.core.actors import record_name
from communard.web.councils.models import Council, Federation
from communard.web.polls.actions.common import ref
from communard.web.polls.errors import PollRefused
from communard.web.polls.models import Option, Poll, Question, Voters
from communard.web.records import services as record

#: The purpose whose polls may offer fewer options than seats, or none (elections/poll.py).
ELECTION = "election"
#: The count methods that are not for ranked questions.
_QUESTION_METHODS = {Question.YES_NO: "yes-no", Question.CHOOSE_N: "choose-n"}
MAX_OPTIONS = 1000


@dataclass(frozen=True)
class PollSpec:
    federation: Federation
    electorate: Council  # whose members (voters="members") or delegates (voters="delegates") vote
    voters: Literal["members", "delegates"]
    purpose: str  # "election" | "recall" | "motion" | "referendum"
    subject: str  # e.g. "recall-petition:17": the purpose's app finds its object by it
    title: str
    question: str  # "ranked" | "yes-no" | "choose-n"
    options: Sequence[str]  # labels; yes-no polls ignore it (Yes, No, and Abstain when abstain)
    abstain: bool
    method: str | None  # ranked: a communard.count method; None for the others
    seats: int  # ranked: seats; choose-n: n; yes-no: 1
    secret: bool
    majority: MajorityRule  # constitution.majority
    turnout_floor: Fraction
    opens_at: dt.datetime
    closes_at: dt.datetime
    roll_at: dt.datetime
    roll_day: dt.date | None = None  # the last day a counted change may claim (elections)


def _labels(spec: PollSpec) -> list[str]:
    if spec.question == Question.YES_NO:
        return ["Yes", "No", "Abstain"] if spec.abstain else ["Yes", "No"]
    if isinstance(spec.options, str):
        raise PollRefused("options: a list of labels, not one string")
    labels = [str(o).strip() for o in spec.options]
    if not labels and spec.purpose != ELECTION:
        raise PollRefused(f"options: a {spec.question} question needs at least one option")
    if len(labels) > MAX_OPTIONS:
        raise PollRefused(f"options: at most {MAX_OPTIONS:,}, not {len(labels):,}")
    for n, label in enumerate(labels, start=1):
        if not label or len(label) > 200:
            raise PollRefused(f"options[{n}]: a label of 1 to 200 characters, not {label!r}")
        if label.casefold() in (x.casefold() for x in labels[: n - 1]):
            raise PollRefused(f"options[{n}]: {label!r} is listed twice")
    return labels


def check_spec(spec: PollSpec) -> tuple[str, list[str]]:
    """The counting method and the option labels of a callable spec, or PollRefused."""
    if spec.electorate.federation_id != spec.federation.pk:
        raise PollRefused(f"electorate: {spec.electorate.name} is not in {spec.federation.name}")
    if spec.voters not in Voters.values:
        raise PollRefused(f"voters: 'members' or 'delegates', not {spec.voters!r}")
    if not spec.purpose.strip() or len(spec.purpose) > 40:
        raise PollRefused("purpose: a name of 1 to 40 characters")
    if len(spec.subject) > 200:
        raise PollRefused("subject: at most 200 characters")
    if not spec.title.strip() or len(spec.title) > 200:
        raise PollRefused("title: 1 to 200 characters")
    if spec.question not in Question.values:
        raise PollRefused(f"question: one of {', '.join(Question.values)}, not {spec.question!r}")
    labels = _labels(spec)
    if spec.question == Question.RANKED:
        if spec.method is None or spec.method not in METHODS or spec.method in (
                _QUESTION_METHODS.values()):
            raise PollRefused(f"method: a ranked question needs a counting method, not "
                              f"{spec.method!r}")
        method = spec.method
    else:
        if spec.method not in (None, _QUESTION_METHODS[spec.question]):
            raise PollRefused(f"method: a {spec.question} question is counted as such, not by "
                              f"{spec.method!r}")
        method = _QUESTION_METHODS[spec.question]
    most = 1 if spec.question == Question.YES_NO else len(labels)
    if spec.purpose == ELECTION:
        # An election's seats are the constituency's, whoever stands: fewer candidates than
        # seats elects them all, none elects nobody (the count's rule, as before elections
        # were polls).
        most = max(most, spec.seats if isinstance(spec.seats, int) else 1, 1)
    if isinstance(spec.seats, bool) or not isinstance(spec.seats, int) or not 1 <= spec.seats <= most:
        raise PollRefused(f"seats: from 1 to {most} for this question, not {spec.seats!r}")
    if not 0 <= spec.turnout_floor <= 1:
        raise PollRefused(f"turnout_floor: a share of the roll from 0 to 1, not {spec.turnout_floor}")
    refusal = poll_calendar_refusal(spec.opens_at, spec.closes_at, spec.roll_at)
    if refusal is not None:
        raise PollRefused(f"calendar: {refusal}")
    return method, labels


def do_call_poll(spec: PollSpec, *, actor: Actor) -> Poll:
    """Call a poll; the clock opens and closes it on its calendar. Options are fixed here."""
    method, labels = check_spec(spec)
    floor = Fraction(spec.turnout_floor)
    with transaction.atomic():
        poll = Poll.objects.create(
            federation=spec.federation,
            electorate=spec.electorate,
            voters=spec.voters,
            purpose=spec.purpose.strip(),
            subject=spec.subject,
            title=spec.title.strip(),
            question=spec.question,
            method=method,
            seats=spec.seats,
            secret=spec.secret,
            majority=spec.majority.text,
            turnout_floor=f"{floor.numerator}/{floor.denominator}",
            opens_at=spec.opens_at,
            closes_at=spec.closes_at,
            roll_at=spec.roll_at,
            roll_day=spec.roll_day,
        )
        Option.objects.bulk_create(
            [Option(poll=poll, number=n, label=label) for n, label in enumerate(labels, start=1)]
        )
        body = {
            **ref(poll),
            "electorate": spec.electorate.key,
            "voters": poll.voters,
            "purpose": poll.purpose,
            "subject": poll.subject,
            "title": poll.title,
            "question": poll.question,
            "method": method,
            "seats": poll.seats,
            "options": labels,
            "secret": poll.secret,
            "majority": poll.majority,
            "turnout_floor": poll.turnout_floor,
            "opens_at": spec.opens_at.isoformat(),
            "closes_at": spec.closes_at.isoformat(),
            "roll_at": spec.roll_at.isoformat(),
        }
        if spec.roll_day is None:
            record.append(POLL_CALLED, body, actor=record_name(actor))
        else:
            record.append(POLL_CALLED_V2, {**body, "roll_day": spec.roll_day.isoformat()},
                          actor=record_name(actor))
    return poll
