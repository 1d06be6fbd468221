"""All Hypothesis strategies of the suite, in one place."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import strategies as st

from communard.constitution import DEFAULT_CONSTITUTION_TOML, Constitution, parse_constitution
from communard.constitution.calendar import ElectionState
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


# --------------------------------------------------------------------------- election calendars

#: Times from 2000 to 2100 in UTC, to the second: the calendar's arithmetic is on aware times.
aware_times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)
).map(lambda t: t.replace(microsecond=0, tzinfo=dt.UTC))

#: Periods as a call might give them: whole days, days and minutes, or a few seconds either
#: side of a whole number of days (where a minimum period is decided).
periods = st.one_of(
    st.integers(0, 40).map(lambda d: dt.timedelta(days=d)),
    st.integers(0, 40 * 24 * 60).map(lambda m: dt.timedelta(minutes=m)),
    st.builds(lambda d, s: max(dt.timedelta(0), dt.timedelta(days=d, seconds=s)),
              st.integers(1, 22), st.integers(-5, 5)),
)


@st.composite
def constitutions_with_periods(draw: st.DrawFn) -> Constitution:
    """The default constitution with its nomination and poll periods and cut-off drawn."""
    base = parse_constitution(DEFAULT_CONSTITUTION_TOML)
    rules = dataclasses.replace(
        base.elections,
        nomination_days=draw(st.integers(1, 21)),
        poll_days=draw(st.integers(1, 21)),
    )
    return dataclasses.replace(base, elections=rules, cutoff_days=draw(st.integers(0, 90)))


@st.composite
def election_states(draw: st.DrawFn) -> ElectionState:
    """An election's state as the clock finds it: any calendar in order, the roll frozen or not,
    closed or not (closed only once the roll is frozen, as the close freezes it first)."""
    nominations = draw(aware_times)
    opens = nominations + draw(periods)
    closes = opens + draw(periods) + dt.timedelta(minutes=1)
    frozen = draw(st.booleans())
    return ElectionState(
        nominations_open_at=nominations,
        poll_opens_at=opens,
        poll_closes_at=closes,
        roll_frozen=frozen,
        closed=frozen and draw(st.booleans()),
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


def query_values() -> st.SearchStrategy[str]:
    """What a hostile client puts in a query parameter: digits of any script (superscripts,
    Arabic-Indic), signs, underscores, spaces, huge numbers, any text."""
    digits = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=25)
    numbers = st.integers(min_value=-(2**70), max_value=2**70).map(str)
    return st.one_of(numbers, digits, st.text(max_size=30),
                     st.sampled_from(["", " 1", "1_0", "+1", "0x1", "1e3", "\u00b2", "\x00"]))
