"""A poll's ballot box as the counting engine reads it, and its count: what the close records
and what ``verify`` and anyone with the published box recount."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from communard.count import Ballots, count, write_blt
from communard.web.polls.models import Ballot, Poll


def boxed_ballots(poll: Poll) -> list[Ballot]:
    """The poll's ballots by tracking code, compared by code point here (not by the database's
    collation), so the box, its hash and the lot's seed are the same wherever it is rebuilt."""
    return sorted(Ballot.objects.filter(poll=poll), key=lambda b: b.tracking_code)


#: A ballot as the close holds it in memory: its tracking code and its choices.
Opened = tuple[str, Sequence[int]]


def ballot_box(poll: Poll) -> tuple[Ballots, list[Ballot]]:
    ballots = boxed_ballots(poll)
    return _box(poll, [b.choices for b in ballots]), ballots


def _box(poll: Poll, choices: list[Sequence[int]]) -> Ballots:
    labels = list(poll.options.order_by("number").values_list("label", flat=True))
    return Ballots.from_rankings([[n - 1 for n in c] for c in choices], labels,
                                 seats=poll.seats, title=poll.title)


def box_seed(box_sha256: str) -> int:
    """The lot's seed, from the box itself: anyone can recompute it, nobody can choose it after
    seeing the ballots (the elections' rule)."""
    return int(box_sha256[:16], 16)


@dataclass(frozen=True)
class Tally:
    box_sha256: str
    seed: int
    winners: list[int]  # option numbers, 1-based
    sheet: dict[str, Any]
    ballots: int


def tally(poll: Poll, opened: Sequence[Opened] | None = None) -> Tally:
    """Count the poll's box as stored; or, at a sealed poll's close, the ``opened`` ballots
    it has just written in the same transaction, counted in the order the stored box has
    (by tracking code, compared by code point) without reading 100,000 rows back."""
    if opened is None:
        box, stored = ballot_box(poll)
        ballots = len(stored)
    else:
        box = _box(poll, [choices for _, choices in sorted(opened, key=lambda b: b[0])])
        ballots = len(opened)
    box_sha = hashlib.sha256(write_blt(box, poll.seats).encode()).hexdigest()
    seed = box_seed(box_sha)
    if ballots:
        result = count(box, poll.method, poll.seats, seed=seed)
        return Tally(box_sha, seed, [w + 1 for w in result.winners], result.to_dict(),
                     ballots)
    # The counting engine refuses an empty box; nothing to count decides nothing.
    extra = {"yes": 0, "no": 0, "abstain": 0} if poll.method == "yes-no" else {}
    sheet = {"winners": [], "stages": [], "note": "no ballots were cast", "extra": extra}
    return Tally(box_sha, seed, [], sheet, 0)
