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

MAX_CANDIDATES = 5_000  # the pairwise table is candidates^2 int64: 200 MB at this bound
PAIR_BUFFER = 1 << 22  # ordered pairs tallied at a time: bounds the temporary memory


def pairwise(ballots: Ballots) -> npt.NDArray[np.int64]:
    """``d[a, b]``: the number of ballots that rank ``a`` above ``b``.

    A ballot ranking ``a`` prefers it to every unranked candidate and to those ranked after it,
    so ``d[a, b] = ranked[a] - before[b, a]``: the papers ranking ``a``, less those ranking ``b``
    earlier. ``before`` comes from the pairs within each ranking, so the work follows the
    rankings' real lengths (sum of length^2), never ballots x candidates^2.
    """
    n = ballots.n_candidates
    if n > MAX_CANDIDATES:
        raise CountError(
            f"{n:,} candidates: Schulze and ranked pairs count at most {MAX_CANDIDATES:,} "
            "(their pairwise table grows with the square of the candidates)"
        )
    b = ballots.group()
    prefs, starts, w = b.rankings.prefs, b.rankings.starts, b.weights
    row = b.rankings.row_of_each_pref()
    real = prefs >= 0
    ranked = np.bincount(prefs[real].astype(np.intp), weights=w[row[real]], minlength=n)
    # after[i]: how many preferences follow entry i in its ranking (the padding: -1).
    after = np.repeat(starts[1:], np.diff(starts)) - np.arange(prefs.size) - 2
    order = np.argsort(-after, kind="stable")
    after_sorted = after[order]
    before = np.zeros(n * n, dtype=np.float64)  # exact: every entry is at most 10^15 < 2^53
    keys: list[npt.NDArray[np.intp]] = []
    vals: list[npt.NDArray[np.int64]] = []
    pending = 0
    longest = int(after_sorted[0]) if after_sorted.size else 0
    for k in range(1, longest + 1):
        i = order[: int(np.searchsorted(-after_sorted, -k, side="right"))]
        keys.append(prefs[i].astype(np.intp) * n + prefs[i + k])
        vals.append(w[row[i]])
        pending += i.size
        if pending >= PAIR_BUFFER or k == longest:
            before += np.bincount(
                np.concatenate(keys), weights=np.concatenate(vals), minlength=n * n
            )
            keys, vals, pending = [], [], 0
    d = ranked.astype(np.int64)[:, None] - before.astype(np.int64).reshape(n, n).T
    np.fill_diagonal(d, 0)
    for c in b.withdrawn:
        d[c, :] = 0
        d[:, c] = 0
    return d


def smith_set(d: npt.NDArray[np.int64], cands: list[int]) -> list[int]:
    """The smallest set of ``cands`` each of whom beats every candidate outside it.

    Every member beats all outsiders, so members win strictly more contests than outsiders: the
    set is a prefix of ``cands`` sorted by contests won, the shortest whose members beat
    everyone after it. Schulze's winners and the ranked-pairs winner are always in it, and no
    beatpath or locked chain enters it from outside, so counting within it decides the same.
    """
    idx = np.asarray(cands, dtype=np.intp)
    sub = d[np.ix_(idx, idx)]
    beats = sub > sub.T
    order = np.argsort(-beats.sum(axis=1), kind="stable")
    beats = beats[np.ix_(order, order)]
    m = len(cands)
    not_beaten = ~beats
    np.fill_diagonal(not_beaten, False)
    # last[i]: the last position that row i does not beat (-1 if none).
    has = not_beaten.any(axis=1)
    last = np.where(has, m - 1 - np.argmax(not_beaten[:, ::-1], axis=1), -1)
    reach = np.maximum.accumulate(last)
    k = (
        int(np.argmax(reach < np.arange(1, m + 1))) + 1
        if (reach < np.arange(1, m + 1)).any()
        else m
    )
    return sorted(int(c) for c in idx[order[:k]])


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
    """Schulze (2011): strongest beatpaths by winning votes; the winner beats or ties all.

    Strongest paths are computed among the Smith set only (see :func:`smith_set`): the same
    winners, at a cost of smith^3 instead of candidates^3.
    """
    _single(seats)
    cands = _candidates(ballots)
    d = pairwise(ballots)
    smith = smith_set(d, cands)
    idx = np.asarray(smith, dtype=np.intp)
    sub = d[np.ix_(idx, idx)]
    p = np.where(sub > sub.T, sub, 0)
    for i in range(len(smith)):
        # Paths through smith[i] (Floyd-Warshall on widest paths); the diagonal never matters.
        np.maximum(p, np.minimum(p[:, i : i + 1], p[i : i + 1, :]), out=p)
    np.fill_diagonal(p, 0)
    ok = (p >= p.T).all(axis=1)
    best = [smith[k] for k in np.flatnonzero(ok).tolist()]
    lots: list[Lot] = []
    winner = best[0]
    if len(best) > 1:
        winner = best[random.Random(seed).randrange(len(best))]
        lots.append(Lot(1, "winner", tuple(best), winner))
    extra = {"smith_set": [c + 1 for c in smith], "strongest_paths": p.tolist()}
    return _result("schulze", ballots, d, winner, seed, lots, extra)


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
    # Outside the Smith set every pair is beaten by every member, and those edges always lock
    # (nothing leads back into the set), so the winner is decided within it.
    smith = smith_set(d, cands)
    idx = np.asarray(smith, dtype=np.intp)
    sub = d[np.ix_(idx, idx)]
    a_s, b_s = np.nonzero(sub > sub.T)
    rank_of = np.asarray([tb_pos[c] for c in smith], dtype=np.int64)
    # Strongest first: larger winning votes, then smaller losing votes, then the lot ranking.
    order = np.lexsort((rank_of[b_s], rank_of[a_s], sub[b_s, a_s], -sub[a_s, b_s]))
    m = len(smith)
    reach = [1 << x for x in range(m)]  # reach[x]: bitset of who x reaches by locked pairs
    reached_by = [1 << x for x in range(m)]
    locked: list[tuple[int, int]] = []
    for a, b in zip(a_s[order].tolist(), b_s[order].tolist(), strict=True):
        if reach[b] >> a & 1:
            continue  # b already reaches a: locking a > b would close a cycle
        locked.append((a, b))
        if reach[a] >> b & 1:
            continue  # already implied: nothing new is reachable
        # Everyone who reaches a now reaches everything b reaches, and vice versa.
        gain, givers = reach[b], reached_by[a]
        for x in _bits(givers):
            reach[x] |= gain
        for y in _bits(gain):
            reached_by[y] |= givers
    beaten = {b for _, b in locked}
    sources = [smith[x] for x in range(m) if x not in beaten]
    lots: list[Lot] = []
    winner = min(sources, key=lambda c: tb_pos[c])
    if len(sources) > 1:
        lots.append(Lot(1, "winner", tuple(sorted(sources)), winner))
    locked_list = sorted([smith[a] + 1, smith[b] + 1] for a, b in locked)
    extra = {"smith_set": [c + 1 for c in smith], "locked": locked_list}
    return _result("ranked-pairs", ballots, d, winner, seed, lots, extra)


def _bits(x: int) -> list[int]:
    out = []
    while x:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out
