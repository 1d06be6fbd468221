"""Ballots held as numpy arrays: the distinct rankings in a ragged (CSR) form, with weights.

:class:`Rankings` keeps every preference of every ranking in one flat ``int16`` array, each
ranking followed by one padding entry (-1), and an ``int64`` array of where each ranking starts.
Memory therefore follows the ballots' real length (2 bytes a preference, 10 a ranking), never
rankings x candidates: one ballot ranking 20,000 candidates costs 40 KB, not a 20,000-wide row for
every other ballot. The padding entry lets a cursor step one past a ranking's last preference
without a bounds check. Withdrawn candidates stay in the rankings (the file said so) and the
counting methods skip them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from communard.count.errors import CountError

IntArray = npt.NDArray[np.int64]
RankArray = npt.NDArray[np.int16]
Index = npt.NDArray[np.intp]

PAD = -1

# The largest ballot box the engine counts: the weights' total (the number of ballot papers) is at
# most 10^15. Below 2^53 (about 9 x 10^15), every sum of weights is exact both as int64 and in the
# float64 that numpy's bincount accumulates in, with room to spare; a quadrillion papers is far
# beyond any real election. Readers refuse a file past it, naming the line (docs/count/formats.md).
MAX_TOTAL_WEIGHT = 10**15
# Seats in one count: divisor methods hand them out one at a time, so a bound keeps a hostile
# file's "10^18 seats" from running forever.
MAX_SEATS = 1_000_000
# Candidate numbers are stored as int16 (half the memory of int32 on wide ballots).
MAX_CANDIDATES = int(np.iinfo(np.int16).max)


@dataclass(frozen=True, eq=False)
class Rankings:
    """Rankings in CSR form: ranking ``g`` is ``prefs[starts[g] : starts[g + 1] - 1]`` (0-based
    candidates), and ``prefs[starts[g + 1] - 1]`` is its padding entry, :data:`PAD`."""

    prefs: RankArray
    starts: IntArray  # one more entry than there are rankings; starts[-1] == len(prefs)

    def __post_init__(self) -> None:
        if self.starts.ndim != 1 or self.starts.size < 1 or self.starts[0] != 0:
            raise CountError("malformed rankings: starts must begin at 0")
        if int(self.starts[-1]) != self.prefs.size:
            raise CountError("malformed rankings: starts do not end at the preferences' end")
        if self.starts.size > 1 and (np.diff(self.starts) < 1).any():
            raise CountError("malformed rankings: a ranking without its padding entry")
        if self.prefs.size and (self.prefs[self.starts[1:] - 1] != PAD).any():
            raise CountError("malformed rankings: a ranking without its padding entry")

    @classmethod
    def from_lists(cls, rows: Sequence[Sequence[int]]) -> Rankings:
        lengths = np.fromiter((len(r) + 1 for r in rows), dtype=np.int64, count=len(rows))
        starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        prefs = np.full(int(starts[-1]), PAD, dtype=np.int16)
        flat = [c for r in rows for c in r]
        if flat:
            prefs[_positions(starts[:-1], lengths - 1)] = flat
        return cls(prefs, starts)

    @classmethod
    def from_dense(cls, table: npt.NDArray[np.integer]) -> Rankings:
        """From a padded table: one row a ranking, its preferences first, then -1s."""
        t = np.asarray(table)
        if t.ndim != 2:
            raise CountError("a padded rankings table must have two dimensions")
        ranked = t >= 0
        lengths = ranked.sum(axis=1)
        cols = np.arange(t.shape[1])[None, :]
        if not np.array_equal(ranked, cols < lengths[:, None]):
            raise CountError("a padded rankings table has a gap before a preference")
        # Each row's preferences and the first -1 after them (a -1 column is added for full rows).
        ext = np.concatenate((t, np.full((t.shape[0], 1), PAD, dtype=t.dtype)), axis=1)
        keep = np.arange(ext.shape[1])[None, :] <= lengths[:, None]
        prefs = ext[keep].astype(np.int16)
        starts = np.zeros(t.shape[0] + 1, dtype=np.int64)
        np.cumsum(lengths + 1, out=starts[1:])
        return cls(prefs, starts)

    def __len__(self) -> int:
        return self.starts.size - 1

    @property
    def shape(self) -> tuple[int, int]:
        """(rankings, the longest ranking + 1), as the padded table this replaces had."""
        return len(self), int(self.lengths().max()) + 1 if len(self) else 1

    def lengths(self) -> IntArray:
        """The number of preferences in each ranking."""
        return np.diff(self.starts) - 1

    def row_of_each_pref(self) -> Index:
        """For every entry of ``prefs`` (padding included), the ranking it belongs to."""
        return np.repeat(np.arange(len(self), dtype=np.intp), np.diff(self.starts))

    def __getitem__(self, idx: Index | slice) -> Rankings:
        """The rankings ``idx`` (an index array or slice), in that order."""
        rows = np.arange(len(self), dtype=np.intp)[idx]
        lengths = np.diff(self.starts)[rows]
        starts = np.zeros(rows.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        return Rankings(self.prefs[_positions(self.starts[rows], lengths)], starts)

    def tolist(self) -> list[list[int]]:
        flat = self.prefs.tolist()
        bounds = self.starts.tolist()
        return [flat[a : b - 1] for a, b in zip(bounds, bounds[1:], strict=False)]


def _positions(starts: IntArray, lengths: IntArray) -> Index:
    """The flat positions ``starts[g] + k`` for ``k < lengths[g]``, ranking after ranking."""
    total = int(lengths.sum())
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    positions: Index = (np.arange(total, dtype=np.int64) + offsets).astype(np.intp)
    return positions


@dataclass(frozen=True, eq=False)
class Ballots:
    """A ballot box: candidates, the rankings (``rankings[g]``) and how many ballots carry each."""

    candidates: tuple[str, ...]
    rankings: Rankings  # a padded 2-D table is accepted too, and converted
    weights: IntArray
    withdrawn: frozenset[int] = frozenset()
    seats: int | None = None  # as given by the file, if it says
    title: str = ""
    source: str = "<ballots>"
    grouped: bool = field(default=False)

    def __post_init__(self) -> None:
        if isinstance(self.rankings, np.ndarray):
            object.__setattr__(self, "rankings", Rankings.from_dense(self.rankings))
        if self.weights.ndim != 1 or len(self.rankings) != self.weights.shape[0]:
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
        for i, r in enumerate(rows):
            if len(set(r)) != len(r):
                raise CountError(f"ranking {i + 1} names a candidate twice: {r}")
            for c in r:
                if not 0 <= c < len(names):
                    raise CountError(f"ranking {i + 1} names unknown candidate {c}")
        w = np.asarray(ws, dtype=np.int64)
        return cls(names, Rankings.from_lists(rows), w, frozenset(withdrawn), seats, title)

    def contenders(self) -> list[int]:
        """The candidates not withdrawn, in number order. A box in which every candidate has
        withdrawn cannot be counted by any method: refused here, once for all of them."""
        out = [c for c in range(self.n_candidates) if c not in self.withdrawn]
        if not out:
            raise CountError("every candidate has withdrawn: there is no one to elect")
        return out

    def group(self) -> Ballots:
        """The same ballot box with identical rankings merged (weights added), in the order of
        each ranking's first appearance."""
        if self.grouped or len(self.rankings) < 2:
            return self
        inverse, n = _group_rows(self.rankings)
        weights = np.zeros(n, dtype=np.int64)
        np.add.at(weights, inverse, self.weights)  # exact int64: the total is at most 10^15
        first = np.full(n, -1, dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(inverse) - 1, -1, -1)
        order = np.argsort(first, kind="stable")
        return Ballots(
            self.candidates,
            self.rankings[first[order].astype(np.intp)],
            weights[order],
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
        return list(zip(self.rankings.tolist(), self.weights.tolist(), strict=True))


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


def _group_rows(rankings: Rankings) -> tuple[IntArray, int]:
    """Label equal rankings with equal ids: hash each ranking (length included), then check the
    hash grouping exactly, element by element."""
    prefs, starts = rankings.prefs, rankings.starts
    spans = np.diff(starts)
    pos = np.arange(prefs.size, dtype=np.int64) - np.repeat(starts[:-1], spans)
    # Polynomial hash mod 2^64 (uint64 arithmetic wraps by design).
    mult = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(int(spans.max()), mult, dtype=np.uint64))
        terms = (prefs.astype(np.int64) + 2).astype(np.uint64) * powers[pos]
        h = np.add.reduceat(terms, starts[:-1].astype(np.intp)) if terms.size else terms
        h ^= spans.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9)
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1).astype(np.int64)
    rep = first[inverse]  # each ranking's representative
    if np.array_equal(spans, spans[rep]) and np.array_equal(
        prefs, prefs[np.repeat(starts[:-1][rep], spans[rep]) + pos]
    ):
        return inverse, len(first)
    # A hash collision (never seen in practice): group exactly by the rankings as tuples.
    ids: dict[tuple[int, ...], int] = {}
    labels = [ids.setdefault(tuple(r), len(ids)) for r in rankings.tolist()]
    return np.asarray(labels, dtype=np.int64), len(ids)


