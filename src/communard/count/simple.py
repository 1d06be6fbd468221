"""Plurality, approval, and party-list seats by the divisor and largest-remainder methods.

Party lists reuse :func:`communard.count.apportionment.apportion` (one implementation for party
lists and the pyramid's seat apportionment): each ballot's first preference is a vote for a list.
"""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt

from communard.count.apportionment import ApportionmentMethod, apportion
from communard.count.ballots import PAD, Ballots
from communard.count.errors import CountError
from communard.count.result import Lot, Result, Stage
from communard.count.stv import _seats


def first_preferences(ballots: Ballots) -> list[int]:
    """Votes per candidate from first preferences, skipping withdrawn candidates."""
    flat = ballots.rankings.prefs
    ok = np.ones(ballots.n_candidates + 1, dtype=bool)  # the last entry: the padding (-1)
    for c in ballots.withdrawn:
        ok[c] = False
    pos = ballots.rankings.starts[:-1].astype(np.intp)
    cur = flat[pos]
    sel = np.flatnonzero(~ok[cur])
    while sel.size:  # step past withdrawn candidates; the padding stops every cursor
        pos[sel] += 1
        cur[sel] = flat[pos[sel]]
        sel = sel[~ok[cur[sel]]]
    return _tally(cur, ballots.weights, ballots.n_candidates)


def approvals(ballots: Ballots) -> list[int]:
    """Approvals per candidate: every candidate a ballot names (ranked) is approved."""
    r = ballots.rankings
    w = np.repeat(ballots.weights, np.diff(r.starts))
    out = _tally(r.prefs, w, ballots.n_candidates)
    for c in ballots.withdrawn:
        out[c] = 0
    return out


def _tally(cands: npt.NDArray[np.int16], weights: npt.NDArray[np.int64], n: int) -> list[int]:
    """Sum ``weights`` per candidate (entries of -1 are dropped). float64 adds exactly here:
    every total is at most the box's, at most 10^15 < 2^53 (see ballots.MAX_TOTAL_WEIGHT)."""
    counts = np.bincount(cands.astype(np.intp) + 1, weights=weights, minlength=n + 1)
    return [int(x) for x in counts[1:]]


def _top(votes: list[int], cands: list[int], seats: int, seed: int) -> tuple[list[int], list[Lot]]:
    rng = random.Random(seed)
    lots: list[Lot] = []
    winners: list[int] = []
    rest = list(cands)
    while rest and len(winners) < seats:
        top = max(votes[c] for c in rest)
        tied = sorted(c for c in rest if votes[c] == top)
        if len(tied) > seats - len(winners):
            # Only here does the order among the tied matter: the lot decides who gets the seats.
            while len(winners) < seats:
                pick = tied[rng.randrange(len(tied))]
                lots.append(Lot(1, "winner", tuple(tied), pick))
                tied.remove(pick)
                winners.append(pick)
            break
        winners.extend(tied)
        for c in tied:
            rest.remove(c)
    return winners, lots


def _by_votes(method: str, ballots: Ballots, votes: list[int], seats: int, seed: int) -> Result:
    if ballots.total <= 0:
        raise CountError("the ballot box is empty")
    cands = ballots.contenders()
    winners, lots = _top(votes, cands, seats, seed)
    return Result(
        method=method,
        candidates=ballots.candidates,
        seats=seats,
        winners=tuple(winners),
        seed=seed,
        valid_poll=ballots.total,
        stages=(Stage(1, "count", (), tuple(votes), tuple(votes), elected=tuple(winners)),),
        lots=tuple(lots),
        withdrawn=tuple(sorted(ballots.withdrawn)),
        title=ballots.title,
    )


def plurality(ballots: Ballots, seats: int | None = None, *, seed: int = 0) -> Result:
    """The ``seats`` candidates with most first preferences (ties for the last seat by lot)."""
    s = _seats(ballots, seats) if seats is not None or ballots.seats else 1
    return _by_votes("plurality", ballots, first_preferences(ballots), s, seed)


def approval(ballots: Ballots, seats: int | None = None, *, seed: int = 0) -> Result:
    """The ``seats`` candidates approved on most ballots (ties for the last seat by lot)."""
    s = _seats(ballots, seats) if seats is not None or ballots.seats else 1
    return _by_votes("approval", ballots, approvals(ballots), s, seed)


def party_list(ballots: Ballots, seats: int | None = None, *, method: str, seed: int = 0) -> Result:
    """Seats for each list (a "candidate" here) in proportion to its votes, by ``method``."""
    s = _seats(ballots, seats)
    m = ApportionmentMethod(method)
    if ballots.total <= 0:
        raise CountError("the ballot box is empty")
    votes = first_preferences(ballots)
    # Withdrawn lists take no part in the share-out (with every vote exhausted, a lot among all
    # lists would otherwise hand them seats).
    lists = ballots.contenders()
    shared = apportion([votes[c] for c in lists], s, m, seed=seed)
    seats_of = [0] * len(votes)
    for c, k in zip(lists, shared.seats, strict=True):
        seats_of[c] = k
    winners = tuple(sorted((c for c in lists if seats_of[c]), key=lambda c: -seats_of[c]))
    return Result(
        method=m.value,
        candidates=ballots.candidates,
        seats=s,
        winners=winners,
        seed=seed,
        valid_poll=ballots.total,
        stages=(
            Stage(
                1,
                "count",
                (),
                tuple(votes),
                tuple(votes),
                elected=winners,
                note="seats: " + ", ".join(str(x) for x in seats_of),
            ),
        ),
        withdrawn=tuple(sorted(ballots.withdrawn)),
        title=ballots.title,
        extra={"seats_per_list": seats_of, "decided_by_lot": shared.tied},
    )


__all__ = ["PAD", "approval", "approvals", "first_preferences", "party_list", "plurality"]
