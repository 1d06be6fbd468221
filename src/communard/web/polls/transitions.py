"""The polls' duties on the clock (``web/core/clock.py``): freeze the rolls of polls whose
time has come, close and decide those that have ended. Registered when the app is ready."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from communard.constitution.calendar import Transition, due_transitions
from communard.web.core import clock
from communard.web.polls.errors import PollError
from communard.web.polls.models import Poll


def _openings_due(now: dt.datetime) -> Iterable[int]:
    return (Poll.objects.filter(closed_at__isnull=True, roll_frozen_at__isnull=True,
                                opens_at__lte=now)
            .order_by("opens_at", "pk").values_list("pk", flat=True))


def _closes_due(now: dt.datetime) -> Iterable[int]:
    return (Poll.objects.filter(closed_at__isnull=True, closes_at__lte=now)
            .order_by("closes_at", "pk").values_list("pk", flat=True))


# The actions load when a transition runs, not when Django starts (as the elections' do).


def _open(poll_id: int, now: dt.datetime) -> bool:
    from communard.web.polls.actions.open import do_open_poll

    return do_open_poll(poll_id, now=now)


def _close(poll_id: int, now: dt.datetime) -> bool:
    from communard.web.polls.actions.close import do_close_poll
    from communard.web.polls.closing import AwaitingTellers, ensure_closing_key, is_sealed

    poll = Poll.objects.select_for_update().get(pk=poll_id)
    if Transition.CLOSE not in due_transitions(poll.state(), now):
        return False  # another clock closed it since it was found due
    if is_sealed(poll):
        # The closing key commits whatever the close does: tellers hand in to it (issue 16).
        ensure_closing_key(poll)
        try:
            with transaction.atomic():
                do_close_poll(poll, now=now)
        except AwaitingTellers:
            return False  # closed and uncounted until t tellers have handed in
        return True
    do_close_poll(poll, now=now)
    return True


#: The polls' close as the clock runs it, for a purpose whose own duty closes its polls (the
#: elections'): a sealed poll waits for its tellers.
close_due_poll = _close

OPEN_POLLS = clock.Duty(done="poll roll(s) frozen", find_due=_openings_due, run=_open,
                        subject=lambda pk: f"poll {pk}", refusals=(PollError,))
CLOSE_POLLS = clock.Duty(done="poll(s) closed", find_due=_closes_due, run=_close,
                         subject=lambda pk: f"poll {pk}", refusals=(PollError,))


def register() -> None:
    clock.register(OPEN_POLLS)
    clock.register(CLOSE_POLLS)
