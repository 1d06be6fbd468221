"""Ballots held as numpy arrays: one row per distinct ranking, with its weight.

A ranking is a row of 0-based candidate indices padded with -1; one extra padding column is always
present, so a cursor can step one past the last preference without a bounds check. Withdrawn
candidates stay in the rows (the file said so) and the counting methods skip them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from communard.count.errors import CountError

IntArray = npt.NDArray[np.int64]
RankArray = npt.NDArray[np.int16]

PAD = -1

# The largest ballot box the engine counts: the weights' total (the number of ballot papers) is at
# most 10^15. Below 2^53 (about 9 x 10^15), every sum of weights is exact both as int64 and in the
# float64 that numpy's bincount accumulates in, with room to spare; a quadrillion papers is far
# beyond any real election. Readers refuse a file past it, naming the line (docs/count/formats.md).
MAX_TOTAL_WEIGHT = 10**15
# Candidate numbers are stored as int16 (half the memory of int32 on wide ballots).
MAX_CANDIDATES = int(np.iinfo(np.int16).max)


@dataclass(frozen=True, eq=False)
class Ballots:
    """A ballot box: candidates, the rankings (``rankings[g]``) and how many ballots carry each."""

    candidates: tuple[str, ...]
    rankings: RankArray
    weights: IntArray
    withdrawn: frozenset[int] = frozenset()
    seats: int | None = None  # as given by the file, if it says
    title: str = ""
    source: str = "<ballots>"
    grouped: bool = field(default=False)

    def __post_init__(self) -> None:
        if self.rankings.ndim != 2 or self.rankings.shape[0] != self.weights.shape[0]:
            raise CountError("rankings and weights do not match in length")
        if len(self.candidates) > MAX_CANDIDATES:
            raise CountError(f"too many candidates (at most {MAX_CANDIDATES:,})")
        check_total_weight(self.weights)
        if any(not 0 <= c < len(self.candidates) for c in self.withdrawn):
            raise CountError("a withdrawn candidate does not exist")

    @property
    def n_candidates(self) -> int:
        return len(self.candidates)

    @property
    def total(self) -> int:
        """The number of ballot papers (the sum of the weights)."""
        return int(self.weights.sum())

    @classmethod
    def from_rankings(
        cls,
        rankings: Iterable[Sequence[int]],
        candidates: Sequence[str] | int,
        *,
        weights: Iterable[int] | None = None,
        withdrawn: Iterable[int] = (),
        seats: int | None = None,
        title: str = "",
    ) -> Ballots:
        """Build from 0-based rankings: ``from_rankings([[0, 2], [1]], ["A", "B", "C"])``."""
        names = (
            tuple(f"Candidate {i + 1}" for i in range(candidates))
            if isinstance(candidates, int)
            else tuple(candidates)
        )
        rows = [list(r) for r in rankings]
        ws = [1] * len(rows) if weights is None else [int(w) for w in weights]
        if len(ws) != len(rows):
            raise CountError(f"{len(rows)} rankings but {len(ws)} weights")
        for i, wt in enumerate(ws):
            if not 0 <= wt <= MAX_TOTAL_WEIGHT:
                raise CountError(f"ranking {i + 1} has weight {wt}, not between 0 and 10^15")
        width = max((len(r) for r in rows), default=0) + 1
        arr = np.full((len(rows), width), PAD, dtype=np.int16)
        for i, r in enumerate(rows):
            if len(set(r)) != len(r):
                raise CountError(f"ranking {i + 1} names a candidate twice: {r}")
            for c in r:
                if not 0 <= c < len(names):
                    raise CountError(f"ranking {i + 1} names unknown candidate {c}")
            arr[i, : len(r)] = r
        w = np.asarray(ws, dtype=np.int64)
        return cls(names, arr, w, frozenset(withdrawn), seats, title)

    def contenders(self) -> list[int]:
        """The candidates not withdrawn, in number order. A box in which every candidate has
        withdrawn cannot be counted by any method: refused here, once for all of them."""
        out = [c for c in range(self.n_candidates) if c not in self.withdrawn]
        if not out:
            raise CountError("every candidate has withdrawn: there is no one to elect")
        return out

    def group(self) -> Ballots:
        """The same ballot box with identical rankings merged (weights added)."""
        if self.grouped or self.rankings.shape[0] < 2:
            return self
        inverse, n = _group_rows(self.rankings)
        weights = np.bincount(inverse, weights=self.weights, minlength=n).astype(np.int64)
        first = np.full(n, -1, dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(inverse) - 1, -1, -1)
        return Ballots(
            self.candidates,
            self.rankings[first],
            weights,
            self.withdrawn,
            self.seats,
            self.title,
            self.source,
            True,
        )

    def rename(self, names: Sequence[str]) -> Ballots:
        return Ballots(
            tuple(names),
            self.rankings,
            self.weights,
            self.withdrawn,
            self.seats,
            self.title,
            self.source,
            self.grouped,
        )

    def rankings_list(self) -> list[tuple[list[int], int]]:
        """Rankings as Python lists with their weights (for small boxes and tests)."""
        out = []
        for row, w in zip(self.rankings.tolist(), self.weights.tolist(), strict=True):
            out.append(([c for c in row if c != PAD], w))
        return out


def check_total_weight(weights: IntArray) -> None:
    """Refuse weights that are negative or whose total passes :data:`MAX_TOTAL_WEIGHT`.

    The total is found without overflow: each weight is first bounded, then a float64 sum (within
    a relative 10^-12 of the truth for any realistic length) rules out totals far past the bound
    before the exact int64 sum, which can then no longer wrap around.
    """
    if weights.size == 0:
        return
    if int(weights.min()) < 0:
        raise CountError("a ballot weight is negative")
    if int(weights.max()) > MAX_TOTAL_WEIGHT or float(weights.sum(dtype=np.float64)) > 2e15:
        raise CountError("the ballot papers number more than 10^15 in total")
    if int(weights.sum()) > MAX_TOTAL_WEIGHT:
        raise CountError("the ballot papers number more than 10^15 in total")


def first_past_total(weights: IntArray, before: int = 0) -> int | None:
    """The index of the first weight at which ``before`` plus the running total passes
    :data:`MAX_TOTAL_WEIGHT` (each weight already at most the bound), or None.

    int64 running sums are exact up to the first crossing, since each step adds at most 10^15;
    what they do after it (they may wrap) is never looked at.
    """
    if weights.size == 0:
        return None
    run = np.cumsum(weights, dtype=np.int64)
    over = run > MAX_TOTAL_WEIGHT - before
    if not over.any():
        return None
    return int(np.argmax(over))


def _group_rows(rows: RankArray) -> tuple[IntArray, int]:
    """Label equal rows with equal ids: hash each row, then check the hash grouping exactly."""
    r64 = rows.astype(np.int64) + 1
    h = np.zeros(rows.shape[0], dtype=np.uint64)
    mult = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for j in range(rows.shape[1]):
            h = (h * mult) ^ r64[:, j].astype(np.uint64)
            h ^= h >> np.uint64(29)
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1).astype(np.int64)
    if np.array_equal(rows, rows[first[inverse]]):
        return inverse, len(first)
    # A hash collision (never seen in practice): fall back to exact row comparison.
    _, inverse2 = np.unique(rows, axis=0, return_inverse=True)
    inv = inverse2.reshape(-1).astype(np.int64)
    return inv, int(inv.max()) + 1 if inv.size else 0
