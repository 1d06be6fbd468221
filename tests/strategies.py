"""All Hypothesis strategies of the suite, in one place."""

from __future__ import annotations

from hypothesis import strategies as st

from communard.count import Ballots


@st.composite
def rankings(draw: st.DrawFn, n_candidates: int) -> list[int]:
    """One ballot: a non-empty ranking of distinct candidates (a prefix of a permutation)."""
    perm = draw(st.permutations(range(n_candidates)))
    length = draw(st.integers(1, n_candidates))
    return list(perm[:length])


@st.composite
def ballot_boxes(
    draw: st.DrawFn, min_candidates: int = 2, max_candidates: int = 7, max_ballots: int = 40
) -> tuple[Ballots, int]:
    """A small ballot box and a number of seats (at most the number of candidates)."""
    n = draw(st.integers(min_candidates, max_candidates))
    rows = draw(st.lists(rankings(n), min_size=1, max_size=max_ballots))
    weights = draw(st.lists(st.integers(1, 5), min_size=len(rows), max_size=len(rows)))
    seats = draw(st.integers(1, min(4, n)))
    names = [f"C{i + 1}" for i in range(n)]
    return Ballots.from_rankings(rows, names, weights=weights, seats=seats), seats


def permuted(ballots: Ballots, perm: list[int]) -> Ballots:
    """The same ballot box with candidate ``c`` renamed ``perm[c]`` (names follow)."""
    rows = [([perm[c] for c in r], w) for r, w in ballots.rankings_list()]
    names = [""] * ballots.n_candidates
    for c, name in enumerate(ballots.candidates):
        names[perm[c]] = name
    return Ballots.from_rankings(
        [r for r, _ in rows],
        names,
        weights=[w for _, w in rows],
        withdrawn=[perm[c] for c in ballots.withdrawn],
        seats=ballots.seats,
    )


def query_values() -> st.SearchStrategy[str]:
    """What a hostile client puts in a query parameter: digits of any script (superscripts,
    Arabic-Indic), signs, underscores, spaces, huge numbers, any text."""
    digits = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=25)
    numbers = st.integers(min_value=-(2**70), max_value=2**70).map(str)
    return st.one_of(numbers, digits, st.text(max_size=30),
                     st.sampled_from(["", " 1", "1_0", "+1", "0x1", "1e3", "\u00b2", "\x00"]))
