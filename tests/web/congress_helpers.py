"""A congress in the meetings federation: district d1 binds its delegate (member 1) to vote
against a congress motion, and member 1 votes for it; all through the actions."""

from __future__ import annotations

import datetime as dt

import pytest

from communard.constitution.mandates import Stance
from communard.constitution.meetings import MotionState
from communard.web.meetings.actions.attendance import do_check_in
from communard.web.meetings.actions.call_meeting import do_call_meeting
from communard.web.meetings.actions.mandates import do_adopt_mandate
from communard.web.meetings.actions.motions import (
    do_move_motion,
    do_submit_motion,
    do_support_motion,
)
from communard.web.meetings.actions.vote import do_put_motion_to_vote
from communard.web.meetings.models import Meeting, Motion
from communard.web.polls.models import Poll
from tests.web import factories
from tests.web.meetings_helpers import STARTS, as_member, council
from tests.web.polls_helpers import vote

#: The congress has 7 seats and two delegates sit (1 for d1, 8 for d2): a fifth calls it and
#: makes its quorum, one supporter admits a motion.
RULES = '[meetings]\nmotion_supporters = 1\nquorum = "1/5"\ncall_share = "1/10"\n'


def congress_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the federation is made: the constitution above."""
    monkeypatch.setattr(factories, "TWO_TIER", factories.TWO_TIER.replace(
        "[eligibility]", RULES + "[eligibility]", 1))


def meeting(key: str, *numbers: str) -> Meeting:
    """A meeting of ``key`` called by the first of ``numbers`` (no chair: whoever is checked
    in presides), with ``numbers`` checked in."""
    m = do_call_meeting(council(key), title=f"{council(key).name} meets", starts_at=STARTS,
                        agenda=["Motions"], actor=as_member(numbers[0]))
    for n in numbers:
        do_check_in(m, actor=as_member(n))
    return m


def congress_motion() -> tuple[Meeting, Motion]:
    """A congress in session (1 and 8 checked in) with a debated motion moved by 8."""
    congress = meeting("congress", "1", "8")
    motion = do_submit_motion(council("congress"), title="A shorter working week",
                              text="The federation campaigns for a 32-hour week.", reasons="",
                              actor=as_member("8"))
    do_support_motion(motion, actor=as_member("1"))
    for state in (MotionState.ADMITTED, MotionState.DEBATED):
        do_move_motion(motion, state, meeting=congress, actor=as_member("8"))
    return congress, motion


def d1_mandates_against(motion: Motion) -> None:
    """District d1's council (delegates 1 and 5) binds its congress delegate to vote against."""
    d1 = meeting("d1", "1", "5")
    do_adopt_mandate(d1, motion, stance=Stance.AGAINST, binding=True, actor=as_member("1"))


def roll_call_for(congress: Meeting, motion: Motion) -> Poll:
    """Put to the vote; 1 (bound against) and 8 vote yes."""
    poll = do_put_motion_to_vote(motion, meeting=congress, actor=as_member("8"))
    when = poll.opens_at + dt.timedelta(minutes=1)
    vote(poll, "1", [1], when)
    vote(poll, "8", [1], when)
    return poll
