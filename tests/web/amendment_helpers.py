"""Amendments put to the vote (issue 17), for their tests: a debated two-paragraph motion of the
district d1 (delegates 1, the chair, and 5) and its amendments decided by roll calls."""

from __future__ import annotations

import datetime as dt

from communard.constitution.meetings import MotionState
from communard.web.meetings.actions.amendment_vote import do_put_amendment_to_vote
from communard.web.meetings.actions.amendments import do_amend_motion
from communard.web.meetings.actions.motions import (
    do_move_motion,
    do_submit_motion,
    do_support_motion,
)
from communard.web.meetings.models import Amendment, Meeting, Motion
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.models import Poll
from tests.web.meetings_helpers import as_member
from tests.web.polls_helpers import vote

TEXT = "Pay delegates a worker's wage.\n\nPublish every expense."
MINUTE = dt.timedelta(minutes=1)


def debated(meeting: Meeting, text: str = TEXT, *, mover: str = "5",
            supporter: str = "1", chair: str = "1") -> Motion:
    """A motion of the meeting's body, supported, admitted and debated there."""
    motion = do_submit_motion(meeting.council, title="Pay", text=text, reasons="Equality",
                              actor=as_member(mover))
    do_support_motion(motion, actor=as_member(supporter))
    for state in (MotionState.ADMITTED, MotionState.DEBATED):
        do_move_motion(motion, state, meeting=meeting, actor=as_member(chair))
    return motion


def propose(motion: Motion, text: str, *, paragraph: int | None = None,
            amends: Amendment | None = None, by: str = "5") -> Amendment:
    return do_amend_motion(motion, text=text, reasons="", paragraph=paragraph, amends=amends,
                           actor=as_member(by))


def decide(amendment: Amendment, meeting: Meeting, yes: bool) -> Poll:
    """Put to the vote by the chair (1), both delegates vote, closed at its end."""
    poll = do_put_amendment_to_vote(amendment, meeting=meeting, actor=as_member("1"))
    for number in ("1", "5"):
        vote(poll, number, [1 if yes else 2], poll.opens_at + MINUTE)
    do_close_poll(poll, now=poll.closes_at)
    poll.refresh_from_db()
    return poll


def district_fixture_constitution(tier_two: str) -> str:
    """One supporter besides the mover admits a motion (d1 has two delegates)."""
    return tier_two.replace("[eligibility]", "[meetings]\nmotion_supporters = 1\n[eligibility]", 1)

