"""The clock runs the elections' transitions, once each: not pages, not ballots, not a tampered row."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from communard.cli import main
from communard.web.core import clock
from communard.web.councils.models import Council, Delegate
from communard.web.elections.actions import (
    _freeze_roll,
    do_call_election,
    do_close_election,
    do_nominate,
)
from communard.web.elections.errors import AlreadyClosed, RollAlreadyFrozen
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.models import Ballot, Mark, Poll, Result
from communard.web.records import sealer
from tests.web.elections_helpers import DAY, NOW, Calendar, cast_ballot, open_election
from tests.web.factories import (
    TEST_OPERATOR,
    acting_member,
    member_login,
    recorded,
    small_federation,
)
from tests.web.tampering import guards_lifted
from tests.web.test_elections_api import client_for, post

pytestmark = pytest.mark.django_db(transaction=True)

AFTER = NOW + 2 * DAY  # the helpers' poll closes at NOW + 1 day


@pytest.fixture
def fed(tmp_path: Path):  # type: ignore[no-untyped-def]
    return small_federation(tmp_path, {"w1": 12, "w2": 3, "w3": 5})


def called(fed, key: str, at: dt.datetime, candidates: tuple[str, ...]) -> Election:  # type: ignore[no-untyped-def]
    """An election called at ``at`` on the constitution's calendar (7 + 7 days), with
    candidates nominated, and nothing run by the clock since."""
    e = do_call_election(Council.objects.get(federation=fed, key=key), actor=TEST_OPERATOR, now=at)
    for n in candidates:
        m = Member.objects.get(number=n)
        do_nominate(e, m, nominated_by=m, actor=acting_member(m), now=at + DAY)
    e.refresh_from_db()
    return e


def cast(e: Election, number: str, ranking: list[int], when: dt.datetime = NOW) -> str:
    return cast_ballot(e, Member.objects.get(number=number), ranking, now=when)


def snapshot(e: Election) -> tuple[object, ...]:
    """Everything a second count would change: result, seats, ballots, marks, the record."""
    poll = Election.objects.get(pk=e.pk).poll_id
    return (
        list(Result.objects.filter(poll_id=poll).values_list("pk", "winners")),
        sorted(Delegate.objects.filter(constituency=e.constituency).values_list(
            "member_id", "began_at", "ended_at")),
        Ballot.objects.filter(poll_id=poll).count(),
        Mark.objects.filter(entry__poll_id=poll).count(),
        recorded().count(),
    )


def result_of(e: Election) -> Result | None:
    return Result.objects.filter(poll_id=Election.objects.get(pk=e.pk).poll_id).first()


def ends_now(e: Election) -> None:
    """The poll's end moved to a second ago, as time would move it (a poll's terms are fixed at
    its call: only the tests move them)."""
    end = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with guards_lifted():
        Election.objects.filter(pk=e.pk).update(poll_closes_at=end)
        Poll.objects.filter(pk=Election.objects.get(pk=e.pk).poll_id).update(closes_at=end)


def behind_the_records_back(sql: str, params: list[object]) -> None:
    """What the database's owner can do: the write-once triggers lifted (the application's own
    connection is refused, tests/web/test_write_once.py); the record must still refuse."""
    with guards_lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_election_reopened_by_sql_is_not_counted_again(fed, capsys) -> None:  # type: ignore[no-untyped-def]
    """The issue's attack: a closed election's closed_at cleared by SQL is refused by the clock,
    by `communard tick` (exit 1, the election named) and by the close itself; nothing changes."""
    ended = Calendar(called=NOW - 16 * DAY, nominations=NOW - 15 * DAY, opens=NOW - 8 * DAY,
                     closes=NOW - DAY)
    e = open_election(fed, "w1", ["1", "2", "3"], ended)
    for voter, ranking in [("4", [1]), ("5", [2]), ("6", [3, 1])]:
        cast(e, voter, ranking, when=NOW - 2 * DAY)
    assert main(["tick"]) == 0
    assert "0 poll(s) opened, 1 election(s) closed" in capsys.readouterr().out
    counted = Result.objects.get(poll_id=Election.objects.get(pk=e.pk).poll_id).counted_at
    before = snapshot(e)
    behind_the_records_back("UPDATE elections_election SET closed_at = NULL WHERE id = %s", [e.pk])
    report = clock.run_due()
    assert report.done["election(s) closed"] == 0
    if Election.objects.get(pk=e.pk).closed_at is None:  # the database let the SQL through
        assert report.refused == [("election(s) closed", f"election {e.pk}",
                                   f"election {e.pk} was closed already (its result was counted "
                                   f"{counted:%Y-%m-%d %H:%M %Z}); its row was changed behind the "
                                   "record's back, and it is not counted again")]
        assert main(["tick"]) == 1
        assert f"refused: election {e.pk}: election {e.pk} was closed already" in (
            capsys.readouterr().err)
    with pytest.raises(AlreadyClosed):
        do_close_election(e, now=AFTER)
    assert snapshot(e) == before
    assert recorded().filter(kind="election.closed").count() == 1


def test_the_record_alone_refuses_a_second_close(fed) -> None:  # type: ignore[no-untyped-def]
    """With the result row deleted too, the record's `election.closed` entry still says the
    election was counted: the close is refused, naming the entry."""
    e = open_election(fed, "w1", ["1", "2"])
    cast(e, "4", [2])
    do_close_election(e, now=AFTER)
    entry = recorded().get(kind="election.closed")
    behind_the_records_back("DELETE FROM polls_result WHERE poll_id = %s",
                            [Election.objects.get(pk=e.pk).poll_id])
    behind_the_records_back("UPDATE elections_election SET closed_at = NULL WHERE id = %s", [e.pk])
    before = snapshot(e)
    with pytest.raises(AlreadyClosed, match=f"the record's entry #{entry.index} closes it"):
        do_close_election(e, now=AFTER + DAY)
    assert snapshot(e) == before


def test_a_roll_unfrozen_by_sql_is_not_frozen_again(fed) -> None:  # type: ignore[no-untyped-def]
    """Clearing roll_frozen_at does not let the clock build a second roll (with members admitted
    since): the roll on file and on the record stand."""
    e = open_election(fed, "w1", ["1", "2"])
    behind_the_records_back(
        "UPDATE elections_election SET roll_frozen_at = NULL WHERE id = %s", [e.pk])
    before = snapshot(e)
    report = clock.run_due(now=NOW)
    if Election.objects.get(pk=e.pk).roll_frozen_at is None:
        assert [r[1] for r in report.refused] == [f"election {e.pk}"]
        assert "was frozen already (its entries are on file)" in report.refused[0][2]
    assert report.done["poll(s) opened"] == 0
    with pytest.raises(RollAlreadyFrozen):
        _freeze_roll(Election.objects.get(pk=e.pk), NOW)
    assert snapshot(e) == before


def test_two_clocks_at_once_close_an_election_once(fed) -> None:  # type: ignore[no-untyped-def]
    """A cron tick beside the server's loop: between them the election is closed exactly once,
    and neither reports a refusal."""
    e = open_election(fed, "w1", ["1", "2"])
    cast(e, "4", [1])
    reports: list[clock.Report] = []
    start = threading.Barrier(2)

    def tick() -> None:
        try:
            start.wait(10)
            reports.append(clock.run_due(now=AFTER))
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.done["election(s) closed"] for r in reports) == [0, 1]
    assert [r.refused for r in reports] == [[], []]
    assert result_of(e) is not None
    assert recorded().filter(kind="election.closed").count() == 1


def test_clock_opens_the_poll_and_ballots_wait_for_it(fed) -> None:  # type: ignore[no-untyped-def]
    """Before the clock has frozen the roll, a ballot is refused (nobody votes against a roll
    not yet frozen); once it has, the same ballot is taken."""
    e = called(fed, "w2", NOW - 8 * DAY, ("13", "14"))
    assert e.phase(NOW) == "opening"
    member_login(Member.objects.get(number="15"), "m15", "pw-12345-x")
    assert post(client_for("m15"), e, {"ranking": [1]}) == (
        409, {"detail": "the poll is opening (its roll is being frozen): try again in a minute"})
    assert e.poll_id is None and not Mark.objects.exists()
    assert clock.run_due(now=NOW).done["poll(s) opened"] == 1
    assert clock.run_due(now=NOW).done["poll(s) opened"] == 0
    e.refresh_from_db()
    assert e.roll_size == 3 and cast(e, "15", [1])


def test_a_ballot_after_the_end_is_refused_before_the_clock_runs(fed) -> None:  # type: ignore[no-untyped-def]
    """After poll_closes_at, the API and the ballot page refuse a ballot (409) though the clock
    has not counted yet; they store nothing and close nothing."""
    e = open_election(fed, "w1", ["1", "2"])
    member_login(Member.objects.get(number="3"), "m3", "pw-12345-x")
    ends_now(e)
    before = snapshot(e)
    status, body = post(client_for("m3"), e, {"ranking": [1]})
    assert (status, body) == (409, {"detail": "the poll has closed"})
    page = client_for("m3")
    response = page.post(f"/e/{e.pk}/vote/", {
        "pref-1": "1", "confirm": "yes", "csrfmiddlewaretoken": page.cookies["csrftoken"].value})
    assert response.status_code == 409 and "The poll is not open." in response.content.decode()
    assert snapshot(e) == before
    assert Election.objects.get(pk=e.pk).closed_at is None


def test_the_sealer_process_runs_the_clock(fed) -> None:  # type: ignore[no-untyped-def]
    """`communard serve`'s sealer loop (here in a thread) also closes a due election, by itself."""
    e = open_election(fed, "w1", ["1", "2"])
    cast(e, "4", [1])
    ends_now(e)
    stop = threading.Event()
    loop = threading.Thread(target=sealer.follow, args=(stop, 0.05))
    loop.start()
    try:
        for _ in range(600):  # at most a minute: the loop's first round runs at once
            if result_of(e) is not None:
                break
            stop.wait(0.1)
    finally:
        stop.set()
        loop.join(60)
    assert result_of(e) is not None
    assert Election.objects.get(pk=e.pk).closed_at is not None


