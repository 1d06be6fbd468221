"""Mandates and the delegates they bind: each roll-call vote compared with the mandates on it.

A constituency's assembly may instruct its delegates on a motion of the council above: vote
*for*, *against*, *abstain*, or *free* (no instruction), and say whether the mandate is
*binding* or only *advisory* (issue 17). After the roll call each delegate on the council's roll
gets a verdict against the mandate that governs them:

* **complied**: they voted as the mandate said;
* **deviated**: they voted otherwise;
* **absent**: they were on the roll and cast no vote.

Which mandate governs a delegate on a roll call: the one their constituency adopted on that
motion *last before* the instant that mattered, which is the instant of their vote or, for a
delegate who did not vote, the close of the roll call. So

* a mandate adopted after the vote binds nothing (the delegate could not have known it);
* an assembly that changes its mind supersedes its earlier mandate (its last word counts);
* a *free* mandate binds nothing, and frees the delegate from an earlier one;
* advisory verdicts are computed as binding ones are, and kept apart by ``binding``.

Two mandates of one constituency adopted at the very same instant: the later in the given order
governs (the record's order, when the caller passes them as recorded).

:func:`judge` states the rule for one delegate on one roll call, plainly; :func:`compare` applies
it to whole congresses at once with numpy (1,000 delegates × 100 motions against 500
assemblies' mandates in a few tens of milliseconds: ``bench/mandate_bench.py``), and a property
test holds the two equal. :func:`scorecard` sums one delegate's verdicts over time.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt


class _Labelled(IntEnum):
    @property
    def label(self) -> str:
        """The lower-case name, as pages, the API and the record write it."""
        return self.name.lower()


class Stance(_Labelled):
    """What a mandate tells its delegates to do. The codes of the first three are those of
    :class:`Choice`, so a vote complies exactly when the codes are equal."""

    FOR = 0
    AGAINST = 1
    ABSTAIN = 2
    FREE = 3


class Choice(_Labelled):
    """A delegate's vote in a roll call."""

    FOR = 0
    AGAINST = 1
    ABSTAIN = 2


class Verdict(_Labelled):
    COMPLIED = 0
    DEVIATED = 1
    ABSENT = 2


@dataclass(frozen=True)
class Mandate:
    """A constituency's instruction to its delegates on one motion of the council above."""

    motion: str
    constituency: str
    stance: Stance
    binding: bool
    adopted_at: dt.datetime


@dataclass(frozen=True)
class Cast:
    """One delegate's vote and when it was cast."""

    choice: Choice
    at: dt.datetime


@dataclass(frozen=True)
class RollCall:
    """A roll call on a motion: who was on the roll (delegate -> the constituency they sit for),
    how each voted (absent from ``votes``: did not vote), and when it closed."""

    motion: str
    closed_at: dt.datetime
    seats: Mapping[str, str]
    votes: Mapping[str, Cast] = field(default_factory=dict)


@dataclass(frozen=True)
class Judgement:
    """One delegate's verdict on one roll call, against the mandate (by index) governing them."""

    roll_call: int
    delegate: str
    mandate: int
    verdict: Verdict
    binding: bool


class MandateError(ValueError):
    """Input the comparison cannot judge; the message names the item."""


_NO_CHOICE = -1
# Instants are compared as POSIX seconds in a float64: exact to well under a microsecond, and
# so in the same order as the datetimes, from 1834 to 2106 (beyond that, refused).
_EARLIEST, _LATEST = -(2.0**32), 2.0**32


def _seconds(times: Sequence[dt.datetime], what: Callable[[int], str]) -> npt.NDArray[np.float64]:
    """POSIX seconds of aware datetimes; :class:`MandateError` names the first naive one."""
    try:
        out = np.array([t.timestamp() if t.tzinfo is not None else math.nan for t in times],
                       dtype=np.float64)
    except (OverflowError, ValueError) as e:
        raise MandateError(f"a time cannot be compared: {e}") from None
    bad = np.flatnonzero(~((out > _EARLIEST) & (out < _LATEST)))
    if len(bad):
        i = int(bad[0])
        problem = ("has no time zone (give aware times)" if times[i].tzinfo is None
                   else "is outside 1834–2106")
        raise MandateError(f"{what(i)}: {times[i].isoformat()} {problem}")
    return out