class RankingsBuilder:
    """Collects rankings one at a time into typed arrays, so a reader that walks a file ballot by
    ballot never holds Python lists of every ballot: 2 bytes a preference and 4 a ranking while
    reading, plus 8 a ranking for weights only once some weight is not 1."""

    def __init__(self) -> None:
        self.prefs = array("h")
        self.spans = array("i")
        self.weights: array[int] | None = None  # None while every weight so far is 1

    def __len__(self) -> int:
        return len(self.spans)

    def add(self, ranking: Sequence[int], weight: int) -> None:
        if weight != 1 and self.weights is None:
            self.weights = array("q", bytes(8 * len(self.spans)))
            self.weights[:] = array("q", [1]) * len(self.spans)
        self.prefs.extend(ranking)
        self.prefs.append(PAD)
        self.spans.append(len(ranking) + 1)
        if self.weights is not None:
            self.weights.append(weight)

    def build(self) -> tuple[Rankings, IntArray]:
        """The rankings and weights; the builder's own arrays are released step by step."""
        prefs = np.array(self.prefs, dtype=np.int16)
        self.prefs = array("h")
        starts = np.zeros(len(self.spans) + 1, dtype=np.int64)
        if self.spans:
            np.cumsum(np.frombuffer(self.spans, dtype=np.int32), out=starts[1:])
        self.spans = array("i")
        if self.weights is None:
            weights = np.ones(starts.size - 1, dtype=np.int64)
        else:
            weights = np.array(self.weights, dtype=np.int64)
            self.weights = None
        return Rankings(prefs, starts), weights