def test_pages_and_api_reads_change_nothing(fed) -> None:  # type: ignore[no-untyped-def]
    """Every election page and API read of elections whose poll is due to open, or to open and
    close, leaves their rows and the record as they were: only the clock runs transitions."""
    opening = called(fed, "w2", NOW - 8 * DAY, ("13",))
    ended = called(fed, "w3", NOW - 15 * DAY, ("16",))
    assert (opening.phase(), ended.phase()) == ("opening", "due")

    def rows() -> object:
        return (snapshot(opening), snapshot(ended),
                list(Election.objects.order_by("pk").values()))

    before = rows()
    client = Client()
    for e in (opening, ended):
        for path in (f"/e/{e.pk}/", f"/f/{fed.slug}/elections/", f"/e/{e.pk}/box.blt",
                     f"/e/{e.pk}/box.csv", f"/e/{e.pk}/track/?code=X", f"/api/elections/{e.pk}",
                     f"/api/elections/{e.pk}/result"):
            assert client.get(path).status_code in (200, 409), path
    assert rows() == before
    report = clock.run_due()
    assert (report.done["poll(s) opened"], report.done["election(s) closed"], report.refused) == (
        2, 1, [])
    # Nobody voted in the one that ended: it elects nobody, and says why.
    result = result_of(ended)
    assert result is not None and result.sheet["note"] == "no ballots were cast"
    assert "nobody (no ballots were cast)" in client.get(f"/e/{ended.pk}/").content.decode()
