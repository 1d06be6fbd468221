"""Apportionment of the pyramid's seats: properties that must hold for any membership."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communard.constitution import (
    ConstitutionError,
    CouncilNode,
    FixedSeatsRule,
    PerMembersRule,
    apportion_pyramid,
    parse_constitution,
    seats_by_rule,
)
from communard.count import ApportionmentMethod

memberships = st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=12)
fixed_rules = st.builds(
    FixedSeatsRule,
    seats=st.integers(min_value=12, max_value=120),
    method=st.sampled_from(list(ApportionmentMethod)),
    minimum=st.integers(min_value=0, max_value=1),
)
per_member_rules = st.builds(
    PerMembersRule,
    members_per_seat=st.integers(min_value=1, max_value=500),
    minimum=st.integers(min_value=1, max_value=3),
)
DIVISOR_METHODS = (ApportionmentMethod.DHONDT, ApportionmentMethod.SAINTE_LAGUE)


@given(rule=fixed_rules, members=memberships)
def test_fixed_seats_sum_to_the_council_size(rule: FixedSeatsRule, members: list[int]) -> None:
    """A fixed-size council's seats are all given out, and every constituency gets its minimum."""
    seats = seats_by_rule(rule, members)
    assert sum(seats) == rule.seats
    assert all(s >= rule.minimum for s in seats)


@given(rule=per_member_rules, members=memberships)
def test_per_members_rule_never_leaves_a_constituency_out(
    rule: PerMembersRule, members: list[int]
) -> None:
    """One seat per N members, rounded down, but never fewer than the minimum."""
    seats = seats_by_rule(rule, members)
    assert seats == [max(rule.minimum, m // rule.members_per_seat) for m in members]
    assert all(s >= 1 for s in seats)


@given(
    rule=st.one_of(per_member_rules, fixed_rules.filter(lambda r: r.method in DIVISOR_METHODS)),
    members=memberships,
    which=st.integers(min_value=0),
    growth=st.integers(min_value=1, max_value=2000),
)
def test_seats_are_monotone_in_membership(
    rule: PerMembersRule | FixedSeatsRule, members: list[int], which: int, growth: int
) -> None:
    """A constituency that grows while the others stand still never loses a seat."""
    i = which % len(members)
    grown = list(members)
    grown[i] += growth
    assert seats_by_rule(rule, grown)[i] >= seats_by_rule(rule, members)[i]


@given(rule=fixed_rules, members=memberships, seed=st.integers(min_value=0, max_value=2**32))
def test_seats_do_not_depend_on_constituency_order_without_ties(
    rule: FixedSeatsRule, members: list[int], seed: int
) -> None:
    """Reversing the list of constituencies reverses the seats, unless the lot had to decide."""
    from communard.count import apportion

    forward = apportion(members, rule.seats, rule.method, minimum=rule.minimum, seed=seed)
    backward = apportion(members[::-1], rule.seats, rule.method, minimum=rule.minimum, seed=seed)
    if not (forward.tied or backward.tied):
        assert list(forward.seats) == list(backward.seats)[::-1]


def test_largest_remainder_matches_textbook_example() -> None:
    """Hare largest remainder on a worked example (Balinski & Young's 'Alabama' paradox set)."""
    rule = FixedSeatsRule(seats=10, method=ApportionmentMethod.LARGEST_REMAINDER_HARE, minimum=0)
    assert seats_by_rule(rule, [6, 6, 2]) == [4, 4, 2]
    rule11 = FixedSeatsRule(seats=11, method=ApportionmentMethod.LARGEST_REMAINDER_HARE, minimum=0)
    assert seats_by_rule(rule11, [6, 6, 2]) == [5, 5, 1]  # the Alabama paradox, as expected


CONSTITUTION = """
[[tiers]]
key = "w"
[[tiers]]
key = "d"
apportionment = { rule = "per-members", members_per_seat = 10 }
[[tiers]]
key = "c"
apportionment = { rule = "fixed", seats = 9, method = "dhondt" }
"""


@settings(max_examples=60)
@given(sizes=st.lists(st.integers(min_value=0, max_value=400), min_size=2, max_size=8))
def test_pyramid_apportions_every_level(sizes: list[int]) -> None:
    """Every council below the top gets seats; the top council's seats sum to its size."""
    constitution = parse_constitution(CONSTITUTION)
    nodes = [
        CouncilNode("top", "c", None),
        CouncilNode("d0", "d", "top"),
        CouncilNode("d1", "d", "top"),
    ]
    nodes += [CouncilNode(f"w{i}", "w", f"d{i % 2}") for i in range(len(sizes))]
    seats = apportion_pyramid(constitution, nodes, {f"w{i}": n for i, n in enumerate(sizes)})
    assert seats["d0"] + seats["d1"] == 9
    for i, n in enumerate(sizes):
        assert seats[f"w{i}"] == max(1, n // 10)
    assert seats["top"] == 0


def test_constitution_errors_name_the_field() -> None:
    """Malformed constitutions are refused with the offending field named."""
    with pytest.raises(ConstitutionError, match=r"tiers\[3\].apportionment.method: 'borda'"):
        parse_constitution(CONSTITUTION.replace('"dhondt"', '"borda"'))
    with pytest.raises(ConstitutionError, match="at least two tiers"):
        parse_constitution('[[tiers]]\nkey = "w"\n')
    with pytest.raises(ConstitutionError, match=r"cutoff_days must be a whole number"):
        parse_constitution(CONSTITUTION + "[eligibility]\ncutoff_days = -3\n")
    with pytest.raises(ConstitutionError, match="not valid TOML"):
        parse_constitution("tiers = [")


def test_tree_must_step_one_tier_at_a_time() -> None:
    """A workplace directly under the congress is refused; so is an orphan district."""
    constitution = parse_constitution(CONSTITUTION)
    with pytest.raises(ConstitutionError, match="exactly one tier up"):
        apportion_pyramid(
            constitution, [CouncilNode("top", "c", None), CouncilNode("w", "w", "top")], {}
        )
    with pytest.raises(ConstitutionError, match="only the top tier"):
        apportion_pyramid(constitution, [CouncilNode("d", "d", None)], {})


def test_too_few_fixed_seats_for_the_constituencies_is_refused() -> None:
    """A congress of 9 seats cannot give 10 districts one seat each: refused before any count."""
    constitution = parse_constitution(CONSTITUTION)
    nodes = [CouncilNode("top", "c", None)] + [CouncilNode(f"d{i}", "d", "top") for i in range(10)]
    with pytest.raises(ConstitutionError, match="'top' has 9 seats but 10 constituencies"):
        apportion_pyramid(constitution, nodes, {})
