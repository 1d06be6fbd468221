"""Polls called, opened and voted in through their actions, for tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction
from typing import Any

from communard.constitution.majority import SIMPLE
from communard.constitution.permissions import MemberActor, OperatorActor
from communard.web.councils.models import Council, Federation
from communard.web.members.models import Member
from communard.web.polls.actions.call import PollSpec, do_call_poll
from communard.web.polls.actions.cast import do_cast
from communard.web.polls.actions.open import do_open_poll
from communard.web.polls.models import Poll
from tests.web.factories import member_login

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
CALLER = OperatorActor("test-operator")


def spec(federation: Federation, electorate: str = "w1", **changes: Any) -> PollSpec:
    """A secret yes/no poll of the members beneath ``electorate``, open from a day ago to a day
    ahead, its roll cut off two days ago."""
    base = PollSpec(
        federation=federation, electorate=Council.objects.get(federation=federation,
                                                              key=electorate),
        voters="members", purpose="referendum", subject="test:1", title="Shall we?",
        question="yes-no", options=(), abstain=True, method=None, seats=1, secret=True,
        majority=SIMPLE, turnout_floor=Fraction(0), opens_at=NOW - DAY, closes_at=NOW + DAY,
        roll_at=NOW - 2 * DAY,
    )
    return dataclasses.replace(base, **changes)


def open_poll(federation: Federation, electorate: str = "w1", **changes: Any) -> Poll:
    """Call the poll and freeze its roll as the clock does when its time comes."""
    s = spec(federation, electorate, **changes)
    poll = do_call_poll(s, actor=CALLER)
    do_open_poll(poll, now=s.opens_at)
    poll.refresh_from_db()
    return poll


def voter(federation: Federation, number: str) -> tuple[Member, MemberActor]:
    """Member ``number`` with a login of their own (made once), as the actor who casts."""
    member = Member.objects.get(federation=federation, number=number)
    if member.user_id is None:
        member_login(member, f"m{number}-{federation.slug}", "a long test password 1871")
        member.refresh_from_db()
    return member, MemberActor(member.user.get_username())


def vote(poll: Poll, number: str, choices: Any, when: dt.datetime = NOW) -> str:
    member, actor = voter(poll.federation, number)
    return do_cast(poll, member, choices, actor=actor, now=when)
