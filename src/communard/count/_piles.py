"""Where each ballot currently sits during a transferable-vote count, kept in numpy arrays.

Each distinct ranking (a *group*) has a cursor into its ranking, the candidate it currently counts
for, and a value id: values live in a small Python table (ints in fixed point, or Fractions), so
the arithmetic stays exact while the ballots stay in arrays. Each candidate holds a list of index
arrays (the parcels it received), so a transfer touches only the ballots that move.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from communard.count.ballots import Ballots

V = TypeVar("V", int, Fraction)  # the value type of the count

Index = npt.NDArray[np.intp]


class Piles(Generic[V]):
    def __init__(self, ballots: Ballots, one: V) -> None:
        self.flat = ballots.rankings.prefs
        self.w = ballots.weights
        self.n = ballots.n_candidates
        self.groups = len(ballots.rankings)
        # A cursor is a position in the flat preferences, one before the ranking's first.
        self.pos = ballots.rankings.starts[:-1].astype(np.intp) - 1
        self.vid = np.zeros(self.groups, dtype=np.intp)
        self.values: list[V] = [one]
        # continuing[c] for a candidate c; the last entry (reached by index -1, the padding) stops
        # a cursor at the end of the ranking.
        self.continuing = np.ones(self.n + 1, dtype=bool)
        for c in ballots.withdrawn:
            self.continuing[c] = False
        self.holdings: list[list[Index]] = [[] for _ in range(self.n)]

    def remove(self, c: int) -> None:
        """``c`` is no longer continuing (elected or excluded): cursors skip it from now on."""
        self.continuing[c] = False

    def take(self, c: int) -> Index:
        """All groups currently credited to ``c``, removed from its holdings."""
        parts = self.holdings[c]
        self.holdings[c] = []
        if not parts:
            return np.zeros(0, dtype=np.intp)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def papers_by_value(self, idx: Index) -> list[tuple[int, int]]:
        """(value id, number of papers) for the groups ``idx``."""
        cnt = np.bincount(self.vid[idx], weights=self.w[idx], minlength=len(self.values))
        nz = np.flatnonzero(cnt)
        return list(zip(nz.tolist(), cnt[nz].astype(np.int64).tolist(), strict=True))

    def move(self, idx: Index, vid_map: Sequence[int] | None = None) -> tuple[dict[int, V], V]:
        """Send groups ``idx`` to their next continuing preference, optionally revaluing them.

        Returns each recipient's gain and the value of papers with no further preference
        (which leave the count as non-transferable).
        """
        flat, cont = self.flat, self.continuing
        p = self.pos[idx] + 1
        c = flat[p]
        sel = np.flatnonzero(~cont[c])
        while sel.size:  # step past candidates no longer continuing (the padding stops it)
            p[sel] += 1
            cs = flat[p[sel]]
            c[sel] = cs
            sel = sel[~cont[cs]]
        self.pos[idx] = p
        if vid_map is not None:
            self.vid[idx] = np.asarray(vid_map, dtype=np.intp)[self.vid[idx]]
        nv = len(self.values)
        key = (c.astype(np.intp) + 1) * nv + self.vid[idx]
        cnt = np.bincount(key, weights=self.w[idx], minlength=(self.n + 1) * nv)
        nz = np.flatnonzero(cnt)
        gains: dict[int, V] = {}
        values = self.values
        zero: V = values[0] * 0
        exhausted: V = zero
        for k, papers in zip(nz.tolist(), cnt[nz].astype(np.int64).tolist(), strict=True):
            cand, v = divmod(k, nv)
            amount = values[v] * papers
            if cand == 0:
                exhausted = exhausted + amount
            else:
                gains[cand - 1] = gains.get(cand - 1, zero) + amount
        # File the moved groups under their new candidates (exhausted ones are dropped). A stable
        # sort of 16-bit candidate numbers is a radix sort: linear in the ballots moved.
        if idx.size and c[0] >= 0 and (c == c[0]).all():
            self.holdings[int(c[0])].append(idx)
        elif gains:
            order = np.argsort(c, kind="stable")
            bounds = np.concatenate(([0], np.cumsum(np.bincount(c + 1, minlength=self.n + 1))))
            for cand in gains:
                a, b = bounds[cand + 1], bounds[cand + 2]
                if b > a:
                    self.holdings[cand].append(idx[order[a:b]])
        return gains, exhausted

    def take_all(self) -> Index:
        return np.arange(self.groups, dtype=np.intp)
