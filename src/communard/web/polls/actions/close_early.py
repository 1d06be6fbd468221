"""A roll call closed before its calendar's end (issue 17): by whoever its purpose names (the
presiding member, for a motion), at any time after it opened; or by the clock once everyone on
its roll has voted. The early close is recorded first (``poll.closed_early``: who, when, how
many had voted), then the poll is counted by the ordinary close in the same transaction: the
close accepts an early count only when the record holds that entry, and ``verify`` accepts a
``closed_at`` before ``closes_at`` only with it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from communard.constitution.permissions import (
    Actor,
    ClockActor,
    check,
    may_close_poll_early,
)
from communard.record.kinds import POLL_CLOSED_EARLY
from communard.web.core.actors import record_name
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.actions.common import locked, ref
from communard.web.polls.early_close import purpose_permits
from communard.web.polls.models import Mark, Poll, Result
from communard.web.records import services as record


def is_open_at(poll: Poll, now: dt.datetime) -> bool:
    return (poll.closed_at is None and poll.roll_frozen_at is not None
            and poll.opens_at <= now < poll.closes_at)


def do_close_early(poll: Poll | int, *, actor: Actor, now: dt.datetime | None = None) -> Result:
    """Close an open roll call now and count it; refused (``NotAllowed``, nothing changed) for
    a secret poll, a poll not open, an actor its purpose does not name, or the clock before
    everyone has voted."""
    now = now or timezone.now()
    with transaction.atomic():
        poll = locked(poll)
        marks = Mark.objects.filter(entry__poll=poll).count()
        voters = poll.roll_size or 0
        check(may_close_poll_early(
            actor, secret=poll.secret, voters=poll.voters, is_open=is_open_at(poll, now),
            all_voted=voters > 0 and marks >= voters, purpose=purpose_permits(poll, actor)))
        record.append(POLL_CLOSED_EARLY, {
            **ref(poll), "reason": "all-voted" if isinstance(actor, ClockActor) else "presiding",
            "at": now.isoformat(), "marks": marks, "voters": voters,
        }, actor=record_name(actor))
        return do_close_poll(poll, now=now)
