"""Meek STV, as used in New Zealand local elections (Local Electoral Regulations 2001,
schedule 1A; Hill, Wichmann & Woodall, *Algorithm 123*, 1987).

Arithmetic is fixed point with nine decimal places, as in the New Zealand rules: a candidate
receives a ballot's remaining value times its keep value, rounded down; keep values are rounded
up; the quota is the active vote divided by (seats + 1), truncated, plus 10^-9. Each stage
iterates the keep values until the elected candidates' surpluses total less than 0.00001 vote,
then elects everyone at or above the quota, or else excludes the lowest hopeful candidate.
"""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt

from communard.count._ties import break_tie
from communard.count.ballots import Ballots
from communard.count.errors import CountError
from communard.count.result import Lot, Result, Stage
from communard.count.stv import _seats

SCALE = 10**9
TOLERANCE = 10**4  # 0.00001 vote, in units of 10^-9
MAX_ITERATIONS = 10_000


def meek_stv(ballots: Ballots, seats: int | None = None, *, seed: int = 0) -> Result:
    s = _seats(ballots, seats)
    b = ballots.group()
    total = b.total
    if total <= 0:
        raise CountError("the ballot box is empty")
    if total * SCALE >= 2**53:
        raise CountError("Meek STV here counts at most 9 million ballots")
    n = b.n_candidates
    flat = b.rankings.prefs.astype(np.intp)
    first = b.rankings.starts[:-1].astype(np.intp)
    w = b.weights.astype(np.int64)
    keep = np.full(n + 1, SCALE, dtype=np.int64)
    keep[n] = 0  # padding (index -1) keeps nothing: the remainder is exhausted
    hopeful = b.contenders()  # in candidate order, kept so as candidates leave
    is_hopeful = np.zeros(n, dtype=bool)
    is_hopeful[hopeful] = True
    for c in b.withdrawn:
        keep[c] = 0
    elected: list[int] = []
    excluded: list[int] = []
    stages: list[Stage] = []
    lots: list[Lot] = []
    history: list[tuple[int, ...]] = []
    since = [0] * n  # the stage since which each candidate's votes have been what they are now
    rng = random.Random(seed)
    prev_vec = np.zeros(n, dtype=np.int64)
    prev_exhausted = prev_lost = 0

    def distribute() -> tuple[list[int], npt.NDArray[np.int64], int]:
        # Walk each ranking only while it still has value to pass on (a hopeful candidate keeps
        # all of it), so the work follows the preferences actually used, not the longest ballot.
        rem = np.full(first.size, SCALE, dtype=np.int64)
        votes = np.zeros(n + 1, dtype=np.float64)  # exact: every sum is below 2^53 (see above)
        act = np.arange(first.size, dtype=np.intp)
        p = first.copy()
        while act.size:
            c = flat[p]
            r = rem[act]
            give = r * keep[c] // SCALE  # keep[-1], the padding, is 0
            votes += np.bincount(c + 1, weights=(give * w[act]).astype(np.float64), minlength=n + 1)
            r -= give
            rem[act] = r
            more = (r > 0) & (c >= 0)
            act, p = act[more], p[more] + 1
        exhausted = int((rem * w).sum())
        exact = votes[1:].astype(np.int64)
        return exact.tolist(), exact, exhausted

    def tie(group: list[int], highest: bool, purpose: str) -> int:
        return break_tie(
            group,
            history,
            highest=highest,
            purpose=purpose,
            stage=len(stages),
            rng=rng,
            lots=lots,
            since=since,
        )

    quota = 0
    action: str = "first-preferences"
    subject: tuple[int, ...] = ()
    while True:
        iterations = 0
        while True:
            votes, vec, exhausted = distribute()
            quota = (total * SCALE - exhausted) // (s + 1) + 1
            iterations += 1
            surplus = sum(max(votes[c] - quota, 0) for c in elected)
            if (
                not elected
                or surplus < TOLERANCE
                or bool((vec[is_hopeful] >= quota).any())
                or iterations >= MAX_ITERATIONS
            ):
                break
            for c in elected:
                keep[c] = -(-int(keep[c]) * quota // votes[c])  # rounded up
        for c in np.flatnonzero(vec != prev_vec).tolist():
            since[c] = len(history)
        history.append(tuple(votes))
        lost = total * SCALE - sum(votes) - exhausted
        reached = np.flatnonzero(is_hopeful & (vec >= quota)).tolist()  # in hopeful's order
        order: list[int] = []
        rest = list(reached)
        while rest:
            top = max(votes[c] for c in rest)
            tied = [c for c in rest if votes[c] == top]
            pick = tied[0] if len(tied) == 1 else tie(tied, True, "election-order")
            order.append(pick)
            rest.remove(pick)
        for c in order:
            hopeful.remove(c)
            is_hopeful[c] = False
            elected.append(c)
        note = f"{iterations} iteration(s); keep values " + ", ".join(
            f"{c + 1}:{keep[c] / SCALE:.9f}" for c in elected
        )
        vacancies = s - len(elected)
        if vacancies > 0 and len(hopeful) <= vacancies:
            order += sorted(hopeful, key=lambda c: -votes[c])
            elected.extend(sorted(hopeful, key=lambda c: -votes[c]))
            hopeful = []
            is_hopeful[:] = False
            note += "; the remaining hopefuls fill the remaining seats"
        stages.append(
            Stage(
                len(stages) + 1,
                action,
                subject,
                tuple(votes),
                tuple((vec - prev_vec).tolist()),
                exhausted - prev_exhausted,  # stage quantities are changes, as in STV sheets
                lost - prev_lost,
                tuple(order),
                subject if action == "exclusion" else (),
                (),
                note,
            )
        )
        prev_vec, prev_exhausted, prev_lost = vec, exhausted, lost
        if len(elected) >= s or not hopeful:
            break
        if order:
            action, subject = "iteration", ()
            continue
        low = int(vec[is_hopeful].min())
        tied = np.flatnonzero(is_hopeful & (vec == low)).tolist()
        x = tied[0] if len(tied) == 1 else tie(tied, False, "exclusion")
        hopeful.remove(x)
        is_hopeful[x] = False
        excluded.append(x)
        keep[x] = 0
        action, subject = "exclusion", (x,)
    return Result(
        method="meek-stv",
        candidates=b.candidates,
        seats=s,
        winners=tuple(elected[:s]),
        seed=seed,
        valid_poll=total * SCALE,
        scale=SCALE,
        quota=quota,
        stages=tuple(stages),
        lots=tuple(lots),
        withdrawn=tuple(sorted(b.withdrawn)),
        title=b.title,
    )
