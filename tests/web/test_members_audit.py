"""`communard verify` replays members' histories and platform memberships from the record: each
change made with plain SQL behind the record's back is named with its entry or row, on SQLite
and PostgreSQL (issue 13)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from communard.constitution.permissions import ClockActor, MemberActor
from communard.web.councils.actions import do_take_census
from communard.web.councils.models import Council, Federation
from communard.web.members.actions import do_admit_member, do_lapse_member
from communard.web.members.models import Member
from communard.web.platforms.actions import do_join_platform
from communard.web.platforms.models import Platform
from communard.web.records.audit import run
from tests.web.factories import (
    TEST_OPERATOR,
    member_login,
    recorded,
    small_federation,
    verify_output,
)
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def federation(tmp_path: Path) -> Federation:
    """Founded by import (members 1–8), one admitted and one lapsed by actions, one platform
    joined by a member themself."""
    fed = small_federation(tmp_path, {"w1": 4, "w2": 2, "w3": 2})
    do_admit_member(fed, number="late", name="Late Comer", council=Council.objects.get(key="w2"),
                    admitted_on=TODAY, actor=TEST_OPERATOR)
    do_lapse_member(Member.objects.get(number="8"), on=TODAY, actor=TEST_OPERATOR)
    platform = Platform.objects.create(federation=fed, slug="reds", name="Reds")
    member_login(Member.objects.get(number="1"), "one", "a long enough password")
    do_join_platform(platform, Member.objects.get(number="1"), actor=MemberActor("one"))
    recorded()
    return fed


def test_untouched_members_match_their_record(
    federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: imports, admissions, lapses and platform joinings replay to the tables."""
    assert run() == []
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


ATTACKS = {
    "council moved": (
        "UPDATE members_member SET council_id = (SELECT id FROM councils_council "
        "WHERE key = 'w3') WHERE number = '3'",
        "members_member test/3: council is w3; the record says w1"),
    "status changed": (
        "UPDATE members_member SET status = 'expelled' WHERE number = '3'",
        "members_member test/3: status is expelled; the record says active"),
    "lapsed member made active": (
        "UPDATE members_member SET status = 'active' WHERE number = '8'",
        "members_member test/8: status is active; the record says lapsed"),
    "admitted_on moved back": (
        "UPDATE members_member SET admitted_on = '2020-01-01' WHERE number = '3'",
        "members_member test/3: admitted_on is 2020-01-01; the record says 2024-01-01"),
    "event inserted with an old recorded_at": (
        'INSERT INTO members_membershipevent (member_id, kind, "on", council_id, note, '
        "recorded_at) SELECT id, 'transferred', '2024-02-01', council_id, '', "
        "'2024-02-01 00:00:00+00:00' FROM members_member WHERE number = '3'",
        "transferred on 2024-02-01 in w1, recorded_at 2024-02-01T00:00:00+00:00: no entry "
        "records it"),
    "event recorded_at moved back": (
        "UPDATE members_membershipevent SET recorded_at = '2024-01-01 00:00:00+00:00' "
        "WHERE member_id = (SELECT id FROM members_member WHERE number = 'late')",
        "recorded_at 2024-01-01T00:00:00+00:00; its entry was recorded at"),
    "member inserted with no entry": (
        "INSERT INTO members_member (federation_id, number, name, email, council_id, "
        "admitted_on, status) SELECT federation_id, 'ghost', 'Ghost', '', council_id, "
        "admitted_on, 'active' FROM members_member WHERE number = '3'",
        "(no entry): members_member test/ghost: a member no entry admitted"),
    "platform membership added": (
        "INSERT INTO platforms_platform_members (platform_id, member_id) SELECT "
        "(SELECT id FROM platforms_platform), id FROM members_member WHERE number = '2'",
        "(no entry): platforms_platform_members test/reds: member 2: a platform membership "
        "no entry recorded"),
    "platform membership removed": (
        "DELETE FROM platforms_platform_members",
        "platforms_platform_members test/reds: member 1: joined on the record but not in "
        "the table"),
    "name changed": (
        "UPDATE members_member SET name = 'Someone Else' WHERE number = '3'",
        "members_member test/3: its name is not the one the record commits to"),
    "opening edited": (
        "UPDATE records_opening SET value = 'ghost' WHERE value = '3'",
        "records_opening commit:"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_change_to_members_behind_the_record_is_named(
    federation: Federation, attack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    statement, expected = ATTACKS[attack]
    sql(statement)
    status, out = verify_output(capsys)
    assert status == 1, out
    assert expected in out, out
    assert "state diverges from the record (" in out


def test_an_import_is_replayed_member_by_member(federation: Federation) -> None:
    """Each imported member is in an entry of at most 500, by commitments only: no number or
    name of a member appears in the record."""
    imported = [e.parsed()["body"] for e in recorded().filter(kind="members.imported.v3")]
    assert [len(b["members"]) for b in imported] == [8]
    assert imported[0]["founding"] is True
    item = imported[0]["members"][0]
    assert item["member"].startswith("commit:") and item["name"].startswith("commit:")
    assert "Member 3" not in str(imported) and item["council"] in {"w1", "w2", "w3"}


def test_a_census_counting_members_added_by_sql_is_named(
    federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    """Members and their events inserted by SQL before a roll is frozen would be counted by its
    census and win seats: the census entry is named, its count against the record's replay."""
    for n in range(20):
        sql("INSERT INTO members_member (federation_id, number, name, email, council_id, "
            "admitted_on, status) SELECT federation_id, %s, 'Ghost', '', council_id, "
            "admitted_on, 'active' FROM members_member WHERE number = '3'", f"ghost{n}")
    sql('INSERT INTO members_membershipevent (member_id, kind, "on", council_id, note, '
        "recorded_at) SELECT id, 'admitted', admitted_on, council_id, '', "
        "'2024-01-01 00:00:00+00:00' FROM members_member WHERE name = 'Ghost'")
    do_take_census(federation, cutoff=TODAY, reason="roll", actor=ClockActor())
    assert Council.objects.get(key="w1").seats_in_parent == 4  # 24 counted, 5 per seat
    status, out = verify_output(capsys)
    assert status == 1, out
    assert "councils_council test/w1: the census of" in out
    assert "counted 24 members; the record's members replay to 4" in out, out
