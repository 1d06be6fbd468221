"""The counts of the questions that are not rankings: yes/no(/abstain), and choose-n.

A **yes/no** box has two options, Yes (1) and No (2), or three with Abstain (3), in that order;
each ballot names one of them (a blank ballot names none and counts for nothing). The count
adds them up; whether the question *passes* is not the count's business but the constitution's
majority rule and turnout floor (``communard.constitution.majority.decide``), so one recorded
tally can be judged by any rule. The result's winner is the side with more votes (none on a
tie), and ``extra`` holds the three totals.

A **choose-n** box is approval voting with at most n choices on a ballot (n = the seats): the n
options approved on most ballots win, a tie for the last place by the same seeded lot as
plurality and approval. A ballot with more than n choices is refused, naming the ballot.

Both keep the :class:`~communard.count.result.Result` shape of every other method, so the
published box recounts with ``communard count --method yes-no`` or ``--method choose-n``.
"""

from __future__ import annotations

import numpy as np

from communard.count.ballots import Ballots
from communard.count.errors import CountError
from communard.count.result import Result, Stage
from communard.count.simple import _by_votes, approvals, first_preferences
from communard.count.stv import _seats

YES, NO, ABSTAIN = 0, 1, 2


def _refuse_longer_than(ballots: Ballots, most: int, what: str) -> None:
    """Refuse the first ballot naming more than ``most`` options, by its 1-based number."""
    lengths = np.diff(ballots.rankings.starts) - 1  # each ranking ends in one padding entry
    over = np.flatnonzero(lengths > most)
    if over.size:
        n = int(over[0])
        raise CountError(
            f"ballot {n + 1} names {int(lengths[n])} options; {what} names at most {most}"
        )


def yes_no(ballots: Ballots, seats: int | None = None, *, seed: int = 0) -> Result:
    """Total the yes, no and abstain votes of a yes/no box (``seats``, if given, must be 1)."""
    if ballots.n_candidates not in (2, 3):
        raise CountError(
            f"a yes/no box has 2 options (Yes, No) or 3 (Yes, No, Abstain), not {ballots.n_candidates}"
        )
    if seats not in (None, 1):
        raise CountError(f"a yes/no question decides one thing, not {seats} seats")
    ballots.contenders()  # refuses a box in which every option withdrew, as every method does
    if ballots.withdrawn:
        raise CountError("a yes/no question's options cannot be withdrawn")
    _refuse_longer_than(ballots, 1, "a yes/no ballot")
    votes = first_preferences(ballots)
    yes, no = votes[YES], votes[NO]
    abstain = votes[ABSTAIN] if ballots.n_candidates == 3 else 0
    winners = (YES,) if yes > no else (NO,) if no > yes else ()
    return Result(
        method="yes-no",
        candidates=ballots.candidates,
        seats=1,
        winners=winners,
        seed=seed,
        valid_poll=ballots.total,
        stages=(Stage(1, "count", (), tuple(votes), tuple(votes), elected=winners),),
        withdrawn=tuple(sorted(ballots.withdrawn)),
        title=ballots.title,
        extra={"yes": yes, "no": no, "abstain": abstain},
    )


def choose_n(ballots: Ballots, seats: int | None = None, *, seed: int = 0) -> Result:
    """The ``seats`` options approved on most ballots, each ballot approving at most ``seats``."""
    s = _seats(ballots, seats) if seats is not None or ballots.seats else 1
    ballots.contenders()  # every option withdrawn: refused first, as every method does
    _refuse_longer_than(ballots, s, f"a choose-{s} ballot")
    return _by_votes("choose-n", ballots, approvals(ballots), s, seed)


__all__ = ["ABSTAIN", "NO", "YES", "choose_n", "yes_no"]
