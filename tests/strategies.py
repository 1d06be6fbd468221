"""All Hypothesis strategies of the suite, in one place."""

from __future__ import annotations

from hypothesis import strategies as st

from communard.constitution.permissions import (
    Account,
    Actor,
    ClockActor,
    MemberActor,
    OperatorActor,
)
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


# ------------------------------------------------------------------------------- permissions

_login_names = st.sampled_from(["ada", "bob", "cy", "op", "root"])


def actors() -> st.SearchStrategy[Actor]:
    """Any actor: a member by login name, an operator by name, or the clock."""
    return st.one_of(
        st.builds(MemberActor, _login_names),
        st.builds(OperatorActor, _login_names),
        st.just(ClockActor()),
    )


def accounts() -> st.SearchStrategy[Account]:
    """A login: a member's, an operator's, or (as a database could hold) neither or both."""
    return st.builds(Account, _login_names, st.booleans(), st.booleans())
