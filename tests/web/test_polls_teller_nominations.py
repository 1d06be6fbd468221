"""Platforms name their tellers (issue 16): a platform's member names a nominee on the roll
with a delivery key before the poll opens, on the record; the opening seats the nominee; a
refusal changes nothing; a naming removed behind the record's back is named by verify."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from communard.constitution.permissions import NotAllowed
from communard.record.kinds import POLL_SEALED, TELLER_NAMED
from communard.web.councils.models import Federation
from communard.web.platforms.actions import do_join_platform
from communard.web.platforms.models import Platform
from communard.web.polls.actions.call import do_call_poll
from communard.web.polls.actions.name_teller import do_name_teller
from communard.web.polls.actions.open import do_open_poll
from communard.web.polls.errors import PollError
from communard.web.polls.models import Poll, PollTeller, TellerNomination
from communard.web.records.audit import run
from tests.web.factories import recorded, small_federation, verify_output
from tests.web.polls_helpers import CALLER, spec, voter
from tests.web.sealed_helpers import client_for, register_tellers
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    """Members 1-6 of w1 have delivery keys; member 8 belongs to the platform Reds."""
    fed = small_federation(tmp_path, {"w1": 10, "w2": 2})
    register_tellers(fed, ["1", "2", "3", "4", "5", "6", "11"])
    reds = Platform.objects.create(federation=fed, slug="reds", name="Reds")
    member, actor = voter(fed, "8")
    do_join_platform(reds, member, actor=actor)
    return fed


@pytest.fixture
def called(fed: Federation) -> Poll:
    """A secret poll of w1, called, not yet open."""
    return do_call_poll(spec(fed), actor=CALLER)


def _name(poll: Poll, number: str, nominee: str, platform: str = "reds") -> TellerNomination:
    namer, actor = voter(poll.federation, number)
    return do_name_teller(poll, Platform.objects.get(slug=platform), namer, nominee,
                          actor=actor)


def _open(poll: Poll) -> Poll:
    do_open_poll(poll, now=poll.opens_at)
    poll.refresh_from_db()
    return poll


def _polls_divergences() -> list[str]:
    return [str(d) for d in run() if d.table in ("polls_poll", "polls_tellerkey")]


def test_a_platform_member_names_a_teller_and_the_opening_seats_them(called: Poll) -> None:
    """Member 8 of Reds names member 6 (then member 5: the newest counts); the opening seats
    5 as Reds' teller, the record says so, and the audit redoes the draw."""
    _name(called, "8", "6")
    _name(called, "8", "5")
    named = recorded().filter(kind=TELLER_NAMED.tag)
    assert named.count() == 2 and named.last().body["platform"] == "reds"
    poll = _open(called)
    tellers = {t.member.number: t.named_by for t in PollTeller.objects.filter(poll=poll)}
    assert tellers["5"] == ["reds"] and len(tellers) == 5
    assert [m["named_by"] for m in recorded().get(kind=POLL_SEALED.tag).body["members"]
            ][0] == ["reds"]
    assert _polls_divergences() == []


