"""Instant-runoff voting (single seat): exclude the lowest until one candidate holds a majority of
the ballots still in the count. Ties for exclusion use the earlier-stage rule, then lot."""

from __future__ import annotations

from communard.count.ballots import Ballots
from communard.count.result import Result
from communard.count.stv import _Arithmetic, _Count

_WHOLE = _Arithmetic[int](1, 1, lambda s, v, t: v)


def irv(ballots: Ballots, seats: int | None = None, *, seed: int = 0) -> Result:
    """Count one seat by instant-runoff; ``seats`` other than 1 is rejected."""
    from communard.count.errors import CountError

    if seats not in (None, 1):
        raise CountError("instant-runoff fills exactly one seat (use an STV method for more)")
    return _Runoff(ballots, 1, _WHOLE, seed, "irv").run()


class _Runoff(_Count[int]):
    def run(self) -> Result:
        everyone = self.piles.take_all()
        gains, nt = self.piles.move(everyone)
        for c, g in gains.items():
            self.totals[c] = g
        self._stage("first-preferences", (), dict(gains), nt, 0, ())
        active = self.valid - nt
        self.quota = active // 2 + 1
        while not self.elected:
            top = max(self.totals[c] for c in self.continuing)
            if 2 * top > active or len(self.continuing) == 1:
                leaders = [c for c in self.continuing if self.totals[c] == top]
                winner = (
                    leaders[0] if len(leaders) == 1 else self._break_tie(leaders, True, "winner")
                )
                self._deem_elected([winner], "a majority of the continuing ballots")
                break
            self._exclude(self._lowest())
            active -= int(self.stages[-1].non_transferable)
            self.quota = active // 2 + 1
        return self._result()
