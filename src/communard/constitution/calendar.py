"""An election's calendar, and which of its transitions are due: pure functions.

The constitution's periods (``[elections] nomination_days``, ``poll_days``) are **minimums**: a
call may give members longer to nominate or to vote, never less. A call names up to three times
(nominations open, the poll opens, the poll closes); a time left out follows the periods, so an
election called with no times runs for exactly the minimums. The roll's cut-off is fixed by the
poll's opening day (``[eligibility] cutoff_days`` before it, in the federation's time zone).

:func:`plan_calendar` returns either the calendar or a refusal naming the rule broken, so the
caller (a command, a page, a test) can show the reason and change nothing.

:func:`due_transitions` says which transitions an election's state needs at a given time; the
clock (``communard tick`` and the server's loop) runs exactly those, and nothing else does: a page
or a ballot never opens or closes a poll.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import ClassVar

from communard.constitution.rules import Constitution

__all__ = [
    "CalendarOutOfOrder",
    "CalendarRefusal",
    "ElectionCalendar",
    "ElectionState",
    "NominationPeriodTooShort",
    "NominationsOpenBeforeCall",
    "PeriodTooShort",
    "Phase",
    "PollPeriodTooShort",
    "RollAfterOpening",
    "TimeWithoutZone",
    "Transition",
    "due_transitions",
    "phase_at",
    "plan_calendar",
    "poll_calendar_refusal",
]


@dataclass(frozen=True)
class ElectionCalendar:
    """When an election's nominations open and its poll opens and closes, and its roll's cut-off
    (members admitted on or before that day vote)."""

    nominations_open_at: dt.datetime
    poll_opens_at: dt.datetime
    poll_closes_at: dt.datetime
    roll_cutoff: dt.date


@dataclass(frozen=True)
class CalendarRefusal:
    """Why a requested calendar is refused; ``str()`` is the reason shown to whoever called."""

    #: The constitution's setting (or the rule of the calendar) that the request breaks.
    rule: str = ""

    def __str__(self) -> str:  # pragma: no cover - every refusal below says its own reason
        return f"the calendar breaks {self.rule}"


@dataclass(frozen=True)
class TimeWithoutZone(CalendarRefusal):
    field: str = ""
    rule: str = "times carry their time zone"

    def __str__(self) -> str:
        return f"{self.field} has no time zone"


@dataclass(frozen=True)
class CalendarOutOfOrder(CalendarRefusal):
    rule: str = "nominations open ≤ poll opens < poll closes"

    def __str__(self) -> str:
        return f"the calendar must run: {self.rule}"


@dataclass(frozen=True)
class NominationsOpenBeforeCall(CalendarRefusal):
    """Nominations opening before the call would count days nobody could nominate in."""

    called_at: dt.datetime | None = None
    rule: str = "nominations open no earlier than the election is called"

    def __str__(self) -> str:
        return f"nominations cannot open before the election is called ({self.called_at:%Y-%m-%d %H:%M %Z})"


@dataclass(frozen=True)
class PeriodTooShort(CalendarRefusal):
    """A period shorter than the constitution's minimum ``rule`` (a whole number of days)."""

    given: dt.timedelta = dt.timedelta(0)
    required_days: int = 0
    #: How the reason names the period.
    period: ClassVar[str] = "the period"

    def __str__(self) -> str:
        return (
            f"{self.period} {_span(self.given)}; the constitution "
            f"({self.rule} = {self.required_days}) requires at least {self.required_days} day(s)"
        )


@dataclass(frozen=True)
class NominationPeriodTooShort(PeriodTooShort):
    rule: str = "elections.nomination_days"
    period: ClassVar[str] = "the nomination period is"


@dataclass(frozen=True)
class PollPeriodTooShort(PeriodTooShort):
    rule: str = "elections.poll_days"
    period: ClassVar[str] = "the poll is open for"


def _span(delta: dt.timedelta) -> str:
    """A period as people say it: whole days where it is whole days, else days and hours."""
    if delta % dt.timedelta(days=1) == dt.timedelta(0):
        return f"{delta.days} day(s)"
    hours = delta / dt.timedelta(hours=1)
    return f"{hours:.1f} hour(s)" if hours < 48 else f"{hours / 24:.1f} days"


def _is_aware(t: dt.datetime) -> bool:
    return t.tzinfo is not None and t.utcoffset() is not None