REFUSED = {
    "not the platform's member": ("9", "6", NotAllowed, "only members of Reds name its teller"),
    "nominee off the roll": ("8", "11", PollError, "is not on this poll's roll"),
    "nominee without a key": ("8", "7", PollError, "has registered no teller's delivery key"),
    "no such member": ("8", "99", PollError, "member: no member numbered '99'"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_naming_changes_nothing(called: Poll, case: str) -> None:
    namer, nominee, error, message = REFUSED[case]
    voter(called.federation, namer)  # their login, made (and recorded) beforehand
    before = recorded().count()
    with pytest.raises(error, match=message):
        _name(called, namer, nominee)
    assert recorded().count() == before and not TellerNomination.objects.exists()


def test_a_naming_after_the_opening_or_in_a_roll_call_is_refused(fed: Federation) -> None:
    """The tellers are drawn at the opening; a roll call has none. 409s, nothing changed."""
    opened = _open(do_call_poll(spec(fed), actor=CALLER))
    roll_call = do_call_poll(spec(fed, secret=False, subject="test:2"), actor=CALLER)
    voter(fed, "8")
    before = recorded().count()
    for poll, message in [(opened, "too late to name one"), (roll_call, "a roll call")]:
        with pytest.raises(PollError, match=message) as refused:
            _name(poll, "8", "6")
        assert refused.value.status == 409
    assert recorded().count() == before and not TellerNomination.objects.exists()


def test_the_api_and_the_page_name_a_teller(called: Poll) -> None:
    """201 from the API; the page shows the nominee; a non-member's POST is a 403 and a bad
    nominee a 400 naming the field, changing nothing."""
    member = client_for(called.federation, "8")
    answer = member.post(f"/api/polls/{called.pk}/tellers/nominees",
                         {"platform": "reds", "member": "6"}, content_type="application/json")
    assert answer.status_code == 201 and answer.json() == {"platform": "reds", "member": "6"}
    bad = member.post(f"/api/polls/{called.pk}/tellers/nominees",
                      {"platform": "reds", "member": "7"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["detail"].startswith("member: ")
    page = member.get(f"/p/{called.pk}/tellers/name/")
    assert page.status_code == 200 and "Reds: Member 6" in page.text
    other = client_for(called.federation, "9").post(f"/p/{called.pk}/tellers/name/",
                                                    {"platform": "reds", "member": "5"})
    assert other.status_code == 403
    assert Client().post(f"/api/polls/{called.pk}/tellers/nominees", {"platform": "reds",
                         "member": "5"}, content_type="application/json").status_code == 401
    assert TellerNomination.objects.count() == 1
    assert recorded().filter(kind=TELLER_NAMED.tag).count() == 1


def test_a_naming_removed_before_the_opening_is_named_by_verify(called: Poll) -> None:
    """The operator deletes Reds' naming (triggers lifted) so the opening draws everyone by
    lot: the audit redoes the draw with the naming on the record and finds the difference."""
    _name(called, "8", "6")
    sql("DELETE FROM polls_tellernomination")
    poll = _open(called)
    assert not any(t.named_by for t in PollTeller.objects.filter(poll=poll))
    index = recorded().get(kind=POLL_SEALED.tag).index
    found = _polls_divergences()
    assert len(found) == 1 and f"(entry #{index}): polls_poll poll={poll.pk}: the tellers" in (
        found[0]), found


def test_a_nominee_swapped_by_sql_is_named_with_its_entry_and_row(
        called: Poll, capsys: pytest.CaptureFixture[str]) -> None:
    """Reds names member 6; after the opening the operator swaps the row's nominee for member
    5 (triggers lifted), so the table tells another story than the record. The draw's audit
    cannot see it (the draw was made from the true row), so verify compares the rows with the
    teller.named entries and names the entry and the row."""
    row = _name(called, "8", "6")
    _open(called)
    sql("UPDATE polls_tellernomination SET member_id = (SELECT id FROM members_member WHERE "
        "number = '5' AND federation_id = %s)", called.federation_id)
    index = recorded().get(kind=TELLER_NAMED.tag).index
    status, out = verify_output(capsys)
    assert status == 1, out
    assert (f"(entry #{index}): polls_tellernomination id={row.pk} poll={called.pk} "
            "platform=test/reds: names member 5 (by member 8); the record named member 6 (by "
            "member 8)") in out, out


def test_a_naming_deleted_by_sql_is_named_with_its_entry(called: Poll) -> None:
    """The record's naming whose row is deleted (triggers lifted): named with its entry."""
    _name(called, "8", "6")
    index = recorded().get(kind=TELLER_NAMED.tag).index
    sql("DELETE FROM polls_tellernomination")
    found = [str(d) for d in run() if d.table == "polls_tellernomination"]
    assert found == [
        f"state diverges from the record (entry #{index}): polls_tellernomination "
        f"poll={called.pk} platform=test/reds: the record's naming of member 6 by member 8 "
        "has no row (deleted)"], found


def test_a_naming_added_by_sql_is_named(called: Poll) -> None:
    """A naming row inserted with no teller.named entry: named as such."""
    sql("INSERT INTO polls_tellernomination (poll_id, platform_id, member_id, named_by_id) "
        "SELECT %s, p.id, m.id, n.id FROM platforms_platform p, members_member m, "
        "members_member n WHERE p.slug = 'reds' AND m.number = '4' AND n.number = '8' AND "
        "m.federation_id = p.federation_id AND n.federation_id = p.federation_id", called.pk)
    found = [str(d) for d in run() if d.table == "polls_tellernomination"]
    assert found == [
        f"state diverges from the record (no entry): polls_tellernomination "
        f"id={TellerNomination.objects.get().pk} poll={called.pk} platform=test/reds: names "
        "member 4 (by member 8); no teller.named entry named them"], found
