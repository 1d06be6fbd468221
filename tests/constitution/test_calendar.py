"""An election's calendar and its due transitions: properties over any constitution and request."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from communard.constitution import DEFAULT_CONSTITUTION_TOML, Constitution, parse_constitution
from communard.constitution.calendar import (
    CalendarOutOfOrder,
    CalendarRefusal,
    ElectionCalendar,
    ElectionState,
    NominationPeriodTooShort,
    NominationsOpenBeforeCall,
    Phase,
    PollPeriodTooShort,
    TimeWithoutZone,
    Transition,
    due_transitions,
    phase_at,
    plan_calendar,
)
from tests.strategies import aware_times, constitutions_with_periods, election_states, periods

DAY = dt.timedelta(days=1)
DEFAULT = parse_constitution(DEFAULT_CONSTITUTION_TOML)
CALLED = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@given(constitutions_with_periods(), aware_times)
def test_calendar_left_out_runs_for_the_minimums(constitution: Constitution, called: dt.datetime) -> None:
    """With no times given: nominations open at the call, then exactly the constitution's periods."""
    cal = plan_calendar(constitution, dt.UTC, called_at=called)
    rules = constitution.elections
    assert cal == ElectionCalendar(
        nominations_open_at=called,
        poll_opens_at=called + rules.nomination_days * DAY,
        poll_closes_at=called + (rules.nomination_days + rules.poll_days) * DAY,
        roll_cutoff=(called + rules.nomination_days * DAY).date() - constitution.cutoff_days * DAY,
    )


@given(constitutions_with_periods(), aware_times, periods, periods, periods)
def test_calendar_is_granted_exactly_when_the_periods_reach_the_minimums(
    constitution: Constitution, called: dt.datetime, delay: dt.timedelta,
    nominating: dt.timedelta, polling: dt.timedelta,
) -> None:
    """Any request in order is granted iff both periods are at least the constitution's; a
    refusal names the period that falls short (the nomination period is checked first)."""
    rules = constitution.elections
    nominations = called + delay
    opens, closes = nominations + nominating, nominations + nominating + polling
    cal = plan_calendar(constitution, dt.UTC, called_at=called, nominations_open_at=nominations,
                        poll_opens_at=opens, poll_closes_at=closes)
    if polling == dt.timedelta(0):
        assert isinstance(cal, CalendarOutOfOrder)
    elif nominating < rules.nomination_days * DAY:
        assert isinstance(cal, NominationPeriodTooShort)
        assert (cal.given, cal.required_days) == (nominating, rules.nomination_days)
        assert f"elections.nomination_days = {rules.nomination_days}" in str(cal)
    elif polling < rules.poll_days * DAY:
        assert isinstance(cal, PollPeriodTooShort)
        assert (cal.given, cal.required_days) == (polling, rules.poll_days)
        assert f"elections.poll_days = {rules.poll_days}" in str(cal)
    else:
        assert cal == ElectionCalendar(nominations, opens, closes,
                                       opens.date() - constitution.cutoff_days * DAY)


@given(constitutions_with_periods(), aware_times,
       st.lists(st.one_of(st.none(), aware_times), min_size=3, max_size=3))
def test_a_granted_calendar_always_keeps_the_rules(
    constitution: Constitution, called: dt.datetime, times: list[dt.datetime | None]
) -> None:
    """Whatever is asked, a calendar that comes back is in order, starts no earlier than the call
    and gives at least the minimum periods; anything else is a refusal with a reason."""
    cal = plan_calendar(constitution, dt.UTC, called_at=called, nominations_open_at=times[0],
                        poll_opens_at=times[1], poll_closes_at=times[2])
    if isinstance(cal, CalendarRefusal):
        assert str(cal) and cal.rule
        return
    rules = constitution.elections
    assert called <= cal.nominations_open_at
    assert cal.poll_opens_at - cal.nominations_open_at >= rules.nomination_days * DAY
    assert cal.poll_closes_at - cal.poll_opens_at >= rules.poll_days * DAY


def test_one_day_of_nominations_where_the_constitution_says_seven_is_refused() -> None:
    """The issue's case: a one-day nomination period is refused, naming the rule and both periods."""
    cal = plan_calendar(DEFAULT, dt.UTC, called_at=CALLED, poll_opens_at=CALLED + DAY)
    assert isinstance(cal, NominationPeriodTooShort)
    assert str(cal) == ("the nomination period is 1 day(s); the constitution "
                        "(elections.nomination_days = 7) requires at least 7 day(s)")
    short_poll = plan_calendar(DEFAULT, dt.UTC, called_at=CALLED,
                               poll_closes_at=CALLED + 7 * DAY + dt.timedelta(hours=36))
    assert isinstance(short_poll, PollPeriodTooShort)
    assert str(short_poll).startswith("the poll is open for 36.0 hour(s)")
    a_second_short = plan_calendar(DEFAULT, dt.UTC, called_at=CALLED,
                                   poll_opens_at=CALLED + 7 * DAY - dt.timedelta(seconds=1))
    assert isinstance(a_second_short, NominationPeriodTooShort)


