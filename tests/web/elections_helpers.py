"""An election walked through its calendar with explicit times, for tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from communard.web.councils.models import Council, Federation
from communard.web.elections.actions import do_call_election, do_nominate, open_poll_if_due
from communard.web.elections.models import Election
from communard.web.members.models import Member

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)


@dataclass
class Calendar:
    called: dt.datetime = NOW - 10 * DAY
    nominations: dt.datetime = NOW - 9 * DAY
    opens: dt.datetime = NOW - 1 * DAY
    closes: dt.datetime = NOW + 1 * DAY


def open_election(federation: Federation, constituency_key: str, candidates: list[str],
                  cal: Calendar | None = None) -> Election:
    """Call a delegates' election of the constituency, nominate members by number, open the poll."""
    cal = cal or Calendar()
    constituency = Council.objects.get(federation=federation, key=constituency_key)
    election = do_call_election(constituency, nominations_open_at=cal.nominations,
                                poll_opens_at=cal.opens, poll_closes_at=cal.closes,
                                actor="operator:test", now=cal.called)
    for number in candidates:
        m = Member.objects.get(federation=federation, number=number)
        do_nominate(election, m, nominated_by=m, actor="operator:test", now=cal.nominations + DAY)
    return open_poll_if_due(election, cal.opens)
