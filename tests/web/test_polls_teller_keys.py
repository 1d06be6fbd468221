"""Teller keys (issue 16): insert-only in the database, audited against their
``teller.key_registered`` entries, and each poll's opening (sealed or unsealed) checked against
the keys on the record, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from communard.record.kinds import POLL_SEALED, POLL_UNSEALED, TELLER_KEY_REGISTERED
from communard.sealing import TellerKey as DeliveryKey
from communard.sealing import public_text
from communard.web.councils.models import Federation
from communard.web.polls.actions.teller_key import do_register_teller_key
from communard.web.polls.models import PollSeal, PollTeller, TellerKey
from tests.web.factories import recorded, small_federation, verify_output
from tests.web.polls_helpers import open_poll, voter
from tests.web.sealed_helpers import KEYS, register_tellers, share_text
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db(transaction=True)

TELLERS = ["1", "2", "3", "4", "5", "6"]


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    """Six members of w1 registered delivery keys (the constitution: five tellers, three)."""
    fed = small_federation(tmp_path, {"w1": 10, "w2": 2})
    register_tellers(fed, TELLERS)
    return fed


def _index_of(number: str, fed: Federation) -> int:
    """The index of the entry that registered member ``number``'s (newest) key."""
    from communard.web.records.audit import openings

    entries = list(recorded().filter(kind=TELLER_KEY_REGISTERED.tag).order_by("index"))
    opened = openings(e.body["member"] for e in entries)
    return [e.index for e in entries if opened[e.body["member"]] == number][-1]


@pytest.mark.parametrize("statement", [
    "DELETE FROM polls_tellerkey",
    "UPDATE polls_tellerkey SET public_key = 'ab'",
])
def test_the_database_refuses_to_change_or_delete_a_teller_key(
        fed: Federation, statement: str) -> None:
    """Plain SQL through the application's connection meets the write-once trigger."""
    with (pytest.raises(DatabaseError, match="communard write-once"), transaction.atomic(),
          connection.cursor() as cursor):
        cursor.execute(statement)
    assert TellerKey.objects.count() == len(TELLERS)


def test_a_newer_key_is_a_new_row_and_the_newest_counts(fed: Federation) -> None:
    """Member 1 registers again: two rows, two entries, and the share is sealed to the new key
    (the old one cannot open it)."""
    member, actor = voter(fed, "1")
    old = KEYS[actor.account]
    new = DeliveryKey.generate(actor.account)
    do_register_teller_key(member, public_text(new.public_key), actor=actor)
    KEYS[actor.account] = new
    assert TellerKey.objects.filter(member=member).count() == 2
    assert recorded().filter(kind=TELLER_KEY_REGISTERED.tag).count() == len(TELLERS) + 1
    poll = open_poll(fed)
    for teller in PollTeller.objects.filter(poll=poll, member=member):
        assert share_text(teller)  # opens with the new key
        KEYS[actor.account] = old
        with pytest.raises(Exception):  # noqa: B017 (the sealing core's refusal)
            share_text(teller)


def test_the_untouched_keys_and_openings_match_the_record(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: keys registered, a poll opened sealed; verify finds nothing."""
    open_poll(fed)
    assert PollSeal.objects.exists()
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_keys_deleted_before_the_opening_are_named_with_the_unsealed_claim(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """The confirmed attack: a shell empties the table, the poll opens unsealed; verify names
    every deleted key with its entry and the poll.unsealed claim the record contradicts."""
    sql("DELETE FROM polls_tellerkey")
    poll = open_poll(fed)
    assert not PollSeal.objects.filter(poll=poll).exists()
    unsealed = recorded().get(kind=POLL_UNSEALED.tag).index
    status, out = verify_output(capsys)
    assert status == 1, out
    assert (f"(entry #{unsealed}): polls_poll poll={poll.pk}: opened unsealed for want of "
            "keys, but 6 member(s) of its roll had a delivery key on the record") in out, out
    for number in TELLERS:
        assert (f"(entry #{_index_of(number, fed)}): polls_tellerkey member=test/{number}: "
                "the record registered key") in out, out


def test_keys_deleted_before_the_opening_are_named_in_the_draw(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """Half the keys deleted: the poll opens sealed among the other three; verify says the
    tellers are not the ones drawn from the keys on the record."""
    sql("DELETE FROM polls_tellerkey WHERE member_id IN (SELECT id FROM members_member "
        "WHERE number IN ('1', '2', '3'))")
    poll = open_poll(fed)
    assert PollTeller.objects.filter(poll=poll).count() == 3
    status, out = verify_output(capsys)
    assert status == 1, out
    assert (f"polls_poll poll={poll.pk}: the tellers are not those drawn from the members of "
            "its roll with a delivery key on the record") in out, out


def test_a_key_swapped_or_added_by_sql_is_named(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """One key replaced in place and one row added with no entry: both named."""
    sql("UPDATE polls_tellerkey SET public_key = %s WHERE member_id = (SELECT id FROM "
        "members_member WHERE number = '2')", "cd" * 32)
    sql("INSERT INTO polls_tellerkey (member_id, public_key) SELECT id, %s FROM "
        "members_member WHERE number = '7'", "ef" * 32)
    status, out = verify_output(capsys)
    assert status == 1, out
    assert (f"(entry #{_index_of('2', fed)}): polls_tellerkey member=test/2: the record "
            "registered key") in out, out
    assert "polls_tellerkey member=test/2: key cdcdcdcdcdcdcdcd… was registered by no" in out
    assert "polls_tellerkey member=test/7: key efefefefefefefef… was registered by no" in out


TELLERS_RAISED = "\n[tellers]\ncount = 8\nthreshold = 7\n"
TELLERS_LOWERED = "\n[tellers]\ncount = 5\nthreshold = 2\n"


def test_an_unsealed_opening_is_judged_by_the_terms_then_in_force(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """The operator raises the threshold in the constitution's text by SQL (seven of eight),
    so the poll opens unsealed with six keys registered; verify judges the opening by the
    constitution on the record (three of five), naming the poll.unsealed entry and the poll,
    however the federation's text reads now."""
    sql("UPDATE councils_federation SET constitution_text = constitution_text || %s",
        TELLERS_RAISED)
    poll = open_poll(fed)
    assert not PollSeal.objects.filter(poll=poll).exists()
    unsealed = recorded().get(kind=POLL_UNSEALED.tag).index
    status, out = verify_output(capsys)
    assert status == 1, out
    assert (f"(entry #{unsealed}): polls_poll poll={poll.pk}: opened unsealed for want of "
            "keys, but 6 member(s) of its roll had a delivery key on the record (the threshold "
            "in force at the opening is 3)") in out, out


def test_a_sealed_opening_with_a_lowered_threshold_is_named(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """The threshold lowered to two by SQL before the opening: the poll is sealed two of five,
    so two tellers could open the box; verify names the poll.sealed entry and the poll."""
    sql("UPDATE councils_federation SET constitution_text = constitution_text || %s",
        TELLERS_LOWERED)
    poll = open_poll(fed)
    assert PollSeal.objects.get(poll=poll).threshold == 2
    sealed = recorded().get(kind=POLL_SEALED.tag).index
    status, out = verify_output(capsys)
    assert status == 1, out
    assert (f"(entry #{sealed}): polls_poll poll={poll.pk}: sealed with a threshold of 2; the "
            "constitution in force at the opening needs 3") in out, out