def governing(mandates: Sequence[Mandate], motion: str, constituency: str,
              instant: dt.datetime) -> int | None:
    """Index of the mandate of ``constituency`` on ``motion`` adopted last strictly before
    ``instant`` (the later in order on a tie), or ``None``."""
    best: int | None = None
    for i, m in enumerate(mandates):
        if (m.motion == motion and m.constituency == constituency and m.adopted_at < instant
                and (best is None or m.adopted_at >= mandates[best].adopted_at)):
            best = i
    return best


def judge(mandates: Sequence[Mandate], roll_call: RollCall, delegate: str,
          index: int = 0) -> Judgement | None:
    """The verdict on one delegate of ``roll_call`` (the ``index``-th), or ``None`` when no
    mandate binds them there (none adopted before the vote, or the governing one is free)."""
    cast = roll_call.votes.get(delegate)
    instant = cast.at if cast is not None else roll_call.closed_at
    chosen = governing(mandates, roll_call.motion, roll_call.seats[delegate], instant)
    if chosen is None or mandates[chosen].stance is Stance.FREE:
        return None
    mandate = mandates[chosen]
    if cast is None:
        verdict = Verdict.ABSENT
    elif int(cast.choice) == int(mandate.stance):
        verdict = Verdict.COMPLIED
    else:
        verdict = Verdict.DEVIATED
    return Judgement(index, delegate, chosen, verdict, mandate.binding)


@dataclass(frozen=True)
class Comparison:
    """Every verdict of :func:`compare`, as parallel arrays (one element per judgement): the
    roll call's index, the delegate's index in ``delegates``, the governing mandate's index,
    the verdict's code and whether the mandate was binding."""

    delegates: tuple[str, ...]
    roll_call: npt.NDArray[np.int64]
    delegate: npt.NDArray[np.int64]
    mandate: npt.NDArray[np.int64]
    verdict: npt.NDArray[np.int8]
    binding: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.verdict)

    def judgements(self) -> Iterator[Judgement]:
        for r, d, m, v, b in zip(self.roll_call.tolist(), self.delegate.tolist(),
                                 self.mandate.tolist(), self.verdict.tolist(),
                                 self.binding.tolist(), strict=True):
            yield Judgement(r, self.delegates[d], m, Verdict(v), bool(b))

    def counts(self) -> dict[tuple[Verdict, bool], int]:
        """How many verdicts of each kind, binding (True) and advisory (False) apart."""
        code = self.verdict.astype(np.int64) * 2 + self.binding.astype(np.int64)
        tally = np.bincount(code, minlength=6)
        return {(v, b): int(tally[int(v) * 2 + int(b)]) for v in Verdict for b in (False, True)}


