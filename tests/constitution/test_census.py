"""The census that fixes seats: which day it counts, and whom it counts (constitution/census.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communard.constitution import DEFAULT_CONSTITUTION_TOML, parse_constitution
from communard.constitution.census import (
    CensusRule,
    census_day,
    members_by_council,
    parse_census,
)
from communard.constitution.membership import Change, end_of_day, roll
from communard.constitution.rules import ConstitutionError
from tests.strategies import census_rules, membership_changes

CUTOFF = dt.date(2026, 6, 30)
CUTOFF_END = end_of_day(CUTOFF, dt.UTC)


@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_the_default_census_is_the_rolls_cut_off(cutoff: dt.date) -> None:
    """``census = "roll"`` (and no ``[seats]`` at all) counts on the roll's own cut-off day."""
    assert census_day(parse_census(None, "seats"), cutoff) == cutoff
    assert census_day(parse_census({"census": "roll"}, "seats"), cutoff) == cutoff


@given(census_rules(), st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_a_yearly_census_is_the_latest_census_date_by_the_cut_off(
    dates: list[str], cutoff: dt.date
) -> None:
    """The census day is one of the constitution's dates, on or before the cut-off, and no
    other census date falls after it and by the cut-off."""
    rule = parse_census({"census": dates}, "seats")
    day = census_day(rule, cutoff)
    assert day <= cutoff and (day.month, day.day) in rule.yearly
    assert cutoff - day < dt.timedelta(days=366)
    later = day + dt.timedelta(days=1)
    while later <= cutoff:
        assert (later.month, later.day) not in rule.yearly
        later += dt.timedelta(days=1)


@given(membership_changes())
def test_a_census_counts_each_council_as_its_roll_would(changes: list[Change]) -> None:
    """Per base council, a census counts exactly the members a roll of that council would hold
    at the same cut-off: one rule of membership in time for both."""
    counted = members_by_council(changes, CUTOFF, CUTOFF_END)
    for council in (1, 2):
        assert counted.get(council, 0) == len(roll(changes, {council}, CUTOFF, CUTOFF_END))


@given(membership_changes(), membership_changes())
def test_changes_recorded_after_the_census_never_change_it(
    before: list[Change], after: list[Change]
) -> None:
    """Whatever is recorded after the census, whatever date it claims (a mass intake "dated
    back"), the census — and so the seats — stay as they were."""
    late = [Change(c.member, c.kind, c.council, min(c.on, CUTOFF),
                   CUTOFF_END + dt.timedelta(minutes=i), c.order) for i, c in enumerate(after)]
    assert members_by_council(before + late, CUTOFF, CUTOFF_END) == members_by_council(
        before, CUTOFF, CUTOFF_END
    )


@pytest.mark.parametrize(
    ("census", "message"),
    [
        ('"today"', 'seats.census: "roll" or a non-empty list'),
        ("[]", 'seats.census: "roll" or a non-empty list'),
        ('["02-29"]', "seats.census[1]: '02-29' is not a day every year has"),
        ('["01-01", "13-01"]', "seats.census[2]: '13-01' is not a day every year has"),
        ('["1-1"]', "seats.census[1]: a yearly date \"MM-DD\", not '1-1'"),
        ("[101]", "seats.census[1]: a yearly date"),
    ],
)
def test_a_bad_census_names_the_field(census: str, message: str) -> None:
    """A malformed ``[seats]`` section is refused with the field that is wrong."""
    with pytest.raises(ConstitutionError, match="constitution: ") as refused:
        parse_constitution(DEFAULT_CONSTITUTION_TOML + f"\n[seats]\ncensus = {census}\n")
    assert message in str(refused.value)


def test_a_constitution_fixes_its_census_dates() -> None:
    """``[seats] census`` is read into the constitution, sorted, duplicates dropped; an
    unknown setting beside it is refused."""
    text = DEFAULT_CONSTITUTION_TOML + '\n[seats]\ncensus = ["07-01", "01-01", "07-01"]\n'
    assert parse_constitution(text).census == CensusRule(((1, 1), (7, 1)))
    assert parse_constitution(DEFAULT_CONSTITUTION_TOML).census.is_roll
    with pytest.raises(ConstitutionError, match="seats: unknown setting"):
        parse_constitution(DEFAULT_CONSTITUTION_TOML + '\n[seats]\ncensus = "roll"\nwhen = 1\n')
