"""The poll opens: its roll is frozen. Run by the clock once the opening time has come."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from communard.constitution.calendar import Transition, due_transitions
from communard.record.kinds import POLL_ROLL_FROZEN
from communard.web.polls.actions.common import locked, on_record, ref
from communard.web.polls.errors import PollError, WrongPhase
from communard.web.polls.models import Poll, RollEntry, Voters
from communard.web.polls.roll import delegate_roll, member_roll, roll_digest
from communard.web.polls.sealed import seal_poll
from communard.web.records import services as record


def do_open_poll(poll: Poll | int, *, now: dt.datetime | None = None) -> bool:
    """Freeze the roll; True if it was frozen now, False if another clock was first."""
    now = now or timezone.now()
    with transaction.atomic():
        poll = locked(poll)
        if Transition.OPEN_POLL not in due_transitions(poll.state(), now):
            if poll.roll_frozen_at is None and poll.closed_at is None:
                raise WrongPhase(f"the poll opens {poll.opens_at:%Y-%m-%d %H:%M %Z}, not before")
            return False
        freeze_roll(poll, now)
        seal_poll(poll)  # a secret poll's key, its tellers' shares dealt sealed (issue 16)
    return True


def freeze_roll(poll: Poll, now: dt.datetime) -> None:
    """Freeze a locked poll's roll, once: a roll on file or on the record is never frozen
    again, whatever the row's ``roll_frozen_at`` says."""
    on_file = RollEntry.objects.filter(poll=poll).exists()
    where = None if on_file else on_record(POLL_ROLL_FROZEN, poll)
    if on_file or where is not None:
        evidence = "its entries are on file" if on_file else f"the record's {where} froze it"
        raise PollError(f"the roll of poll {poll.pk} was frozen already ({evidence}); its row "
                        "was changed behind the record's back")
    if poll.voters == Voters.DELEGATES:
        ids = delegate_roll(poll.electorate, poll.roll_at)
    else:
        ids = member_roll(poll.electorate, poll.roll_at, day=poll.roll_day)
    RollEntry.objects.bulk_create([RollEntry(poll=poll, member_id=i) for i in ids],
                                  batch_size=5000)
    digest = roll_digest(ids)
    Poll.objects.filter(pk=poll.pk).update(roll_frozen_at=now, roll_size=len(ids),
                                           roll_commitment=digest)
    poll.roll_frozen_at, poll.roll_size, poll.roll_commitment = now, len(ids), digest
    record.append(POLL_ROLL_FROZEN, {**ref(poll), "voters": len(ids), "members_sha256": digest},
                  actor="clock")
