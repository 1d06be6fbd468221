"""Single-winner Condorcet methods: Schulze (beatpath, winning votes) and ranked pairs (Tideman).

A ballot prefers every ranked candidate to every unranked one; unranked candidates are tied.
Withdrawn candidates take no part. Ties that the methods leave open are drawn by lot from the
recorded seed.
"""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt

from communard.count.ballots import Ballots
from communard.count.errors import CountError
from communard.count.result import Lot, Result, Stage


def pairwise(ballots: Ballots) -> npt.NDArray[np.int64]:
    """``d[a, b]``: the number of ballots that rank ``a`` above ``b``."""
    b = ballots.group()
    n = b.n_candidates
    g, width = b.rankings.shape
    pos = np.full((g, n + 1), width + 1, dtype=np.int64)  # unranked: below every ranked one
    rows = np.repeat(np.arange(g), width)
    cols = b.rankings.astype(np.intp).reshape(-1)
    order = np.tile(np.arange(width), g)
    keep = cols >= 0
    pos[rows[keep], cols[keep]] = order[keep]
    pos = pos[:, :n]
    d = np.zeros((n, n), dtype=np.int64)
    for a in range(n):
        d[a] = ((pos[:, a : a + 1] < pos) * b.weights[:, None]).sum(axis=0)
    for c in b.withdrawn:
        d[c, :] = 0
        d[:, c] = 0
    return d


def _single(seats: int | None) -> None:
    if seats not in (None, 1):
        raise CountError("Schulze and ranked pairs elect a single winner (seats = 1)")


def _result(
    method: str,
    ballots: Ballots,
    d: npt.NDArray[np.int64],
    winner: int,
    seed: int,
    lots: list[Lot],
    extra: dict[str, object],
) -> Result:
    wins = tuple(int(x) for x in (d > d.T).sum(axis=1))
    extra = {"pairwise": d.tolist(), **extra}
    return Result(
        method=method,
        candidates=ballots.candidates,
        seats=1,
        winners=(winner,),
        seed=seed,
        valid_poll=ballots.total,
        stages=(
            Stage(
                1, "count", (), wins, wins, elected=(winner,), note="totals: pairwise contests won"
            ),
        ),
        lots=tuple(lots),
        withdrawn=tuple(sorted(ballots.withdrawn)),
        title=ballots.title,
        extra=extra,
    )


def _candidates(ballots: Ballots) -> list[int]:
    cands = ballots.contenders()
    if ballots.total <= 0:
        raise CountError("the ballot box is empty")
    return cands


def schulze(ballots: Ballots, seats: int | None = None, *, seed: int = 0) -> Result:
    """Schulze (2011): strongest beatpaths by winning votes; the winner beats or ties all."""
    _single(seats)
    cands = _candidates(ballots)
    d = pairwise(ballots)
    p = np.where(d > d.T, d, 0)
    for i in cands:
        for j in cands:
            if i == j:
                continue
            for k in cands:
                if k in (i, j):
                    continue
                p[j, k] = max(p[j, k], min(p[j, i], p[i, k]))
    best = [a for a in cands if all(p[a, b] >= p[b, a] for b in cands if b != a)]
    lots: list[Lot] = []
    winner = best[0]
    if len(best) > 1:
        winner = best[random.Random(seed).randrange(len(best))]
        lots.append(Lot(1, "winner", tuple(best), winner))
    return _result("schulze", ballots, d, winner, seed, lots, {"strongest_paths": p.tolist()})


def ranked_pairs(ballots: Ballots, seats: int | None = None, *, seed: int = 0) -> Result:
    """Ranked pairs (Tideman 1987): lock majorities strongest first unless they make a cycle.

    Pairs of equal strength are ordered by a tie-breaking ranking of the candidates drawn by lot
    from the seed (Zavist & Tideman 1989), so the count is deterministic for a given seed.
    """
    _single(seats)
    cands = _candidates(ballots)
    d = pairwise(ballots)
    tb = list(cands)
    random.Random(seed).shuffle(tb)
    tb_pos = {c: i for i, c in enumerate(tb)}
    pairs = [(a, b) for a in cands for b in cands if a != b and d[a, b] > d[b, a]]
    # Strongest first: larger winning votes, then smaller losing votes, then the lot ranking.
    pairs.sort(key=lambda ab: (-d[ab[0], ab[1]], d[ab[1], ab[0]], tb_pos[ab[0]], tb_pos[ab[1]]))
    locked: dict[int, set[int]] = {c: set() for c in cands}

    def reaches(src: int, dst: int) -> bool:
        stack, seen = [src], {src}
        while stack:
            x = stack.pop()
            if x == dst:
                return True
            for y in locked[x]:
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        return False

    for a, b in pairs:
        if not reaches(b, a):
            locked[a].add(b)
    beaten = {b for a in cands for b in locked[a]}
    sources = [c for c in cands if c not in beaten]
    lots: list[Lot] = []
    winner = min(sources, key=lambda c: tb_pos[c])
    if len(sources) > 1:
        lots.append(Lot(1, "winner", tuple(sorted(sources)), winner))
    locked_list = [[a + 1, b + 1] for a in cands for b in sorted(locked[a])]
    return _result("ranked-pairs", ballots, d, winner, seed, lots, {"locked": locked_list})
