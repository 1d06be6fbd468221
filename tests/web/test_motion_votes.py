"""A motion put to the vote: a roll call of the council's delegates, decided by its close, and
each delegate's vote compared with the mandates binding them (the deviation sent to the
constituents, and on the delegate's scorecard)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from communard.constitution.mandates import Stance, Verdict
from communard.constitution.meetings import MotionState
from communard.constitution.permissions import NotAllowed
from communard.web.councils.models import Delegate, Federation, OfficeHolder
from communard.web.meetings.actions.attendance import do_check_in
from communard.web.meetings.actions.call_meeting import do_call_meeting
from communard.web.meetings.actions.mandates import do_adopt_mandate
from communard.web.meetings.actions.motions import (
    do_move_motion,
    do_submit_motion,
    do_support_motion,
)
from communard.web.meetings.actions.vote import do_put_motion_to_vote
from communard.web.meetings.models import DeviationNotice, Meeting, Motion
from communard.web.meetings.scorecard import delegate_scorecard, roll_calls_for
from communard.web.members.models import Member
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.errors import AlreadyVoted, NotOnRoll, PollError
from communard.web.polls.models import NamedVote, Poll
from tests.web import factories
from tests.web.factories import recorded
from tests.web.meetings_helpers import STARTS, as_member, council, meetings_federation
from tests.web.polls_helpers import vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    # d1 has two delegates (1 for w1, 5 for w2): one supporter besides the mover admits.
    monkeypatch.setattr(factories, "TWO_TIER", factories.TWO_TIER.replace(
        "[eligibility]", "[meetings]\nmotion_supporters = 1\n[eligibility]", 1))
    return meetings_federation(tmp_path)


def meeting_of(key: str, *numbers: str) -> Meeting:
    body = council(key)
    OfficeHolder.objects.get_or_create(
        council=body, office="chair", member=Member.objects.get(number=numbers[0]),
        defaults={"began_at": STARTS, "source": "test"})
    meeting = do_call_meeting(body, title=f"{key} meets", starts_at=STARTS, agenda=["Motions"],
                              actor=as_member(numbers[0]))
    for n in numbers:
        do_check_in(meeting, actor=as_member(n))
    return meeting


def debated_motion(meeting: Meeting) -> Motion:
    motion = do_submit_motion(council("d1"), title="Budget", text="Spend it all.", reasons="",
                              actor=as_member("5"))
    do_support_motion(motion, actor=as_member("1"))
    for state in (MotionState.ADMITTED, MotionState.DEBATED):
        do_move_motion(motion, state, meeting=meeting, actor=as_member("1"))
    return motion


def closed(poll: Poll) -> Poll:
    do_close_poll(poll, now=poll.closes_at)
    poll.refresh_from_db()
    return poll


def test_put_to_vote_opens_a_roll_call_of_the_delegates(fed: Federation) -> None:
    """The poll is a named yes/no/abstain vote of d1's delegates, its roll frozen at once."""
    meeting = meeting_of("d1", "1", "5")
    poll = do_put_motion_to_vote(debated_motion(meeting), meeting=meeting, actor=as_member("1"))
    assert (poll.voters, poll.purpose, poll.secret, poll.question) == (
        "delegates", "motion", False, "yes-no")
    assert [o.label for o in poll.options.all()] == ["Yes", "No", "Abstain"]
    assert sorted(poll.roll.values_list("member__number", flat=True)) == ["1", "5"]
    assert Motion.objects.get(pk=poll.subject.removeprefix("motion:")).state == "voted"


def test_votes_by_non_delegates_twice_or_after_close_are_refused(fed: Federation) -> None:
    """A member who is no delegate, a second vote, and a vote after the close change nothing."""
    meeting = meeting_of("d1", "1", "5")
    poll = do_put_motion_to_vote(debated_motion(meeting), meeting=meeting, actor=as_member("1"))
    when = poll.opens_at + dt.timedelta(minutes=1)
    with pytest.raises(NotOnRoll):
        vote(poll, "2", [1], when)
    vote(poll, "5", [1], when)
    with pytest.raises(AlreadyVoted):
        vote(poll, "5", [2], when)
    closed(poll)
    with pytest.raises(PollError):
        vote(poll, "1", [1], poll.closes_at + dt.timedelta(minutes=1))
    assert [n.entry.member.number for n in NamedVote.objects.filter(entry__poll=poll)] == ["5"]


def test_put_to_vote_of_an_undebated_motion_is_refused(fed: Federation) -> None:
    """A motion not yet debated is not put to the vote: no poll, and the record does not grow."""
    meeting = meeting_of("d1", "1")
    motion = do_submit_motion(council("d1"), title="B", text="x", reasons="",
                              actor=as_member("5"))
    do_support_motion(motion, actor=as_member("1"))
    before = recorded().count()
    polls = Poll.objects.count()
    with pytest.raises(NotAllowed):
        do_put_motion_to_vote(motion, meeting=meeting, actor=as_member("1"))  # not debated
    assert (recorded().count(), Poll.objects.count()) == (before, polls)


def test_close_adopts_and_deviation_reaches_the_constituents(fed: Federation) -> None:
    """w1 binds its delegate (1) to vote against; 1 votes for; the motion is adopted, the
    deviation is on 1's scorecard and on the page of each active member of w1."""
    w1 = meeting_of("w1", "1", "2")
    d1 = meeting_of("d1", "1", "5")
    motion = debated_motion(d1)
    do_adopt_mandate(w1, motion, stance=Stance.AGAINST, binding=True, actor=as_member("1"))
    poll = do_put_motion_to_vote(motion, meeting=d1, actor=as_member("1"))
    when = poll.opens_at + dt.timedelta(minutes=1)
    vote(poll, "1", [1], when)
    vote(poll, "5", [1], when)
    closed(poll)
    motion.refresh_from_db()
    assert motion.state == "adopted"
    assert recorded().filter(kind="motion.state_changed").order_by("-index")[0].body["to"] == (
        "adopted")
    delegate = Delegate.objects.get(council=council("d1"), member__number="1")
    calls = roll_calls_for(delegate)
    assert [(c.motion, dict(c.seats)) for c in calls] == [(str(motion.pk), {"1": "w1", "5": "w2"})]
    card = delegate_scorecard(delegate, calls)
    assert card.count(Verdict.DEVIATED, binding=True) == 1
    notices = DeviationNotice.objects.filter(motion=motion)
    assert sorted(n.member.number for n in notices) == ["1", "2", "3", "4"]
    assert "voted for" in notices[0].text


def test_close_rejects_without_a_majority(fed: Federation) -> None:
    """Against beats for: the motion is rejected; a delegate who kept the mandate is not
    reported."""
    w1 = meeting_of("w1", "1", "2")
    d1 = meeting_of("d1", "1", "5")
    motion = debated_motion(d1)
    do_adopt_mandate(w1, motion, stance=Stance.AGAINST, binding=True, actor=as_member("1"))
    poll = do_put_motion_to_vote(motion, meeting=d1, actor=as_member("1"))
    vote(poll, "1", [2], poll.opens_at + dt.timedelta(minutes=1))
    closed(poll)
    motion.refresh_from_db()
    assert motion.state == "rejected"
    assert not DeviationNotice.objects.filter(motion=motion).exists()
