"""A motion's roll call closed at the meeting (issue 17): early by whoever presides, or by the
clock as soon as every delegate on its roll has voted; refused for anyone else, for a secret
ballot, and for polls whose purpose runs its calendar; an early close moved by plain SQL is
named by ``verify``."""

from __future__ import annotations

import datetime as dt

import pytest

from communard.constitution.meetings import MotionState
from communard.constitution.permissions import ClockActor, NotAllowed
from communard.web.core import clock
from communard.web.councils.models import Federation
from communard.web.meetings.actions.motions import do_move_motion
from communard.web.meetings.actions.vote import do_put_motion_to_vote
from communard.web.meetings.models import Motion
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.actions.close_early import do_close_early
from communard.web.polls.errors import WrongPhase
from communard.web.polls.models import Poll
from communard.web.records.audit import run
from tests.web import test_motion_votes as votes
from tests.web.factories import TEST_OPERATOR, recorded, small_federation, verify_output
from tests.web.meetings_helpers import as_member
from tests.web.polls_helpers import DAY, NOW, open_poll, vote
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db
fed = votes.fed
MINUTE = dt.timedelta(minutes=1)


def put_to_vote(secret: bool = False) -> Poll:
    """d1 meets with its chair (1) and delegate 5 checked in; Budget is put to the vote."""
    meeting = votes.meeting_of("d1", "1", "5")
    return do_put_motion_to_vote(votes.debated_motion(meeting), meeting=meeting,
                                 actor=as_member("1"), secret=secret)


def polls_divergences() -> list[object]:
    """verify's findings on the polls' tables (the test's chair is seated without a record)."""
    recorded()  # sealed, as the commits would have
    return [d for d in run() if d.table.startswith("polls")]


def state_of(poll: Poll) -> str:
    return Motion.objects.get(pk=poll.subject.removeprefix("motion:")).state


def test_presiding_member_closes_the_vote_early(fed: Federation) -> None:
    """One yes of two delegates; the chair closes: counted at once, adopted, and the early close
    recorded with who and when before the count; verify accepts it."""
    poll = put_to_vote()
    vote(poll, "5", [1], poll.opens_at + MINUTE)
    at = poll.opens_at + 2 * MINUTE
    result = do_close_early(poll, actor=as_member("1"), now=at)
    poll.refresh_from_db()
    assert (result.passed, poll.closed_at, state_of(poll)) == (True, at, "adopted")
    early = recorded().get(kind="poll.closed_early")
    assert early.body == {"federation": "test", "poll": poll.pk, "reason": "presiding",
                          "at": at.isoformat(), "marks": 1, "voters": 2}
    assert early.actor.startswith("member:")
    assert recorded().get(kind="poll.closed").index > early.index
    assert polls_divergences() == []


@pytest.mark.parametrize("who", ["5", "2", "operator"])
def test_others_cannot_close_the_vote_early(fed: Federation, who: str) -> None:
    """A delegate who does not preside, a member outside the body, an operator: refused, and
    nothing changes (no entry, the poll open, the motion voted)."""
    poll = put_to_vote()
    before = recorded().count()
    actor = TEST_OPERATOR if who == "operator" else as_member(who)
    with pytest.raises(NotAllowed):
        do_close_early(poll, actor=actor, now=poll.opens_at + MINUTE)
    poll.refresh_from_db()
    assert (recorded().count(), poll.closed_at, state_of(poll)) == (before, None, "voted")


def test_a_secret_ballot_is_not_closed_early(fed: Federation) -> None:
    """A secret ballot runs its window, even for the presiding member."""
    poll = put_to_vote(secret=True)
    with pytest.raises(NotAllowed, match="secret ballot runs its whole window"):
        do_close_early(poll, actor=as_member("1"), now=poll.opens_at + MINUTE)


