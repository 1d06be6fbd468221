"""When a federation counts its members for seats: the census.

Issue 13 saw an import of 2,000 members into one workplace re-apportion every council's seats
at once: seats followed today's count, so whoever controlled admissions controlled the pyramid
from one day to the next. Seats now follow a *census* the constitution fixes, taken when a
delegates election's roll is frozen (and once when the federation is founded), counting the
members whose changes were recorded by the census, as a roll counts them
(``membership.standing``). Between censuses membership changes move no seat.

``[seats] census`` in the constitution says which day a census counts:

* ``"roll"`` (the default): the roll's own cut-off day;
* a list of yearly dates (``["01-01", "07-01"]``): the latest of them on or before the roll's
  cut-off, so that seats change at most on those days, whenever elections are called.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from communard.constitution.membership import Change, standing

ROLL = "roll"
_MONTH_DAY = re.compile(r"(?P<month>[0-9]{2})-(?P<day>[0-9]{2})")


class CensusError(ValueError):
    """The constitution's ``[seats]`` section is malformed; the message names the field."""


@dataclass(frozen=True)
class CensusRule:
    """Yearly census dates as (month, day), sorted; empty: the census is the roll's cut-off."""

    yearly: tuple[tuple[int, int], ...] = ()

    @property
    def is_roll(self) -> bool:
        return not self.yearly


def parse_census(section: Any, where: str) -> CensusRule:
    """Read ``[seats]`` (``census = "roll"`` or a list of ``"MM-DD"``); errors name the field."""
    if section is None:
        return CensusRule()
    if not isinstance(section, dict):
        raise CensusError(f"{where}: must be a table")
    unknown = set(section) - {"census"}
    if unknown:
        raise CensusError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    value = section.get("census", ROLL)
    if value == ROLL:
        return CensusRule()
    if not isinstance(value, list) or not value:
        raise CensusError(
            f'{where}.census: "roll" or a non-empty list of yearly dates "MM-DD", not {value!r}'
        )
    dates: set[tuple[int, int]] = set()
    for n, item in enumerate(value, start=1):
        match = _MONTH_DAY.fullmatch(item) if isinstance(item, str) else None
        if match is None:
            raise CensusError(f'{where}.census[{n}]: a yearly date "MM-DD", not {item!r}')
        month, day = int(match["month"]), int(match["day"])
        try:
            dt.date(2001, month, day)  # a year without 29 February: every year has the date
        except ValueError:
            raise CensusError(
                f"{where}.census[{n}]: {item!r} is not a day every year has"
            ) from None
        dates.add((month, day))
    return CensusRule(tuple(sorted(dates)))


def census_day(rule: CensusRule, cutoff: dt.date) -> dt.date:
    """The day a census for a roll cut off on ``cutoff`` counts: the cut-off itself, or the
    latest yearly census date on or before it."""
    if rule.is_roll:
        return cutoff
    for year in (cutoff.year, cutoff.year - 1):
        candidates = [dt.date(year, m, d) for m, d in rule.yearly if dt.date(year, m, d) <= cutoff]
        if candidates:
            return max(candidates)
    raise AssertionError("unreachable: every year holds each yearly date")  # pragma: no cover


def members_by_council(changes: Iterable[Change], day: dt.date,
                       end: dt.datetime) -> dict[int, int]:
    """Active members per base council at a census of ``day`` (``end``: the first moment
    after it, in the federation's time zone), by the changes recorded before ``end``."""
    counted: Counter[int] = Counter(
        council for active, council in standing(changes, day, end).values() if active
    )
    return dict(counted)