def test_refusals_for_times_out_of_order_before_the_call_or_without_zone() -> None:
    """Reversed times, nominations before the call and naive times are each refused by name."""
    assert isinstance(plan_calendar(DEFAULT, dt.UTC, called_at=CALLED,
                                    poll_opens_at=CALLED + 8 * DAY,
                                    poll_closes_at=CALLED + 8 * DAY), CalendarOutOfOrder)
    early = plan_calendar(DEFAULT, dt.UTC, called_at=CALLED, nominations_open_at=CALLED - DAY)
    assert isinstance(early, NominationsOpenBeforeCall)
    assert "before the election is called" in str(early)
    naive = plan_calendar(DEFAULT, dt.UTC, called_at=CALLED,
                          poll_opens_at=dt.datetime(2026, 12, 9, 9, 0))
    assert naive == TimeWithoutZone(field="the poll opens")


def test_cutoff_is_a_day_in_the_federations_time_zone() -> None:
    """A poll opening at 23:30 UTC opens the next day in Berlin: the cut-off counts from that day."""
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    opens = dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC)
    cal = plan_calendar(DEFAULT, berlin, called_at=opens - 7 * DAY)
    assert isinstance(cal, ElectionCalendar)
    assert cal.roll_cutoff == dt.date(2026, 12, 8) - DEFAULT.cutoff_days * DAY
    assert plan_calendar(DEFAULT, dt.UTC, called_at=opens - 7 * DAY) != cal


def _after(state: ElectionState, done: tuple[Transition, ...]) -> ElectionState:
    """The state once the transitions ran."""
    return dataclasses.replace(
        state,
        roll_frozen=state.roll_frozen or bool(done),
        closed=state.closed or Transition.CLOSE in done,
    )


@given(election_states(), aware_times)
def test_due_transitions_run_in_order_and_once(state: ElectionState, now: dt.datetime) -> None:
    """Opening comes before closing; once what was due has run, nothing more is due then."""
    due = due_transitions(state, now)
    assert list(due) == sorted(due, key=list(Transition).index)
    assert len(set(due)) == len(due)
    assert due_transitions(_after(state, due), now) == ()


@given(election_states(), aware_times, periods)
def test_what_is_due_stays_due(state: ElectionState, now: dt.datetime, later: dt.timedelta) -> None:
    """A transition due now is still due later if it has not run: a clock that missed a beat
    catches up."""
    assert set(due_transitions(state, now)) <= set(due_transitions(state, now + later))


@given(election_states(), aware_times)
def test_phase_agrees_with_what_is_due(state: ElectionState, now: dt.datetime) -> None:
    """Ballots are taken (POLL) only when nothing is due; DUE and OPENING are what the clock has
    yet to do."""
    due, phase = due_transitions(state, now), phase_at(state, now)
    assert (phase == Phase.DUE) == (Transition.CLOSE in due)
    assert (phase == Phase.OPENING) == (due == (Transition.OPEN_POLL,))
    if phase == Phase.POLL:
        assert due == () and state.roll_frozen and now < state.poll_closes_at
    if state.closed:
        assert (phase, due) == (Phase.CLOSED, ())


def test_a_closed_election_is_never_due_again() -> None:
    """However long after, a closed election needs nothing."""
    state = ElectionState(CALLED, CALLED + 7 * DAY, CALLED + 14 * DAY, roll_frozen=True,
                          closed=True)
    assert due_transitions(state, CALLED + 1000 * DAY) == ()
    unfrozen = dataclasses.replace(state, roll_frozen=False, closed=False)
    assert due_transitions(unfrozen, CALLED + 6 * DAY) == ()
    assert due_transitions(unfrozen, CALLED + 7 * DAY) == (Transition.OPEN_POLL,)
    assert due_transitions(unfrozen, CALLED + 14 * DAY) == (Transition.OPEN_POLL, Transition.CLOSE)


def test_poll_calendar_refuses_a_roll_cut_off_after_opening() -> None:
    """A poll's roll is cut off no later than it opens; it opens before it closes; times are aware."""
    from communard.constitution.calendar import RollAfterOpening, poll_calendar_refusal

    assert poll_calendar_refusal(CALLED, CALLED + DAY, CALLED) is None
    assert isinstance(poll_calendar_refusal(CALLED, CALLED + DAY, CALLED + DAY / 2),
                      RollAfterOpening)
    assert isinstance(poll_calendar_refusal(CALLED, CALLED, CALLED), CalendarOutOfOrder)
    naive = CALLED.replace(tzinfo=None)
    assert isinstance(poll_calendar_refusal(CALLED, CALLED + DAY, naive), TimeWithoutZone)
