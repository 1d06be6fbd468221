"""Apportionment of seats by divisor (highest averages) and largest-remainder methods.

One implementation serves party-list elections and the pyramid's seat apportionment. All arithmetic
is exact (integers and fractions compared by cross-multiplication), so results never depend on
floating-point rounding. Ties for the last seat are broken by lot from a recorded seed.

References: Balinski & Young, *Fair Representation* (2001): D'Hondt = Jefferson (divisors 1, 2,
3, …), Sainte-Laguë = Webster (divisors 1, 3, 5, …); Hamilton/Hare and Droop largest remainder.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class ApportionmentMethod(str, Enum):  # noqa: UP042 - str mixin kept for existing callers
    DHONDT = "dhondt"
    SAINTE_LAGUE = "sainte-lague"
    LARGEST_REMAINDER_HARE = "largest-remainder-hare"
    LARGEST_REMAINDER_DROOP = "largest-remainder-droop"


class ApportionmentError(ValueError):
    """The inputs cannot be apportioned (negative weights, too few seats for the minimums, …)."""


@dataclass(frozen=True)
class Apportionment:
    seats: tuple[int, ...]
    seed: int
    tied: bool  # True when the lot decided at least one seat


def apportion(
    weights: Sequence[int],
    seats: int,
    method: ApportionmentMethod | str,
    *,
    minimum: int = 0,
    seed: int = 0,
) -> Apportionment:
    """Share ``seats`` among parties or constituencies in proportion to ``weights``.

    ``minimum`` seats go to every entry first (a constituency is never left out); the rest are
    shared by ``method``. Divisor methods continue their divisor sequence from the minimum, which
    keeps them monotone in the weights.
    """
    method = ApportionmentMethod(method)
    _check(weights, seats, minimum)
    if method in (ApportionmentMethod.DHONDT, ApportionmentMethod.SAINTE_LAGUE):
        return _highest_averages(weights, seats, method, minimum, seed)
    return _largest_remainder(weights, seats, method, minimum, seed)


def _check(weights: Sequence[int], seats: int, minimum: int) -> None:
    if seats < 0:
        raise ApportionmentError(f"seats must be at least 0, not {seats}")
    if minimum < 0:
        raise ApportionmentError(f"minimum must be at least 0, not {minimum}")
    for i, w in enumerate(weights):
        if w < 0:
            raise ApportionmentError(f"weight {i + 1} is negative ({w})")
    if minimum * len(weights) > seats:
        raise ApportionmentError(
            f"{seats} seats cannot give {len(weights)} constituencies at least {minimum} each"
        )


def _divisor(method: ApportionmentMethod, held: int) -> tuple[int, int]:
    """The divisor for the next seat after ``held`` seats, as (numerator, denominator)."""
    if method is ApportionmentMethod.DHONDT:
        return held + 1, 1
    return 2 * held + 1, 2  # Sainte-Laguë: 0.5, 1.5, 2.5, … (same order as 1, 3, 5, …)


def _highest_averages(
    weights: Sequence[int], seats: int, method: ApportionmentMethod, minimum: int, seed: int
) -> Apportionment:
    held = [minimum] * len(weights)
    remaining = seats - minimum * len(weights)
    rng = random.Random(seed)
    tied = False
    if not weights:
        return Apportionment((), seed, False)
    # A heap of (-average, lot, index); averages compared exactly as fractions w*den/num.
    lots = [rng.random() for _ in weights]

    def key(i: int) -> tuple[_Frac, float, int]:
        num, den = _divisor(method, held[i])
        return _Frac(-weights[i] * den, num), lots[i], i

    heap = [key(i) for i in range(len(weights))]
    heapq.heapify(heap)
    while remaining > 0:
        best, _, i = heapq.heappop(heap)
        if remaining == 1 and heap and heap[0][0] == best:
            tied = True  # the last seat went to the first of equals in the seeded lot order
        held[i] += 1
        remaining -= 1
        heapq.heappush(heap, key(i))
    return Apportionment(tuple(held), seed, tied)


def _largest_remainder(
    weights: Sequence[int], seats: int, method: ApportionmentMethod, minimum: int, seed: int
) -> Apportionment:
    n = len(weights)
    held = [minimum] * n
    to_share = seats - minimum * n
    total = sum(weights)
    if n == 0 or to_share == 0 or total == 0:
        if total == 0 and to_share > 0 and n:
            # Nobody has any weight: the lot shares what is left one by one.
            order = list(range(n))
            random.Random(seed).shuffle(order)
            for k in range(to_share):
                held[order[k % n]] += 1
            return Apportionment(tuple(held), seed, True)
        return Apportionment(tuple(held), seed, False)
    # Quota as an exact fraction: Hare = total/seats; Droop = floor(total/(seats+1)) + 1.
    if method is ApportionmentMethod.LARGEST_REMAINDER_HARE:
        q_num, q_den = total, to_share
    else:
        q_num, q_den = total // (to_share + 1) + 1, 1
    quotas = [divmod(w * q_den, q_num) for w in weights]
    for i, (whole, _) in enumerate(quotas):
        held[i] += whole
    left = to_share - sum(whole for whole, _ in quotas)
    if left < 0:
        # Droop's quota can hand out one seat too many in whole quotas: take it back from the
        # smallest remainders, as the rule's usual statement does.
        order = sorted(range(n), key=lambda i: (quotas[i][1], weights[i]))
        for i in order[:-left]:
            held[i] -= 1
        return Apportionment(tuple(held), seed, False)
    rng = random.Random(seed)
    lots = [rng.random() for _ in range(n)]
    order = sorted(range(n), key=lambda i: (-quotas[i][1], lots[i]))
    tied = left % n > 0 and quotas[order[left % n - 1]][1] == quotas[order[left % n]][1]
    # Normally fewer seats are left than constituencies. With very small totals the integer
    # Droop quota is coarse and more can be left: then the remainder order is walked again.
    for k in range(left):
        held[order[k % n]] += 1
    return Apportionment(tuple(held), seed, tied)


@dataclass(frozen=True, order=False)
class _Frac:
    """A fraction compared exactly (denominator always positive)."""

    num: int
    den: int

    def __lt__(self, other: _Frac) -> bool:
        return self.num * other.den < other.num * self.den

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Frac) and self.num * other.den == other.num * self.den

    def __hash__(self) -> int:
        return hash((self.num, self.den))