def compare(mandates: Sequence[Mandate], roll_calls: Sequence[RollCall],
            only: Collection[str] | None = None) -> Comparison:
    """:func:`judge` for every delegate on every roll call (or only those in ``only``), at
    once. The rule is :func:`judge`'s; this is its vectorised form.

    How: every (motion, constituency) is numbered, every instant ranked among all instants,
    and each mandate keyed by (its pair's number, its rank), so one sorted array and one
    binary search per delegate find the mandate adopted last before their instant."""
    motions: dict[str, int] = {}
    places: dict[str, int] = {}
    m_motion = [motions.setdefault(m.motion, len(motions)) for m in mandates]
    m_place = [places.setdefault(m.constituency, len(places)) for m in mandates]
    m_time = _seconds([m.adopted_at for m in mandates],
                      lambda i: f"mandate {i} ({mandates[i].motion}, {mandates[i].constituency})")
    m_stance = np.array([m.stance for m in mandates], dtype=np.int8)
    m_binding = np.array([m.binding for m in mandates], dtype=np.bool_)
    names: dict[str, int] = {}
    encoded: dict[int, tuple[Mapping[str, str], list[str], list[int], list[int]]] = {}
    p_roll: list[int] = []
    p_delegate: list[int] = []
    p_motion: list[int] = []
    p_place: list[int] = []
    p_at: list[dt.datetime] = []
    p_choice: list[int] = []
    wanted = None if only is None else set(only)
    for r, call in enumerate(roll_calls):
        for name in call.votes:
            if name not in call.seats:
                raise MandateError(f"roll call {r} ({call.motion}): {name} voted but is not on "
                                   "its roll")
        # Roll calls of one sitting share their roll: encode each roll once.
        seen = encoded.get(id(call.seats))
        if seen is None or seen[0] is not call.seats:
            roll = [n for n in call.seats if wanted is None or n in wanted]
            seen = (call.seats, roll, [names.setdefault(n, len(names)) for n in roll],
                    [places.get(call.seats[n], -1) for n in roll])
            encoded[id(call.seats)] = seen
        _, roll, delegate_codes, place_codes = seen
        casts = [call.votes.get(n) for n in roll]
        p_roll.extend([r] * len(roll))
        p_delegate.extend(delegate_codes)
        p_motion.extend([motions.get(call.motion, -1)] * len(roll))
        p_place.extend(place_codes)
        p_at.extend([call.closed_at if c is None else c.at for c in casts])
        p_choice.extend([_NO_CHOICE if c is None else c.choice for c in casts])
    p_time = _seconds(p_at, lambda i: f"roll call {p_roll[i]} ({roll_calls[p_roll[i]].motion})")
    width = max(len(places), 1)
    m_key = np.asarray(m_motion, dtype=np.int64) * width + np.asarray(m_place, dtype=np.int64)
    q_motion = np.asarray(p_motion, dtype=np.int64)
    q_place = np.asarray(p_place, dtype=np.int64)
    q_key = np.where((q_motion < 0) | (q_place < 0), -1, q_motion * width + q_place)
    # Rank every instant among all of them, so (key, rank) packs into one exact int64.
    times = np.concatenate([m_time, p_time])
    unique, rank = np.unique(times, return_inverse=True)
    span = len(unique) + 1
    m_rank, q_rank = rank[: len(mandates)], rank[len(mandates):]
    packed = m_key * span + m_rank
    order = np.argsort(packed, kind="stable")  # stable: the later of a tie comes later
    ordered = packed[order]
    # The last mandate strictly before the delegate's instant, if it is of the same pair.
    at = np.searchsorted(ordered, q_key * span + q_rank, side="left") - 1
    chosen = np.full(len(q_key), -1, dtype=np.int64)
    if len(mandates):
        candidate = order[np.maximum(at, 0)]
        same = (at >= 0) & (q_key >= 0) & (m_key[candidate] == q_key)
        chosen = np.where(same, candidate, -1)
    stance = np.full(len(q_key), int(Stance.FREE), dtype=np.int8)
    stance[chosen >= 0] = m_stance[chosen[chosen >= 0]]
    bound = stance != int(Stance.FREE)
    choice = np.asarray(p_choice, dtype=np.int8)[bound]
    verdict = np.where(choice == _NO_CHOICE, Verdict.ABSENT,
                       np.where(choice == stance[bound], Verdict.COMPLIED, Verdict.DEVIATED))
    kept = chosen[bound]
    return Comparison(
        delegates=tuple(names),
        roll_call=np.asarray(p_roll, dtype=np.int64)[bound],
        delegate=np.asarray(p_delegate, dtype=np.int64)[bound],
        mandate=kept.astype(np.int64),
        verdict=verdict.astype(np.int8),
        binding=m_binding[kept],
    )


@dataclass(frozen=True)
class Deviation:
    """A vote against a mandate (or an absence from a binding one's vote) on a delegate's
    scorecard: the roll call, the mandate, and how the delegate voted (``None``: absent)."""

    roll_call: int
    motion: str
    mandate: int
    stance: Stance
    choice: Choice | None
    binding: bool


@dataclass(frozen=True)
class Scorecard:
    """One delegate's verdicts over many roll calls."""

    delegate: str
    counts: Mapping[tuple[Verdict, bool], int]
    deviations: tuple[Deviation, ...]

    def count(self, verdict: Verdict, *, binding: bool) -> int:
        return self.counts.get((verdict, binding), 0)

    @property
    def binding_deviations(self) -> int:
        return self.count(Verdict.DEVIATED, binding=True)


def scorecard(delegate: str, mandates: Sequence[Mandate],
              roll_calls: Sequence[RollCall]) -> Scorecard:
    """``delegate``'s record against their constituents' mandates: how often they complied,
    deviated or were absent, binding and advisory apart, and each deviation."""
    found = compare(mandates, roll_calls, only=(delegate,))
    counts: Counter[tuple[Verdict, bool]] = Counter(
        {k: v for k, v in found.counts().items() if v})
    deviated = np.flatnonzero(found.verdict == Verdict.DEVIATED)
    deviations = []
    for i in deviated.tolist():
        r, m = int(found.roll_call[i]), int(found.mandate[i])
        cast = roll_calls[r].votes.get(delegate)
        deviations.append(Deviation(r, roll_calls[r].motion, m, mandates[m].stance,
                                    cast.choice if cast is not None else None,
                                    bool(found.binding[i])))
    return Scorecard(delegate, counts, tuple(deviations))