def plan_calendar(
    constitution: Constitution,
    time_zone: dt.tzinfo,
    *,
    called_at: dt.datetime,
    nominations_open_at: dt.datetime | None = None,
    poll_opens_at: dt.datetime | None = None,
    poll_closes_at: dt.datetime | None = None,
) -> ElectionCalendar | CalendarRefusal:
    """The calendar of an election called at ``called_at``, or why the request is refused.

    Nominations open at the call unless a later time is given; a poll time left out is the
    minimum period after the time before it. ``time_zone`` is the federation's: the roll's
    cut-off is a day in it."""
    periods = constitution.elections
    for name, value in (
        ("the time of the call", called_at),
        ("nominations open", nominations_open_at),
        ("the poll opens", poll_opens_at),
        ("the poll closes", poll_closes_at),
    ):
        if value is not None and not _is_aware(value):
            return TimeWithoutZone(field=name)
    nominations = nominations_open_at if nominations_open_at is not None else called_at
    minimum_nominations = dt.timedelta(days=periods.nomination_days)
    minimum_poll = dt.timedelta(days=periods.poll_days)
    opens = poll_opens_at if poll_opens_at is not None else nominations + minimum_nominations
    closes = poll_closes_at if poll_closes_at is not None else opens + minimum_poll
    if not nominations <= opens < closes:
        return CalendarOutOfOrder()
    if nominations < called_at:
        return NominationsOpenBeforeCall(called_at=called_at)
    if opens - nominations < minimum_nominations:
        return NominationPeriodTooShort(
            given=opens - nominations, required_days=periods.nomination_days
        )
    if closes - opens < minimum_poll:
        return PollPeriodTooShort(given=closes - opens, required_days=periods.poll_days)
    cutoff = opens.astimezone(time_zone).date() - dt.timedelta(days=constitution.cutoff_days)
    return ElectionCalendar(
        nominations_open_at=nominations,
        poll_opens_at=opens,
        poll_closes_at=closes,
        roll_cutoff=cutoff,
    )


# --------------------------------------------------------------------------- what is due when


class Transition(enum.Enum):
    """The changes of state an election goes through on the clock, in this order."""

    #: The poll opens: the roll is frozen, the accepted candidates numbered, other nominations
    #: lapse.
    OPEN_POLL = "open_poll"
    #: The poll closes: the ballots are counted, the result recorded, the winners seated.
    CLOSE = "close"


class Phase(enum.Enum):
    SCHEDULED = "scheduled"
    NOMINATIONS = "nominations"
    #: The poll's time has come but the clock has not frozen the roll yet: nobody votes until it
    #: has, so every ballot is cast against the same frozen roll.
    OPENING = "opening"
    POLL = "poll"
    #: The poll has ended but the clock has not counted it yet.
    DUE = "due"
    CLOSED = "closed"


@dataclass(frozen=True)
class ElectionState:
    """What the clock needs to know of an election."""

    nominations_open_at: dt.datetime
    poll_opens_at: dt.datetime
    poll_closes_at: dt.datetime
    roll_frozen: bool
    closed: bool


def due_transitions(state: ElectionState, now: dt.datetime) -> tuple[Transition, ...]:
    """The transitions the election needs at ``now``, in the order they must run. A closed
    election needs none; a poll that ended before its roll was frozen needs both (the close
    counts against the roll as it stood at the cut-off, like any other)."""
    if state.closed:
        return ()
    due: list[Transition] = []
    if not state.roll_frozen and now >= state.poll_opens_at:
        due.append(Transition.OPEN_POLL)
    if now >= state.poll_closes_at:
        due.append(Transition.CLOSE)
    return tuple(due)


def phase_at(state: ElectionState, now: dt.datetime) -> Phase:
    """Where the election stands at ``now``. Ballots are accepted only in ``POLL``: after the
    roll is frozen and before the poll's end, whether or not the clock has run since."""
    if state.closed:
        return Phase.CLOSED
    if now >= state.poll_closes_at:
        return Phase.DUE
    if now >= state.poll_opens_at:
        return Phase.POLL if state.roll_frozen else Phase.OPENING
    if now >= state.nominations_open_at:
        return Phase.NOMINATIONS
    return Phase.SCHEDULED


# --------------------------------------------------------------------------- a poll's calendar


@dataclass(frozen=True)
class RollAfterOpening(CalendarRefusal):
    """A roll cut off after the poll opens would let whoever is admitted meanwhile vote in a
    poll already running (the mass intake before a decisive vote)."""

    rule: str = "the roll's cut-off ≤ the poll opens < the poll closes"

    def __str__(self) -> str:
        return f"the roll must be cut off no later than the poll opens ({self.rule})"


def poll_calendar_refusal(
    opens_at: dt.datetime, closes_at: dt.datetime, roll_at: dt.datetime
) -> CalendarRefusal | None:
    """Why a poll's calendar cannot be held, or None. Polls other than elections have no
    nomination period; their minimum periods are the calling purpose's rules (a recall's, a
    motion's), checked by that purpose before it calls."""
    for name, value in (("the poll opens", opens_at), ("the poll closes", closes_at),
                        ("the roll's cut-off", roll_at)):
        if not _is_aware(value):
            return TimeWithoutZone(field=name)
    if not opens_at < closes_at:
        return CalendarOutOfOrder(rule="the poll opens < the poll closes")
    if roll_at > opens_at:
        return RollAfterOpening()
    return None
