"""Many rolls of one membership: ``membership.roll`` for an audit that recomputes hundreds.

``communard verify`` recomputes every election's and poll's roll from the members' replayed
histories. ``membership.roll`` sorts every change of the federation for each roll; at 100,000
members and 200 elections that was most of a minute-long audit. :class:`Standings` sorts the
changes once, as ``membership.standing`` sorts them, into arrays, and answers each roll with a
few vectorised passes: the changes that count at the cut-off (claimed on or before its day,
recorded before its end), the last of them per member, and whether it leaves the member active
in one of the councils. The answer is ``membership.roll``'s, change for change (property test:
``tests/constitution/test_rolls.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from communard.constitution.membership import ADMITTED, EXPELLED, LAPSED, TRANSFERRED, Change

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
#: The kinds ``standing`` folds; a change of any other kind moves nobody, and is left out.
_ACTIVE, _ENDED = frozenset({ADMITTED, TRANSFERRED}), frozenset({LAPSED, EXPELLED})


def _micros(at: dt.datetime) -> int:
    """An aware instant as whole microseconds since the epoch: exact, and ordered as the
    instants are, whatever their time zones."""
    return (at - _EPOCH) // _MICROSECOND


class Standings:
    """The changes of a membership, sorted once; :meth:`roll` answers ``membership.roll``."""

    def __init__(self, changes: Iterable[Change]) -> None:
        counted = sorted((c for c in changes if c.kind in _ACTIVE or c.kind in _ENDED),
                         key=lambda c: (c.member, c.on, c.recorded_at, c.order))
        self._member: npt.NDArray[np.int64] = np.array([c.member for c in counted],
                                                       dtype=np.int64)
        self._on: npt.NDArray[np.int64] = np.array([c.on.toordinal() for c in counted],
                                                   dtype=np.int64)
        self._at: npt.NDArray[np.int64] = np.array([_micros(c.recorded_at) for c in counted],
                                                   dtype=np.int64)
        self._active: npt.NDArray[np.bool_] = np.array([c.kind in _ACTIVE for c in counted],
                                                       dtype=np.bool_)
        self._council: npt.NDArray[np.int64] = np.array([c.council for c in counted],
                                                        dtype=np.int64)

    def roll(self, councils: Iterable[int], cutoff: dt.date, cutoff_end: dt.datetime
             ) -> set[int]:
        """``membership.roll(changes, councils, cutoff, cutoff_end)``."""
        counts = np.flatnonzero((self._on <= cutoff.toordinal())
                                & (self._at < _micros(cutoff_end)))
        if counts.size == 0:
            return set()
        members = self._member[counts]
        # Sorted by member, then as standing folds: a member's last counted change is where
        # the next row is another member's.
        is_last = np.ones(counts.size, dtype=np.bool_)
        is_last[:-1] = members[:-1] != members[1:]
        last = counts[is_last]
        wanted = np.fromiter(set(councils), dtype=np.int64)
        on_roll = self._active[last] & np.isin(self._council[last], wanted)
        return {int(m) for m in self._member[last[on_roll]]}
