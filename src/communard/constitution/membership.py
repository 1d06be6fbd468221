"""Membership in time: a change counts from when it was *recorded*, not from the date it claims.

Issue 13 saw members imported "admitted 60 days ago" land on a roll whose cut-off had passed, and
an expulsion dated before a cut-off silently take a member off a frozen roll. The rule here: a
membership change counts for a roll only if it was recorded by the end of the roll's cut-off day
*and* claims a date on or before it. A claimed date may lie at most ``backdate_days`` before the
day of recording (the constitution's grace window) and then shows as backdated; the founding
import of a federation is the one exception, and says so on the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from communard.constitution.permissions import Refusal

ADMITTED, TRANSFERRED, LAPSED, EXPELLED = "admitted", "transferred", "lapsed", "expelled"


@dataclass(frozen=True)
class Change:
    """One step of a member's history, as the roll sees it."""

    member: int
    kind: str  # admitted | transferred | lapsed | expelled
    council: int  # the base council the member is in after the change
    on: dt.date  # the date the change claims
    recorded_at: dt.datetime  # when it went on the record (aware)
    order: int = 0  # ties on one day: the order the changes were recorded in


def backdating_refusal(on: dt.date, recorded_day: dt.date, grace_days: int) -> Refusal | None:
    """A change claiming ``on`` recorded on ``recorded_day``: allowed within the grace window."""
    earliest = recorded_day - dt.timedelta(days=grace_days)
    if on < earliest:
        return Refusal(
            "backdated-beyond-window",
            f"the date {on.isoformat()} is more than {grace_days} day(s) before today "
            f"({recorded_day.isoformat()}); the constitution allows changes to be dated back "
            f"to {earliest.isoformat()} at the earliest",
        )
    return None


def is_backdated(on: dt.date, recorded_day: dt.date) -> bool:
    return on < recorded_day


def counts_for_roll(change: Change, cutoff: dt.date, cutoff_end: dt.datetime) -> bool:
    """Whether a change is part of the membership a roll with this cut-off freezes."""
    return change.on <= cutoff and change.recorded_at < cutoff_end


def standing(changes: Iterable[Change], cutoff: dt.date,
             cutoff_end: dt.datetime) -> dict[int, tuple[bool, int]]:
    """Each member's state by the changes that count at this cut-off: member → (active, base
    council). A roll and a census both read membership this way."""
    counted = sorted(
        (c for c in changes if counts_for_roll(c, cutoff, cutoff_end)),
        key=lambda c: (c.member, c.on, c.recorded_at, c.order),
    )
    state: dict[int, tuple[bool, int]] = {}  # member → (active, council)
    for c in counted:
        if c.kind in (ADMITTED, TRANSFERRED):
            state[c.member] = (True, c.council)
        elif c.kind in (LAPSED, EXPELLED):
            state[c.member] = (False, state.get(c.member, (False, c.council))[1])
    return state


def roll(changes: Iterable[Change], councils: set[int], cutoff: dt.date,
         cutoff_end: dt.datetime) -> set[int]:
    """The members on a roll: active, in one of ``councils``, by the changes that count for it
    (``cutoff_end``: the first moment after the cut-off day, in the federation's time zone)."""
    state = standing(changes, cutoff, cutoff_end)
    return {m for m, (active, council) in state.items() if active and council in councils}


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The first moment after ``day`` in time zone ``tz``."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
