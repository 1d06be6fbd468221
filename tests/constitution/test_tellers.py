"""Tellers: chosen as the constitution says, by a lot anyone can redo from the record."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communard.constitution import DEFAULT_CONSTITUTION_TOML, ConstitutionError, parse_constitution
from communard.constitution.tellers import (
    TellerDrawRefused,
    TellerRules,
    choose_tellers,
    teller_seed,
)
from tests.strategies import teller_draws

SEED = teller_seed(bytes(32), "poll-1")
ROLL = [f"m{i:03d}" for i in range(50)]


@given(teller_draws())
def test_the_draw_gives_count_distinct_tellers_from_the_roll(case) -> None:
    """Exactly n distinct members of the roll, every nominee among them when they fit."""
    rules, nominees, roll, seed = case
    tellers = choose_tellers(rules, nominees, roll, seed)
    members = [t.member for t in tellers]
    assert len(members) == rules.count == len(set(members))
    assert set(members) <= set(roll)
    named = [t for t in tellers if t.named_by]
    # Nominees never hold the threshold among themselves (a faction's many platforms cannot
    # open the box without a teller drawn by lot), and fill the seats they may have.
    assert len(named) == min(len(set(nominees.values())), rules.threshold - 1)
    for t in named:
        assert set(t.named_by) == {p for p, m in nominees.items() if m == t.member}
    assert not {t.member for t in tellers if not t.named_by} & {t.member for t in named}


@given(teller_draws(), st.randoms(use_true_random=False))
def test_anyone_redoing_the_draw_gets_the_same_tellers(case, rnd) -> None:
    """The draw depends on the roll's members, not on the order it is listed in."""
    rules, nominees, roll, seed = case
    shuffled = list(roll)
    rnd.shuffle(shuffled)
    assert choose_tellers(rules, nominees, shuffled, seed) == choose_tellers(rules, nominees, roll, seed)


def test_another_seed_draws_other_tellers() -> None:
    """The lot follows the seed: over twenty seeds, the drawn tellers differ."""
    rules = TellerRules()
    draws = {choose_tellers(rules, {}, ROLL, teller_seed(bytes([i]) * 32, "p")) for i in range(20)}
    assert len(draws) > 15


def test_the_seed_binds_the_poll() -> None:
    """Two polls frozen at the same root draw with different seeds."""
    root = bytes(range(32))
    assert teller_seed(root, "poll-1") != teller_seed(root, "poll-2")


def test_each_platform_names_one_and_the_rest_are_drawn() -> None:
    """Two platforms name two tellers; three more are drawn by lot from the rest of the roll."""
    tellers = choose_tellers(TellerRules(), {"red": "m007", "green": "m011"}, ROLL, SEED)
    assert [(t.member, t.named_by) for t in tellers[:2]] == [("m011", ("green",)), ("m007", ("red",))]
    assert all(t.is_drawn for t in tellers[2:]) and len(tellers) == 5


def test_one_member_named_by_two_platforms_holds_one_share() -> None:
    """A coalition's common teller is one teller named by both; four are drawn."""
    tellers = choose_tellers(TellerRules(), {"red": "m007", "green": "m007"}, ROLL, SEED)
    assert tellers[0].named_by == ("green", "red")
    assert sum(t.is_drawn for t in tellers) == 4


def test_nominees_never_hold_the_threshold_among_themselves() -> None:
    """Five platforms name five tellers under three of five: two nominees are seated (by lot
    among them), three are drawn from the roll, so no three nominees open the box alone."""
    names = {p: f"m{i:03d}" for i, p in enumerate(["a", "b", "c", "d", "e"], start=1)}
    tellers = choose_tellers(TellerRules(), names, ROLL, SEED)
    assert sum(not t.is_drawn for t in tellers) == 2
    assert sum(t.is_drawn for t in tellers) == 3 and len({t.member for t in tellers}) == 5


@pytest.mark.parametrize(
    ("rules", "nominees", "roll", "seed", "problem"),
    [
        (TellerRules(5, 3), {}, ROLL[:4], SEED, "asks for 5 tellers but the roll has only 4"),
        (TellerRules(3, 4), {}, ROLL, SEED, "threshold \\(4\\) is larger"),
        (TellerRules(), {"red": "stranger"}, ROLL, SEED, "platform 'red' names 'stranger'"),
        (TellerRules(), {}, [*ROLL, "m001"], SEED, "lists a member twice"),
        (TellerRules(), {}, ROLL, b"short", "at least 16 bytes"),
    ],
)
def test_an_impossible_draw_is_refused(rules, nominees, roll, seed, problem: str) -> None:
    """t > n, n larger than the roll, a nominee off the roll, a repeated member, a weak seed."""
    with pytest.raises(TellerDrawRefused, match=problem):
        choose_tellers(rules, nominees, roll, seed)


def test_the_constitution_defaults_to_three_of_five() -> None:
    """Without a [tellers] section: n = 5, t = 3."""
    assert parse_constitution(DEFAULT_CONSTITUTION_TOML).tellers == TellerRules(5, 3)


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("count = 3\nthreshold = 4", "tellers.threshold: 4 tellers cannot be found among count = 3"),
        ("count = 1", "tellers.count: must be a whole number 2–255, not 1"),
        ("threshold = true", "tellers.threshold: must be a whole number"),
        ("count = 5\nquorum = 2", "unknown setting\\(s\\) quorum"),
    ],
)
def test_a_bad_tellers_section_is_refused_naming_the_field(section: str, problem: str) -> None:
    """Each bad [tellers] value is refused with the section and field."""
    with pytest.raises(ConstitutionError, match=problem):
        parse_constitution(DEFAULT_CONSTITUTION_TOML + f"\n[tellers]\n{section}\n", source="c.toml")


def test_a_tellers_section_is_read() -> None:
    """count and threshold are taken as written."""
    text = DEFAULT_CONSTITUTION_TOML + "\n[tellers]\ncount = 7\nthreshold = 4\n"
    assert parse_constitution(text).tellers == TellerRules(7, 4)
