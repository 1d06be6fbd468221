"""`communard verify` compares the database with the record: each change issue 13 saw an
operator make with plain SQL is reported with the entry and the row, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection, transaction

from communard.record.kinds import ELECTION_CLOSED
from communard.web.councils.models import Delegate
from communard.web.elections.actions import do_close_election
from communard.web.elections.errors import AlreadyClosed
from communard.web.elections.models import Election
from communard.web.elections.vacancies import do_vacate_seat
from communard.web.members.models import Member
from communard.web.records import services as record
from communard.web.records.audit import run
from tests.web.elections_helpers import DAY, NOW, cast_ballot, open_election
from tests.web.factories import TEST_OPERATOR, recorded, small_federation, verify_output
from tests.web.tampering import guards_lifted

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(tmp_path: Path) -> Election:
    """Workshop one (12 members, 2 seats in district one) elected its delegates."""
    fed = small_federation(tmp_path, {"w1": 12, "w2": 3, "w3": 5})
    election = open_election(fed, "w1", ["1", "2", "3"])
    for number, ranking in [("4", [1, 2]), ("5", [1]), ("6", [2, 3]), ("7", [3, 1]), ("8", [2])]:
        cast_ballot(election, Member.objects.get(number=number), ranking, now=NOW)
    do_close_election(election, now=NOW + 2 * DAY)
    election.refresh_from_db()
    recorded()  # seal, as the commits would
    return election


def sql(statement: str, *params: object) -> None:
    """Plain SQL as the database's owner could run it: with the write-once triggers lifted
    (``tests/web/tampering.py``), since verify must catch even whoever can drop them."""
    if connection.vendor == "postgresql":
        statement = statement.replace("JSON(%s)", "CAST(%s AS jsonb)")
    else:
        statement = statement.replace("JSON(%s)", "%s")
    with guards_lifted(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_untouched_federation_matches_its_record(
    closed: Election, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: a federation founded, an election called, cast, closed and seated."""
    assert run() == []
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


