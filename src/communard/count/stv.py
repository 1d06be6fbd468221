"""Transferable-vote counts by the weighted inclusive Gregory method: Scottish STV and Gregory STV.

Scottish STV follows the Scottish Local Government Elections Order 2007 (SSI 2007/42), schedule 1,
rules 45 to 53, as restated in ``docs/count/scottish-stv.md``; each step below cites its rule.
Gregory STV is the same count with exact fractions instead of the truncation of rule 48(3).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic

from communard.count._piles import Piles, V
from communard.count._ties import break_tie
from communard.count.ballots import MAX_SEATS, Ballots
from communard.count.errors import CountError
from communard.count.result import Lot, Result, Stage

SCOTTISH_SCALE = 100_000  # rule 48(3): transfer values to five decimal places


@dataclass(frozen=True)
class _Arithmetic(Generic[V]):
    one: V
    scale: int
    transfer_value: Callable[[V, V, V], V]  # (surplus, value of the paper, total) -> new value


def _truncated_tv(surplus: int, value: int, total: int) -> int:
    # Rule 48(3): A / B with A = surplus x value of the paper, B = the candidate's total, "the
    # calculation being made to five decimal places (any remainder being ignored)". All three are
    # in hundred-thousandths, so the quotient is too, and floor division ignores the remainder.
    return surplus * value // total


def _exact_tv(surplus: Fraction, value: Fraction, total: Fraction) -> Fraction:
    return surplus * value / total


SCOTTISH = _Arithmetic[int](SCOTTISH_SCALE, SCOTTISH_SCALE, _truncated_tv)
EXACT = _Arithmetic[Fraction](Fraction(1), 1, _exact_tv)


def scottish_stv(ballots: Ballots, seats: int | None = None, *, seed: int = 0) -> Result:
    """Count by Scottish STV (SSI 2007/42) in exact fixed-point arithmetic."""
    return _Count(ballots, _seats(ballots, seats), SCOTTISH, seed, "scottish-stv").run()


def gregory_stv(ballots: Ballots, seats: int | None = None, *, seed: int = 0) -> Result:
    """Count by weighted inclusive Gregory STV in exact fractions (no truncation)."""
    return _Count(ballots, _seats(ballots, seats), EXACT, seed, "gregory-stv").run()


def _seats(ballots: Ballots, seats: int | None) -> int:
    s = ballots.seats if seats is None else seats
    if s is None:
        raise CountError("the number of seats is not given")
    if s < 1:
        raise CountError(f"the number of seats must be at least 1, not {s}")
    if s > MAX_SEATS:
        # Divisor methods hand out seats one at a time: 10^12 seats would never finish.
        raise CountError(f"{s:,} seats: at most {MAX_SEATS:,} can be filled")
    return s


class _Count(Generic[V]):
    def __init__(
        self, ballots: Ballots, seats: int, arith: _Arithmetic[V], seed: int, method: str
    ) -> None:
        self.b = ballots
        self.seats = seats
        self.arith: _Arithmetic[V] = arith
        self.seed = seed
        self.rng = random.Random(seed)
        self.method = method
        self.n = ballots.n_candidates
        self.piles: Piles[V] = Piles(ballots, arith.one)
        zero = arith.one * 0
        self.zero: V = zero
        self.totals: list[V] = [zero] * self.n
        self.continuing = ballots.contenders()
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.surplus_done: set[int] = set()
        self.history: list[tuple[V, ...]] = []
        self.since = [0] * self.n  # the stage since which each total has been what it is now
        self.stages: list[Stage] = []
        self.lots: list[Lot] = []
        self.valid = ballots.total
        if self.valid <= 0:
            raise CountError("the ballot box is empty")
        # Rule 46: quota = valid votes / (seats + 1), + 1, any fraction ignored.
        self.quota: V = arith.one * (self.valid // (seats + 1) + 1)

    # ------------------------------------------------------------------------------- the count

    def run(self) -> Result:
        # Rule 45: the first stage sorts the papers by first preference (withdrawn candidates are
        # skipped, as if the paper's next preference were its first).
        everyone = self.piles.take_all()
        for c in self.b.withdrawn:
            self.piles.remove(c)
        gains, nt = self.piles.move(everyone)
        for c, g in gains.items():
            self.totals[c] = g
        self._stage("first-preferences", (), dict(gains), nt, self.zero, ())
        self._elect_reaching_quota()
        while len(self.elected) < self.seats:
            vacancies = self.seats - len(self.elected)
            if len(self.continuing) <= vacancies:
                # Rule 52(1): as many continuing candidates as vacancies: all deemed elected.
                self._deem_elected(list(self.continuing), "rule 52: continuing = vacancies")
                break
            pending = [
                e
                for e in self.elected
                if e not in self.surplus_done and self.totals[e] > self.quota
            ]
            if pending:
                self._transfer_surplus(self._largest_surplus(pending))
            else:
                self._exclude(self._lowest())
            self._elect_reaching_quota()
        return self._result()

    def _transfer_surplus(self, x: int) -> None:
        # Rules 48 and 49: all papers credited to x move to their next available preference, each
        # at (surplus x its value) / x's total, to five places for Scottish STV.
        total = self.totals[x]
        surplus = total - self.quota
        idx = self.piles.take(x)
        by_value = self.piles.papers_by_value(idx)
        vid_map = list(range(len(self.piles.values)))
        tvs: list[V] = []
        for vid, _papers in by_value:
            tv = self.arith.transfer_value(surplus, self.piles.values[vid], total)
            vid_map[vid] = len(self.piles.values)
            self.piles.values.append(tv)
            tvs.append(tv)
        gains, nt = self.piles.move(idx, vid_map)
        moved = sum(gains.values(), self.zero)
        lost = surplus - moved - nt
        self.totals[x] = self.quota  # x keeps exactly the quota
        self.surplus_done.add(x)
        for c, g in gains.items():
            self.totals[c] += g
        delta: dict[int, V] = dict(gains)
        delta[x] = -surplus
        self._stage("surplus", (x,), delta, nt, lost, (), tuple(tvs))

    def _exclude(self, x: int) -> None:
        # Rule 50: exclude the lowest; its papers go to their next available preference at the
        # value at which x received them, all in one stage.
        self.continuing.remove(x)
        self.excluded.append(x)
        self.piles.remove(x)
        idx = self.piles.take(x)
        total = self.totals[x]
        gains, nt = self.piles.move(idx)
        self.totals[x] = self.zero
        for c, g in gains.items():
            self.totals[c] += g
        delta: dict[int, V] = dict(gains)
        delta[x] = -total
        self._stage("exclusion", (x,), delta, nt, self.zero, (x,))

    def _elect_reaching_quota(self) -> None:
        # Rule 47: a candidate whose votes equal or exceed the quota is deemed elected.
        reached = [c for c in self.continuing if self.totals[c] >= self.quota]
        if reached:
            self._deem_elected(reached, "reached the quota")

    def _deem_elected(self, cands: list[int], why: str) -> None:
        order = self._ordered(cands, highest=True, purpose="election-order")
        for c in order:
            self.continuing.remove(c)
            self.elected.append(c)
            self.piles.remove(c)
        last = self.stages[-1]
        self.stages[-1] = Stage(
            last.number,
            last.action,
            last.subject,
            last.totals,
            last.transfers,
            last.non_transferable,
            last.lost_fractions,
            last.elected + tuple(order),
            last.excluded,
            last.transfer_values,
            (last.note + "; " if last.note else "") + f"elected ({why})",
        )

    # --------------------------------------------------------------------------- tie breaking

    def _largest_surplus(self, pending: list[int]) -> int:
        # Rule 49: the largest surplus first; equal surpluses by the earlier-stage rule, then lot.
        best = max(self.totals[c] for c in pending)
        tied = [c for c in pending if self.totals[c] == best]
        return tied[0] if len(tied) == 1 else self._break_tie(tied, True, "surplus-order")

    def _lowest(self) -> int:
        # Rules 50 and 51: exclude the lowest; ties by the earlier-stage rule, then lot.
        low = min(self.totals[c] for c in self.continuing)
        tied = [c for c in self.continuing if self.totals[c] == low]
        return tied[0] if len(tied) == 1 else self._break_tie(tied, False, "exclusion")

    def _ordered(self, cands: list[int], highest: bool, purpose: str) -> list[int]:
        rest = list(cands)
        out = []
        while rest:
            top = max(self.totals[c] for c in rest)
            tied = [c for c in rest if self.totals[c] == top]
            pick = tied[0] if len(tied) == 1 else self._break_tie(tied, highest, purpose)
            out.append(pick)
            rest.remove(pick)
        return out

    def _break_tie(self, tied: Sequence[int], highest: bool, purpose: str) -> int:
        """The earlier-stage rule, then lots from the recorded seed (see :mod:`._ties`)."""
        return break_tie(
            tied,
            self.history,
            highest=highest,
            purpose=purpose,
            stage=len(self.stages),
            rng=self.rng,
            lots=self.lots,
            since=self.since,
        )

    # ------------------------------------------------------------------------------ the sheet

    def _stage(
        self,
        action: str,
        subject: tuple[int, ...],
        delta: dict[int, V],
        nt: V,
        lost: V,
        excluded: tuple[int, ...],
        tvs: tuple[V, ...] = (),
    ) -> None:
        totals = tuple(self.totals)
        if self.history:  # only candidates named in delta can have changed
            last = self.history[-1]
            for c in delta:
                if totals[c] != last[c]:
                    self.since[c] = len(self.history)
        self.history.append(totals)
        changes = [self.zero] * self.n
        for c, v in delta.items():
            changes[c] = v
        transfers = tuple(changes)
        self.stages.append(
            Stage(
                len(self.stages) + 1,
                action,
                subject,
                totals,
                transfers,
                nt,
                lost,
                (),
                excluded,
                tvs,
            )
        )

    def _result(self) -> Result:
        return Result(
            method=self.method,
            candidates=self.b.candidates,
            seats=self.seats,
            winners=tuple(self.elected),
            seed=self.seed,
            valid_poll=self.arith.one * self.valid,
            scale=self.arith.scale,
            quota=self.quota,
            stages=tuple(self.stages),
            lots=tuple(self.lots),
            withdrawn=tuple(sorted(self.b.withdrawn)),
            title=self.b.title,
        )
