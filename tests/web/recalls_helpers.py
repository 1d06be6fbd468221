"""A workshop that elected its delegates, and members who sign in, for the recall tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from communard.constitution.permissions import ClockActor, MemberActor
from communard.web.accounts.actions import do_create_member_account
from communard.web.councils.models import Delegate, Federation
from communard.web.elections.actions import do_close_election
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.recalls.actions import do_open_petition, do_sign
from communard.web.recalls.models import Petition
from tests.web.elections_helpers import DAY, NOW, Calendar, cast_ballot, open_election
from tests.web.factories import TEST_OPERATOR, small_federation

CLOCK = ClockActor()
#: When the recalls start: after the election's close (NOW + 2 days).
AFTER = NOW + 3 * DAY


def elected_workshop(tmp_path: Path, candidates: int = 4,
                     cal: Calendar | None = None) -> tuple[Federation, Election]:
    """Workshop one (members 1-12) elects its 2 delegates from members 1..``candidates``, the
    count a day after the poll's close; every member of the federation (1-20) has a login
    named m<number>. ``PAST``: seated yesterday (for requests made now)."""
    cal = cal or Calendar()
    fed = small_federation(tmp_path, {"w1": 12, "w2": 3, "w3": 5})
    for member in Member.objects.filter(federation=fed):
        # No password (hashing 20 of them is most of a test's time): the actions take the
        # signed-in member's actor (the candidates nominate with
        # theirs); the pages' tests sign in with a password of their own.
        do_create_member_account(member, username=f"m{member.number}", password=None,
                                 actor=TEST_OPERATOR)
    election = open_election(fed, "w1", [str(n) for n in range(1, candidates + 1)], cal)
    for voter, ranking in [("5", [1, 2, 3, 4]), ("6", [1, 3, 4]), ("7", [2, 4, 3]),
                           ("8", [2, 1]), ("9", [3, 4]), ("10", [4, 3]), ("11", [1, 2])]:
        cast_ballot(election, Member.objects.get(number=voter),
                       [r for r in ranking if r <= candidates], now=cal.opens + DAY)
    do_close_election(election, now=cal.closes + DAY)
    election.refresh_from_db()
    return fed, election


def as_member(number: str) -> MemberActor:
    return MemberActor(f"m{number}")


def sitting(constituency: str = "w1") -> list[Delegate]:
    return list(Delegate.objects.filter(constituency__key=constituency, ended_at__isnull=True)
                .select_related("member").order_by("member__number"))


def petition_to_threshold(mandate: Delegate, signers: list[str], when: dt.datetime = AFTER,
                          opener: str = "12") -> Petition:
    """Open a petition against the mandate and sign it by ``signers`` (by number)."""
    petition = do_open_petition(mandate, grounds="voted against the mandate",
                                actor=as_member(opener), now=when)
    for number in signers:
        petition = do_sign(petition, actor=as_member(number), now=when + dt.timedelta(hours=1))
    return petition


def at_once(sign: Callable[[str], str], numbers: list[str]) -> list[str]:
    """Run ``sign(number)`` for every member at the same moment, each in a thread with its own
    database connection; their outcomes ("signed" or the rule refused), in no order."""
    import threading

    from django.db import connection

    start, outcomes = threading.Barrier(len(numbers)), []

    def run(number: str) -> None:
        try:
            start.wait(10)
            outcomes.append(sign(number))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in numbers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes
