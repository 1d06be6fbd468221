"""An election's vote is a poll (issue 15): one poll machinery for every vote.

The election keeps what only elections have (the calendar with nominations, the candidacies,
the seats it fills, the census at the roll's freeze, seating the winners, vacancies and
countbacks). The vote itself is a poll of ``web/polls``: purpose ``"election"``, subject
``"election:<id>"``, a ranked question counted by the election's method for its seats, one
option per candidate standing in ballot-number order, secret, the members of the constituency
voting. :func:`open_election_poll` calls it and freezes its roll when the election's poll
opens; ballots are cast through the one cast action (``polls.actions.cast.do_cast``); the
poll's close (sealed when tellers were drawn: they hand in, the box is opened, shuffled and
counted) runs :func:`election_decided`, which records ``election.closed`` and seats the winners
in the same transaction.

*Why options are labelled "candidate 1" … and not with names:* the labels go onto the record
(``poll.called``), and the record names people only by salted commitments; the election's
``election.roll_frozen`` entry says, by commitment, which member each number is, and the
election's pages show the names.

*The roll* is the elections' rule (``elections/roll.py``): members active beneath the
constituency by the changes recorded before the end of the cut-off day and claiming a day on or
before it. The poll holds it as ``roll_at`` (that end, or the poll's opening if earlier: a
cut-off on the opening day itself never lets in a change recorded after the poll opened) and
``roll_day`` (the cut-off day).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.db import transaction

from communard.constitution.membership import end_of_day
from communard.constitution.permissions import ClockActor
from communard.record.kinds import ELECTION_CLOSED
from communard.web.polls.actions.call import PollSpec, do_call_poll
from communard.web.polls.actions.close import sheet_sha256
from communard.web.polls.actions.open import freeze_roll
from communard.web.polls.models import Poll, Result
from communard.web.polls.outcomes import on_close
from communard.web.polls.sealed import seal_poll
from communard.web.records import services as record

if TYPE_CHECKING:
    from communard.web.elections.models import Election

PURPOSE = "election"
_SUBJECT = "election:"


def subject_of(election: Election) -> str:
    return f"{_SUBJECT}{election.pk}"


def option_label(number: int) -> str:
    return f"candidate {number}"


def election_poll_spec(election: Election, standing: int) -> PollSpec:
    """The poll an election votes in, with ``standing`` candidates numbered 1…standing."""
    federation = election.federation
    rule = federation.constitution.polls.for_purpose(PURPOSE)
    cutoff_end = end_of_day(election.roll_cutoff, zoneinfo.ZoneInfo(federation.time_zone))
    return PollSpec(
        federation=federation, electorate=election.constituency, voters="members",
        purpose=PURPOSE, subject=subject_of(election), title=election.title,
        question="ranked", options=[option_label(n) for n in range(1, standing + 1)],
        abstain=False, method=election.method, seats=election.seats, secret=True,
        majority=rule.majority, turnout_floor=rule.turnout_floor,
        # In UTC, as the database gives them back: poll.called records them as written, and the
        # audit compares the row's with the record's text.
        opens_at=election.poll_opens_at.astimezone(dt.UTC),
        closes_at=election.poll_closes_at.astimezone(dt.UTC),
        roll_at=min(cutoff_end, election.poll_opens_at).astimezone(dt.UTC),
        roll_day=election.roll_cutoff,
    )


def open_election_poll(election: Election, standing: int, now: dt.datetime) -> Poll:
    """Call the election's poll and open it at once: its roll frozen and, when enough members
    of the roll registered a teller's key, its key made and split among the tellers drawn.
    Inside the caller's transaction (the election's opening)."""
    poll = do_call_poll(election_poll_spec(election, standing), actor=ClockActor())
    freeze_roll(poll, now)
    if standing:  # nobody can cast a ballot with no candidate: there is nothing to seal
        seal_poll(poll)
    return poll


def election_of(poll: Poll) -> Election:
    from communard.web.elections.models import Election

    return (Election.objects.select_for_update()
            .select_related("federation", "constituency", "council")
            .get(pk=int(poll.subject.removeprefix(_SUBJECT)), poll=poll))


@on_close(PURPOSE)
def election_decided(poll: Poll, result: Result) -> None:
    """The election's poll is counted: record the election's close and seat the winners (or
    fill the office), inside the close's transaction. A count that does not pass the
    constitution's ``[polls.election]`` turnout floor elects nobody."""
    from communard.web.elections.actions import _ref, _refuse_second_close, _seat

    election = election_of(poll)
    _refuse_second_close(election, counting=True)
    now = result.counted_at
    candidates = list(election.candidates.filter(number__isnull=False)
                      .select_related("member").order_by("number"))
    winners = list(result.winners) if result.passed else []
    type(election).objects.filter(pk=election.pk).update(closed_at=now)
    election.closed_at = now
    record.append(
        ELECTION_CLOSED,
        {
            **_ref(election),
            "ballots": result.ballots,
            "marks": result.marks,
            "voters": election.roll_size,
            "box_sha256": result.box_sha256,
            "seed": result.seed,
            "winners": winners,
            "candidates": [{"number": c.number, "member": record.personal(c.member.number)}
                           for c in candidates],
            "sheet_sha256": sheet_sha256(result.sheet),
        },
        actor="system",
    )
    by_number = {c.number: c for c in candidates}
    _seat(election, [by_number[n].member for n in winners], now)


def close_election_poll(poll: Poll, now: dt.datetime) -> bool:
    """The clock's close of an election's poll, exactly as the polls' own duty closes a poll
    (a sealed one waits for its tellers)."""
    from communard.web.polls.transitions import close_due_poll

    with transaction.atomic():
        return close_due_poll(poll.pk, now)