def test_a_secret_poll_of_members_runs_its_calendar(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A secret poll of the members (a recall, a referendum) is never closed early, not even by
    the clock once everyone voted."""
    poll = open_poll(small_federation(tmp_path, {"w1": 2, "w2": 1}))
    for number in ("1", "2"):
        vote(poll, number, [1])
    with pytest.raises(NotAllowed, match="full calendar"):
        do_close_early(poll, actor=ClockActor(), now=NOW)
    assert clock.run_due(now=NOW).done["roll call(s) closed: everyone had voted"] == 0


def test_a_named_poll_whose_purpose_has_no_rule_runs_its_calendar(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Generic: only a purpose whose app permits it closes early."""
    poll = open_poll(small_federation(tmp_path, {"w1": 2, "w2": 1}), secret=False)
    for number in ("1", "2"):
        vote(poll, number, [1])
    with pytest.raises(NotAllowed, match="run their calendar"):
        do_close_early(poll, actor=ClockActor(), now=NOW)


def test_clock_closes_the_roll_call_once_everyone_voted(fed: Federation) -> None:
    """With one of two votes in, the clock waits; with both, it closes the roll call."""
    poll = put_to_vote()
    vote(poll, "1", [2], poll.opens_at + MINUTE)
    done = "roll call(s) closed: everyone had voted"
    assert clock.run_due(now=poll.opens_at + 2 * MINUTE).done[done] == 0
    with pytest.raises(NotAllowed, match="everyone on its roll has voted"):
        do_close_early(poll, actor=ClockActor(), now=poll.opens_at + 2 * MINUTE)
    vote(poll, "5", [2], poll.opens_at + 3 * MINUTE)
    assert clock.run_due(now=poll.opens_at + 4 * MINUTE).done[done] == 1
    poll.refresh_from_db()
    assert (poll.closed_at, state_of(poll)) == (poll.opens_at + 4 * MINUTE, "rejected")
    assert recorded().get(kind="poll.closed_early").body["reason"] == "all-voted"
    assert polls_divergences() == []


def test_the_close_still_refuses_an_early_count_not_on_the_record(fed: Federation) -> None:
    """The ordinary close counts before the calendar's end only after a recorded early close."""
    poll = put_to_vote()
    with pytest.raises(WrongPhase):
        do_close_poll(poll, now=poll.opens_at + MINUTE)


def test_a_close_moved_earlier_by_sql_is_named(fed: Federation,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A roll call closed at its end, its closed_at moved before the end by plain SQL: verify
    names the poll (no poll.closed_early entry)."""
    poll = put_to_vote()
    do_close_poll(poll, now=poll.closes_at)
    assert polls_divergences() == []
    sql("UPDATE polls_poll SET closed_at = opens_at WHERE id = %s", poll.pk)
    status, out = verify_output(capsys)
    assert status == 1, out
    assert "before its calendar's end" in out and "no poll.closed_early entry" in out, out


def test_an_early_close_retimed_by_sql_is_named_with_its_entry(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """Closed early by the chair, then closed_at moved by SQL: named with the early entry."""
    poll = put_to_vote()
    do_close_early(poll, actor=as_member("1"), now=poll.opens_at + MINUTE)
    sql("UPDATE polls_poll SET closed_at = opens_at WHERE id = %s", poll.pk)
    index = recorded().get(kind="poll.closed_early").index
    status, out = verify_output(capsys)
    assert status == 1, out
    assert "the record closed it early at" in out and f"entry #{index}" in out, out


def test_a_poll_closed_at_its_end_is_not_an_early_close(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The control: a poll counted at its calendar's end needs no early entry."""
    poll = open_poll(small_federation(tmp_path, {"w1": 2, "w2": 1}))
    do_close_poll(poll, now=NOW + 2 * DAY)
    assert polls_divergences() == []


@pytest.mark.parametrize("to", [MotionState.ADOPTED, MotionState.REJECTED, MotionState.REFERRED])
def test_nobody_moves_a_motion_out_of_voted_while_its_poll_is_open(fed: Federation,
                                                                   to: MotionState) -> None:
    """The presiding member cannot adopt, reject or refer a motion whose roll call is open;
    nothing changes. After the close the count has decided it."""
    poll = put_to_vote()
    motion = Motion.objects.get(pk=poll.subject.removeprefix("motion:"))
    meeting = motion.meeting
    assert meeting is not None
    before = recorded().count()
    with pytest.raises(NotAllowed, match="vote is open"):
        do_move_motion(motion, to, meeting=meeting, actor=as_member("1"))
    assert (recorded().count(), state_of(poll)) == (before, "voted")


PARIS = dt.timezone(dt.timedelta(hours=1))


def test_an_early_close_recorded_in_another_zone_is_the_row_s_instant(fed: Federation) -> None:
    """The early close's ``at`` written with +01:00 and the row's closed_at in UTC are one
    instant: verify accepts it (it compared their text, issue 16)."""
    poll = put_to_vote()
    at = (poll.opens_at + MINUTE).astimezone(PARIS)
    do_close_early(poll, actor=as_member("1"), now=at)
    assert recorded().get(kind="poll.closed_early").body["at"].endswith("+01:00")
    assert polls_divergences() == []


def test_an_early_close_moved_by_a_microsecond_is_named(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """Closed early by the chair, closed_at then moved one microsecond by SQL: another instant,
    named with the early entry."""
    poll = put_to_vote()
    at = poll.opens_at + MINUTE
    do_close_early(poll, actor=as_member("1"), now=at)
    from django.db import connection

    moved = connection.ops.adapt_datetimefield_value(at + dt.timedelta(microseconds=1))
    sql("UPDATE polls_poll SET closed_at = %s WHERE id = %s", moved, poll.pk)
    index = recorded().get(kind="poll.closed_early").index
    status, out = verify_output(capsys)
    assert status == 1, out
    assert "the record closed it early at" in out and f"entry #{index}" in out, out
