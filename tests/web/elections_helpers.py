"""An election walked through its calendar with explicit times, for tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from communard.web.councils.models import Council, Federation
from communard.web.elections.actions import do_call_election, do_nominate, do_open_poll
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.actions.cast import do_cast
from communard.web.polls.models import Ballot, Mark
from tests.web.factories import TEST_OPERATOR, acting_member

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)


@dataclass
class Calendar:
    """The default constitution's minimum periods (7 days each), with ``NOW`` in the poll."""

    called: dt.datetime = NOW - 14 * DAY
    nominations: dt.datetime = NOW - 13 * DAY
    opens: dt.datetime = NOW - 6 * DAY
    closes: dt.datetime = NOW + 1 * DAY


def open_election(federation: Federation, constituency_key: str, candidates: list[str],
                  cal: Calendar | None = None) -> Election:
    """Call a delegates' election of the constituency, nominate members by number, and open the
    poll as the clock does when its time comes."""
    cal = cal or Calendar()
    constituency = Council.objects.get(federation=federation, key=constituency_key)
    election = do_call_election(constituency, nominations_open_at=cal.nominations,
                                poll_opens_at=cal.opens, poll_closes_at=cal.closes,
                                actor=TEST_OPERATOR, now=cal.called)
    for number in candidates:
        m = Member.objects.get(federation=federation, number=number)
        do_nominate(election, m, nominated_by=m, actor=acting_member(m), now=cal.nominations + DAY)
    do_open_poll(election, now=cal.opens)
    election.refresh_from_db()
    return election


#: An election whose poll ran its minimum week and closed two days before ``NOW``.
PAST = Calendar(called=NOW - 17 * DAY, nominations=NOW - 16 * DAY, opens=NOW - 9 * DAY,
                closes=NOW - 2 * DAY)


def cast_ballot(election: Election, member: Member, ranking: object,
                now: dt.datetime | None = None) -> str:
    """The member casts their ranked ballot as themself, through the polls' one cast action
    (``polls.actions.cast.do_cast``), in the election's poll."""
    if election.poll_id is None:
        election.refresh_from_db()
    assert election.poll is not None, "the election's poll has not opened"
    return do_cast(election.poll, member, ranking, actor=acting_member(member), now=now)


def ballots_of(election: Election) -> QuerySet[Ballot]:
    """The ballots of the election's poll."""
    election.refresh_from_db()
    return Ballot.objects.filter(poll_id=election.poll_id)


def marks_of(election: Election) -> QuerySet[Mark]:
    election.refresh_from_db()
    return Mark.objects.filter(entry__poll_id=election.poll_id)
