"""Which polls close before their calendar's end (issue 17), by their purpose: the purpose's
app says who may close them early (for a motion, the presiding member of its meeting).

    from communard.web.polls.early_close import closes_early

    @closes_early("motion")
    def presiding_closes(poll: Poll, actor: Actor) -> Refusal | None:
        ...  # None: this actor may close this poll early

A purpose with no rule runs its calendar: its polls are never closed early, not even when
everyone has voted (a recall's roll keeps its whole period). The rule is asked for every actor,
the clock included (its early close, once everyone on the roll has voted, needs the purpose's
consent too). ``constitution.permissions.may_close_poll_early`` decides the rest.

The clock's duty here closes a roll call whose roll has all voted; it runs after the ordinary
closes (``transitions``), in the same ticks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, F

from communard.constitution.permissions import Actor, ClockActor, NotAllowed, Refusal
from communard.web.core import clock
from communard.web.polls.errors import PollError

if TYPE_CHECKING:
    from communard.web.polls.models import Poll

Rule = Callable[["Poll", Actor], Refusal | None]

_rules: dict[str, Rule] = {}


def closes_early(purpose: str) -> Callable[[Rule], Rule]:
    """Register the decorated function as who may close a poll of ``purpose`` early. One rule
    per purpose: a second, different one is a programming error, refused at start-up."""

    def register(rule: Rule) -> Rule:
        known = _rules.get(purpose)
        if known is not None and known is not rule:
            raise ValueError(f"polls of purpose {purpose!r} already have an early-close rule: "
                             f"{known!r}")
        _rules[purpose] = rule
        return rule

    return register


def purpose_permits(poll: Poll, actor: Actor) -> Refusal | None:
    """The purpose's answer for this actor; a purpose without a rule runs its calendar."""
    rule = _rules.get(poll.purpose)
    if rule is None:
        return Refusal("poll-purpose-runs-its-calendar",
                       f"polls of purpose {poll.purpose!r} run their calendar: they are never "
                       "closed early")
    return rule(poll, actor)


def _all_voted_due(now: dt.datetime) -> Iterable[int]:
    """Open roll calls of a purpose that closes early whose every voter has voted."""
    from communard.web.polls.models import Poll

    return (Poll.objects.filter(closed_at__isnull=True, secret=False,
                                roll_frozen_at__isnull=False, opens_at__lte=now,
                                closes_at__gt=now, purpose__in=sorted(_rules), roll_size__gt=0)
            .annotate(voted=Count("roll__mark")).filter(voted=F("roll_size"))
            .order_by("pk").values_list("pk", flat=True))


def _close_all_voted(poll_id: int, now: dt.datetime) -> bool:
    from communard.web.polls.actions.close_early import do_close_early
    from communard.web.polls.models import Poll

    if Poll.objects.filter(pk=poll_id, closed_at__isnull=False).exists():
        return False  # another clock closed it since it was found due
    do_close_early(poll_id, actor=ClockActor(), now=now)
    return True


CLOSE_ALL_VOTED = clock.Duty(done="roll call(s) closed: everyone had voted",
                             find_due=_all_voted_due, run=_close_all_voted,
                             subject=lambda pk: f"poll {pk}", refusals=(PollError, NotAllowed))


def register() -> None:
    clock.register(CLOSE_ALL_VOTED)
