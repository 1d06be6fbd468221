"""``Standings`` answers many rolls of one membership exactly as ``membership.roll`` does."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from communard.constitution.membership import ADMITTED, Change, end_of_day, roll
from communard.constitution.rolls import Standings
from tests.strategies import MEMBERSHIP_START as START
from tests.strategies import membership_changes as changes

ZONES = [dt.UTC, zoneinfo.ZoneInfo("Europe/Paris"), zoneinfo.ZoneInfo("America/Los_Angeles")]


@given(changes(), st.integers(-5, 100), st.sampled_from([{1}, {2}, {1, 2}, {3}]),
       st.sampled_from(ZONES))
def test_standings_give_the_roll_membership_gives(history: list[Change], day: int,
                                                  councils: set[int], zone: dt.tzinfo) -> None:
    """For any histories, cut-off and councils: the same members as ``membership.roll``."""
    cutoff = START.date() + dt.timedelta(days=day)
    end = end_of_day(cutoff, zone)
    assert Standings(history).roll(councils, cutoff, end) == roll(history, councils, cutoff, end)


def test_one_standings_answers_many_cutoffs() -> None:
    """Sorted once, asked at each cut-off: admitted, moved, lapsed, and the change recorded
    after a cut-off's end that claims a date before it does not count at that cut-off."""
    t = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    day = dt.timedelta(days=1)
    history = [Change(1, ADMITTED, 1, t.date(), t), Change(1, "transferred", 2, t.date() + day,
                                                           t + day, 1),
               Change(2, ADMITTED, 1, t.date(), t + 10 * day),  # claims day 0, recorded day 10
               Change(1, "lapsed", 2, t.date() + 5 * day, t + 5 * day, 2)]
    standings = Standings(history)
    for offset in range(12):
        cutoff = t.date() + offset * day
        end = end_of_day(cutoff, dt.UTC)
        for councils in ({1}, {2}, {1, 2}):
            assert standings.roll(councils, cutoff, end) == roll(history, councils, cutoff, end)
    assert standings.roll({2}, t.date() + 2 * day, end_of_day(t.date() + 2 * day, dt.UTC)) == {1}
    assert Standings([]).roll({1}, t.date(), end_of_day(t.date(), dt.UTC)) == set()
