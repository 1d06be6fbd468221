"""A poll's ballot box as the counting engine reads it, and its count: what the close records
and what ``verify`` and anyone with the published box recount."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from communard.count import Ballots, count, write_blt
from communard.web.polls.models import Ballot, Poll


def boxed_ballots(poll: Poll) -> list[Ballot]:
    """The poll's ballots by tracking code, compared by code point here (not by the database's
    collation), so the box, its hash and the lot's seed are the same wherever it is rebuilt."""
    return sorted(Ballot.objects.filter(poll=poll), key=lambda b: b.tracking_code)


def ballot_box(poll: Poll) -> tuple[Ballots, list[Ballot]]:
    labels = list(poll.options.order_by("number").values_list("label", flat=True))
    ballots = boxed_ballots(poll)
    box = Ballots.from_rankings([[n - 1 for n in b.choices] for b in ballots], labels,
                                seats=poll.seats, title=poll.title)
    return box, ballots


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


def tally(poll: Poll) -> Tally:
    box, ballots = ballot_box(poll)
    box_sha = hashlib.sha256(write_blt(box, poll.seats).encode()).hexdigest()
    seed = box_seed(box_sha)
    if ballots:
        result = count(box, poll.method, poll.seats, seed=seed)
        return Tally(box_sha, seed, [w + 1 for w in result.winners], result.to_dict(),
                     len(ballots))
    # The counting engine refuses an empty box; nothing to count decides nothing.
    extra = {"yes": 0, "no": 0, "abstain": 0} if poll.method == "yes-no" else {}
    sheet = {"winners": [], "stages": [], "note": "no ballots were cast", "extra": extra}
    return Tally(box_sha, seed, [], sheet, 0)
