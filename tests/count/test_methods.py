"""The other methods on textbook elections with known answers."""

from __future__ import annotations

from communard.count import (
    Ballots,
    apportion,
    count,
    meek_stv,
    pairwise,
    read_ballots,
    scottish_stv,
)
from tests.count.wards import LOCAL

# Tennessee's capital (Wikipedia): Memphis 42, Nashville 26, Chattanooga 15, Knoxville 17.
M, N, C, K = range(4)
TENNESSEE = Ballots.from_rankings(
    [[M, N, C, K], [N, C, K, M], [C, K, N, M], [K, C, N, M]],
    ["Memphis", "Nashville", "Chattanooga", "Knoxville"],
    weights=[42, 26, 15, 17],
)


def test_tennessee_plurality_irv_and_condorcet_methods() -> None:
    """Plurality: Memphis; IRV: Knoxville; Schulze and ranked pairs: Nashville."""
    assert count(TENNESSEE, "plurality", 1).winners == (M,)
    irv = count(TENNESSEE, "irv")
    assert irv.winners == (K,)
    assert [s.excluded for s in irv.stages[1:]] == [(C,), (N,)]
    assert count(TENNESSEE, "schulze").winners == (N,)
    assert count(TENNESSEE, "ranked-pairs").winners == (N,)
    assert pairwise(TENNESSEE)[N, M] == 58


def test_schulze_wikipedia_example_elects_e() -> None:
    """Schulze's 45-voter example: E wins though no one has a majority of first preferences."""
    a, b, c, d, e = range(5)
    rows = [
        ([a, c, b, e, d], 5),
        ([a, d, e, c, b], 5),
        ([b, e, d, a, c], 8),
        ([c, a, b, e, d], 3),
        ([c, a, e, b, d], 7),
        ([c, b, a, d, e], 2),
        ([d, c, e, b, a], 7),
        ([e, b, a, d, c], 8),
    ]
    box = Ballots.from_rankings([r for r, _ in rows], 5, weights=[w for _, w in rows])
    result = count(box, "schulze")
    assert result.winners == (e,)
    assert result.extra["strongest_paths"][e][a] == 25


def test_ranked_pairs_breaks_a_cycle_at_its_weakest_link() -> None:
    """A beats B 7-2, B beats C 6-3, C beats A 5-4: lock A>B, B>C, skip C>A: A wins."""
    rows = [([0, 1, 2], 4), ([1, 2, 0], 2), ([2, 0, 1], 3)]
    box = Ballots.from_rankings([r for r, _ in rows], 3, weights=[w for _, w in rows])
    result = count(box, "ranked-pairs")
    assert result.winners == (0,)
    assert [2, 0] not in result.extra["locked"] and [3, 1] not in result.extra["locked"]


def test_approval_counts_every_named_candidate() -> None:
    """Approval: each ballot approves everyone it names."""
    box = Ballots.from_rankings([[0, 1], [1, 2], [1], [0]], 3)
    result = count(box, "approval", 2)
    assert result.stages[0].totals == (2, 3, 1)
    assert result.winners == (1, 0)


def test_party_lists_use_the_one_apportionment() -> None:
    """D'Hondt and Sainte-Laguë give the textbook seats, the same as apportion() itself."""
    votes = [100_000, 80_000, 30_000, 20_000]
    box = Ballots.from_rankings([[0], [1], [2], [3]], ["A", "B", "C", "D"], weights=votes)
    dhondt = count(box, "dhondt", 8)
    assert (
        dhondt.extra["seats_per_list"] == [4, 3, 1, 0] == list(apportion(votes, 8, "dhondt").seats)
    )
    assert count(box, "sainte-lague", 8).extra["seats_per_list"] == [3, 3, 1, 1]
    assert count(box, "largest-remainder-hare", 8).extra["seats_per_list"] == [3, 3, 1, 1]


def test_meek_elects_the_official_winners_of_a_real_ward() -> None:
    """Meek on a real ward: same winners as the official Scottish count there."""
    box = read_ballots(LOCAL / "ballots" / "north_lanarkshire_2017_ward11.blt")
    meek = meek_stv(box)
    assert sorted(meek.winners) == sorted(scottish_stv(box).winners)
    elected: list[int] = []
    for stage in meek.stages:
        if not stage.elected and elected:  # converged: the elected hold about a quota each
            surplus = sum(stage.totals[c] for c in elected) - len(elected) * min(
                stage.totals[c] for c in elected
            )
            assert meek.votes(surplus) < 1
        elected += stage.elected


def test_meek_transfers_a_surplus_by_keep_value() -> None:
    """A has 6 of 12 first preferences with B next: B rides A's surplus past C."""
    box = Ballots.from_rankings([[0, 1]] * 6 + [[2]] * 3 + [[1]] * 2 + [[3]], 4, seats=2)
    meek = meek_stv(box)
    assert meek.winners == (0, 1)