ATTACKS = {
    "seat count raised": (
        "UPDATE councils_council SET seats_in_parent = seats_in_parent + 5 WHERE key = 'w1'",
        "councils_council test/w1: seats_in_parent is 7; the census of"),
    "workplace moved": (
        "UPDATE councils_council SET parent_id = (SELECT id FROM councils_council AS d "
        "WHERE d.key = 'd2') WHERE key = 'w1'",
        "(entry #0): councils_council test/w1: tier 'workplace' under 'd2'; the record founded "
        "it as 'workplace' under 'd1'"),
    "constitution edited": (
        "UPDATE councils_federation SET constitution_text = "
        "REPLACE(constitution_text, 'cutoff_days = 30', 'cutoff_days = 0')",
        "(entry #0): councils_federation test: its constitution is not the text the record"),
    "delegate by decree": (
        "INSERT INTO councils_delegate (began_at, ended_at, source, council_id, "
        "constituency_id, member_id) SELECT began_at, NULL, 'decree', council_id, "
        "constituency_id, (SELECT id FROM members_member WHERE number = '12') "
        "FROM councils_delegate LIMIT 1",
        "(no entry): councils_delegate test/d1: member 12 (for w1): sits with no recorded "
        "result"),
    "office-holder by decree": (
        "INSERT INTO councils_officeholder (began_at, ended_at, source, council_id, office, "
        "member_id) SELECT began_at, NULL, 'decree', council_id, 'Secretary', member_id "
        "FROM councils_delegate LIMIT 1",
        "councils_officeholder test/d1: member"),
    "delegate unseated": (
        "UPDATE councils_delegate SET ended_at = began_at",
        "the record seats them but no current row does"),
    "poll re-timed": (
        "UPDATE elections_election SET poll_closes_at = nominations_open_at",
        "poll_closes_at is"),
    "election re-opened": (
        "UPDATE elections_election SET closed_at = NULL",
        "re-opened: the record closed it but closed_at is empty"),
    # An election's ballots, result and roll are its poll's (issue 15).
    "ballots rewritten": (
        "UPDATE polls_ballot SET choices = JSON(%s)",
        "polls_ballot poll="),
    "result edited": (
        "UPDATE polls_result SET winners = JSON(%s)",
        "winners is [3]; the record counted"),
    "voter added to a roll": (
        "INSERT INTO polls_rollentry (poll_id, member_id) SELECT poll_id, "
        "(SELECT id FROM members_member WHERE number = '13') FROM elections_election",
        "the roll on file holds 13 members hashing to"),
    "candidacy by decree": (
        "INSERT INTO elections_candidate (election_id, member_id, statement, accepted, number, "
        "nominated_by_id, platform_id) SELECT id, (SELECT id FROM members_member WHERE "
        "number = '9'), '', TRUE, NULL, NULL, NULL FROM elections_election",
        "candidate 9: a candidacy no entry nominated"),
    "candidates renumbered": (
        "UPDATE elections_candidate SET number = 4 - number WHERE number IS NOT NULL",
        "on the ballot; the roll's freeze numbered them"),
}
PARAMS = {"ballots rewritten": ("[3]",), "result edited": ("[3]",)}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_change_behind_the_record_is_named(
    closed: Election, attack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    statement, expected = ATTACKS[attack]
    sql(statement, *PARAMS.get(attack, ()))
    status, out = verify_output(capsys)
    assert status == 1, out
    assert expected in out, out
    assert "state diverges from the record" in out and "state: " in out


def test_a_re_opened_election_is_not_counted_again_and_is_named(
    closed: Election, capsys: pytest.CaptureFixture[str]
) -> None:
    """The capture issue 13 describes: re-opened, its ballots rewritten, closed again. The close
    refuses (the record says it was closed), and verify names both changes by their entry."""
    first = recorded().get(kind="election.closed").index
    sql("DELETE FROM polls_result")
    sql("UPDATE elections_election SET closed_at = NULL")
    sql("UPDATE polls_ballot SET choices = JSON(%s)", "[3]")
    with pytest.raises(AlreadyClosed):
        do_close_election(closed, now=NOW + 3 * DAY)
    status, out = verify_output(capsys)
    assert status == 1
    assert f"(entry #{first}): elections_election id={closed.pk}" in out
    assert "re-opened: the record closed it but closed_at is empty" in out
    assert "the record closed it but there is no result row" in out


def test_a_second_closing_entry_is_named(
    closed: Election, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server changed to count again would append a second ``election.closed``: a result is
    never superseded that way, and verify names the second entry by its index."""
    body = recorded().get(kind="election.closed").parsed()["body"]
    with transaction.atomic():
        record.append(ELECTION_CLOSED, {**body, "winners": [3]}, actor="system")
    second = recorded().filter(kind="election.closed").order_by("index").last()
    assert second is not None
    status, out = verify_output(capsys)
    assert status == 1
    assert (f"(entry #{second.index}): elections_election id={closed.pk} ({closed.title}): "
            "closed 2 times on the record") in out


def test_a_countback_and_a_by_election_replay_to_the_seats_held(
    closed: Election, capsys: pytest.CaptureFixture[str]
) -> None:
    """Seats refilled by countback, and a by-election after the next vacancy (its seat
    replaces nobody), replay to exactly the delegates sitting: no false alarm."""
    leaving = Delegate.objects.filter(source=f"election:{closed.pk}").first()
    assert leaving is not None
    successor = do_vacate_seat(leaving, reason="resigned", actor=TEST_OPERATOR, now=NOW + 3 * DAY)
    assert isinstance(successor, Delegate)
    by_election = do_vacate_seat(successor, reason="resigned", actor=TEST_OPERATOR,
                                 now=NOW + 4 * DAY)
    assert isinstance(by_election, (Delegate, Election))
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out
    sql("UPDATE councils_delegate SET ended_at = NULL")
    status, out = verify_output(capsys)
    assert status == 1 and f"member {leaving.member.number} (for w1): sits with no" in out, out


def test_a_roll_frozen_from_members_the_record_never_admitted_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member slipped into a workplace by SQL before its roll is frozen gets on the roll,
    and the roll's own rows then agree with its freeze: the roll recomputed from the members'
    record is what finds it."""
    fed = small_federation(tmp_path, {"w1": 12, "w2": 3, "w3": 5})
    sql("INSERT INTO members_member (federation_id, number, name, email, council_id, "
        "admitted_on, status, user_id) SELECT federation_id, '99', 'Smuggled', '', council_id, "
        "admitted_on, status, NULL FROM members_member WHERE number = '1'")
    sql("INSERT INTO members_membershipevent (member_id, kind, \"on\", council_id, note, "
        "recorded_at) SELECT (SELECT id FROM members_member WHERE number = '99'), kind, "
        "\"on\", council_id, note, recorded_at FROM members_membershipevent WHERE member_id = "
        "(SELECT id FROM members_member WHERE number = '1')")
    open_election(fed, "w1", ["1", "2", "3"])
    recorded()
    status, out = verify_output(capsys)
    assert status == 1, out
    assert "the members' record gives a roll of 12 at the cut-off" in out, out


def test_an_election_called_in_another_zone_is_not_re_timed(tmp_path: Path) -> None:
    """An election called with its times at +01:00: the entry keeps them as written, the row
    as instants, and the audit compares instants, not their text (issue 16)."""
    import datetime as dt

    from tests.web.elections_helpers import Calendar

    paris = dt.timezone(dt.timedelta(hours=1))
    cal = Calendar()
    open_election(small_federation(tmp_path, {"w1": 3}), "w1", ["1"],
                  Calendar(*(t.astimezone(paris) for t in (cal.called, cal.nominations,
                                                           cal.opens, cal.closes))))
    called = recorded().get(kind="election.called").body
    assert called["poll_opens_at"].endswith("+01:00"), called
    assert [d for d in run() if d.table == "elections_election"] == []


def test_an_election_re_timed_by_a_microsecond_is_named(tmp_path: Path) -> None:
    """The control: its poll's opening moved one microsecond by SQL is another instant."""
    import datetime as dt

    election = open_election(small_federation(tmp_path, {"w1": 3}), "w1", ["1"])
    moved = connection.ops.adapt_datetimefield_value(
        election.poll_opens_at + dt.timedelta(microseconds=1))
    sql("UPDATE elections_election SET poll_opens_at = %s WHERE id = %s", moved, election.pk)
    recorded()
    found = [d for d in run() if d.table == "elections_election"]
    assert any("poll_opens_at" in d.problem for d in found), found
