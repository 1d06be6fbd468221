"""Membership in time: a roll counts the changes recorded by its cut-off, whatever they claim."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from communard.constitution.membership import (
    ADMITTED,
    EXPELLED,
    Change,
    backdating_refusal,
    counts_for_roll,
    end_of_day,
    roll,
)
from tests.strategies import MEMBERSHIP_START as START
from tests.strategies import membership_changes as changes

UTC = dt.UTC
CUTOFF = dt.date(2026, 6, 30)
CUTOFF_END = end_of_day(CUTOFF, UTC)




@given(changes(), changes())
def test_changes_recorded_after_the_cutoff_never_change_the_roll(
    before: list[Change], after: list[Change]
) -> None:
    """The capture: admissions backdated onto a roll, expulsions dated before its cut-off. Any
    change recorded after the cut-off's end, whatever date it claims, leaves the roll as it was."""
    late = [Change(c.member, c.kind, c.council, c.on, max(c.recorded_at, CUTOFF_END), c.order)
            for c in after]
    assert roll(before + late, {1}, CUTOFF, CUTOFF_END) == roll(before, {1}, CUTOFF, CUTOFF_END)


@given(changes())
def test_the_roll_does_not_depend_on_the_order_changes_are_listed(history: list[Change]) -> None:
    assert roll(history, {1, 2}, CUTOFF, CUTOFF_END) == roll(
        list(reversed(history)), {1, 2}, CUTOFF, CUTOFF_END)


def test_a_change_counts_when_recorded_and_claimed_by_the_cutoff() -> None:
    on_time = Change(1, ADMITTED, 1, CUTOFF, CUTOFF_END - dt.timedelta(seconds=1))
    recorded_late = Change(1, ADMITTED, 1, CUTOFF - dt.timedelta(days=60), CUTOFF_END)
    claimed_late = Change(1, ADMITTED, 1, CUTOFF + dt.timedelta(days=1), START)
    assert counts_for_roll(on_time, CUTOFF, CUTOFF_END)
    assert not counts_for_roll(recorded_late, CUTOFF, CUTOFF_END)
    assert not counts_for_roll(claimed_late, CUTOFF, CUTOFF_END)
    expelled_late = Change(1, EXPELLED, 1, CUTOFF - dt.timedelta(days=1),
                           CUTOFF_END + dt.timedelta(hours=1), order=1)
    assert roll([on_time, expelled_late], {1}, CUTOFF, CUTOFF_END) == {1}


@given(st.dates(), st.integers(0, 400), st.integers(0, 60))
def test_backdating_is_allowed_exactly_within_the_window(
    today: dt.date, back: int, grace: int
) -> None:
    on = today - dt.timedelta(days=back) if back <= (today - dt.date.min).days else today
    refusal = backdating_refusal(on, today, grace)
    assert (refusal is None) == ((today - on).days <= grace)
    if refusal is not None:
        assert refusal.rule == "backdated-beyond-window" and on.isoformat() in refusal.reason


def test_the_end_of_a_day_is_in_the_federation_s_time_zone() -> None:
    import zoneinfo

    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert end_of_day(CUTOFF, paris) == dt.datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
