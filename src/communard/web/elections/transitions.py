"""The elections' duties on the clock (``web/core/clock.py``): open the polls whose time has come
(number the candidates, call the election's poll and freeze its roll, take the census), close and
count those that have ended (the poll's close, as the polls' own duty runs it: a sealed poll
waits for its tellers; ``elections/poll.py`` seats the winners). Registered when the app is
ready, before the polls' duties: an election due to open and close in one round is opened and
closed in that round."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from communard.constitution.calendar import Transition, due_transitions
from communard.web.core import clock
from communard.web.elections.errors import ElectionError
from communard.web.elections.models import Election
from communard.web.polls.errors import PollError


def _openings_due(now: dt.datetime) -> Iterable[int]:
    return (
        Election.objects.filter(
            closed_at__isnull=True, roll_frozen_at__isnull=True, poll_opens_at__lte=now
        )
        .order_by("poll_opens_at", "pk")
        .values_list("pk", flat=True)
    )


def _closes_due(now: dt.datetime) -> Iterable[int]:
    return (
        Election.objects.filter(closed_at__isnull=True, poll_closes_at__lte=now,
                                poll__isnull=False)
        .order_by("poll_closes_at", "pk")
        .values_list("pk", flat=True)
    )


# The actions are imported when a transition runs, not when the app is ready: every process
# that starts Django would otherwise load them (and their imports) before anything else, the
# sealer process's start-up among them.


def _open(election_id: int, now: dt.datetime) -> bool:
    from communard.web.elections.actions import do_open_poll

    return do_open_poll(Election(pk=election_id), now=now)


def _close(election_id: int, now: dt.datetime) -> bool:
    # Locked and read again inside the clock's transaction: another clock may have closed it
    # since it was found due, and then there is nothing to do.
    from communard.web.elections.poll import close_election_poll

    election = (Election.objects.select_for_update(of=("self",)).select_related("poll")
                .get(pk=election_id))
    if Transition.CLOSE not in due_transitions(election.state(), now) or election.poll is None:
        return False
    if election.poll.closed_at is not None:
        # Its poll was counted, yet the election's row says open: changed behind the record's
        # back (closed_at cleared). Refused, naming the count, never counted again.
        from communard.web.elections.actions import _refuse_second_close

        _refuse_second_close(election)
    return close_election_poll(election.poll, now)


def _duty(done: str, find_due: Callable[[dt.datetime], Iterable[int]],
          run: Callable[[int, dt.datetime], bool]) -> clock.Duty:
    return clock.Duty(done=done, find_due=find_due, run=run,
                      subject=lambda pk: f"election {pk}", refusals=(ElectionError, PollError))


OPEN_POLLS = _duty("poll(s) opened", _openings_due, _open)
CLOSE_ELECTIONS = _duty("election(s) closed", _closes_due, _close)


def register() -> None:
    # Polls open before elections close: a poll that ended before its roll was frozen is
    # frozen first (the close would freeze it too, in its own transaction).
    clock.register(OPEN_POLLS)
    clock.register(CLOSE_ELECTIONS)
