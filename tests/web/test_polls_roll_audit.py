"""`communard verify` recomputes each poll's roll from the record by the poll's rule (the members
recorded by ``roll_at``, or the council's delegates when it was frozen) and compares it with the
rows and with ``poll.roll_frozen``: a voter added by SQL is named with the entry (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from communard.web.councils.models import Federation
from communard.web.polls.actions.call import do_call_poll
from communard.web.polls.models import Poll
from communard.web.records.audit import run
from tests.web.factories import recorded, verify_output
from tests.web.meetings_helpers import meetings_federation
from tests.web.polls_helpers import CALLER, DAY, NOW, open_poll, spec
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def federation(tmp_path: Path) -> Federation:
    """w1: members 1-4, w2: 5-7 (district d1), w3: 8-10; delegates 1 and 5 sit in d1."""
    fed = meetings_federation(tmp_path)
    recorded()
    return fed


def frozen_index(poll: Poll) -> int:
    return next(e.index for e in recorded().filter(kind="poll.roll_frozen").order_by("index")
                if e.body["poll"] == poll.pk)


def members_poll(federation: Federation) -> Poll:
    poll = open_poll(federation, "w1")
    assert poll.roll_size == 4
    return poll


def delegates_poll(federation: Federation) -> Poll:
    """A roll call of district one's delegates, frozen the moment it is put to the vote."""
    at = dt.datetime.now(dt.UTC)  # after the founding delegates took their seats
    poll = open_poll(federation, "d1", voters="delegates", roll_at=at, opens_at=at,
                     closes_at=at + DAY)
    assert poll.roll_size == 2
    return poll


def add_voter(poll: Poll, number: str) -> None:
    sql("INSERT INTO polls_rollentry (poll_id, member_id) SELECT %s, id FROM members_member "
        "WHERE number = %s", poll.pk, number)


def test_untouched_rolls_match_their_record(
    federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: a poll of members and one of delegates, recomputed from the record."""
    members_poll(federation)
    delegates_poll(federation)
    recorded()
    assert [str(d) for d in run()] == []
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


@pytest.mark.parametrize(("make", "intruder"), [(members_poll, "5"), (delegates_poll, "4")])
def test_a_voter_added_by_sql_is_named(
    federation: Federation, make: object, intruder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member slipped onto a frozen roll (who could then vote) is named, with the entry
    that froze the roll, by name of the member and against the roll the record gives."""
    poll = make(federation)  # type: ignore[operator]
    index = frozen_index(poll)
    add_voter(poll, intruder)
    found = [str(d) for d in run()]
    row = f"polls_rollentry poll {poll.pk} (test: {poll.title})"
    assert len(found) == 1, found
    assert found[0].startswith(f"state diverges from the record (entry #{index}): {row}: the "
                               f"roll on file holds {poll.roll_size + 1} members"), found
    assert found[0].endswith(f"; on file but not on the record's roll: member {intruder}")
    status, out = verify_output(capsys)
    assert status == 1 and f"member {intruder}" in out, out


def test_a_roll_frozen_from_a_member_inserted_by_sql_is_named(federation: Federation) -> None:
    """A member and their admission inserted by SQL before the freeze are on the frozen roll,
    and the rows agree with the entry; the record's own members do not give that roll."""
    sql("INSERT INTO members_member (federation_id, number, name, email, council_id, "
        "admitted_on, status) SELECT federation_id, 'ghost', 'Ghost', '', council_id, "
        "admitted_on, 'active' FROM members_member WHERE number = '3'")
    sql('INSERT INTO members_membershipevent (member_id, kind, "on", council_id, note, '
        "recorded_at) SELECT id, 'admitted', admitted_on, council_id, '', "
        "'2024-01-01 00:00:00+00:00' FROM members_member WHERE number = 'ghost'")
    poll = open_poll(federation, "w1")
    assert poll.roll_size == 5
    index = frozen_index(poll)
    found = [str(d) for d in run() if "polls_rollentry" in str(d)]
    assert found == [
        f"state diverges from the record (entry #{index}): polls_rollentry poll {poll.pk} "
        f"(test: {poll.title}): the record gives a roll of 4 (its members by the changes "
        f"recorded before {poll.roll_at.isoformat()}); the roll frozen holds 5; on file but "
        "not on the record's roll: member ghost"], found


def test_a_roll_with_no_freeze_on_the_record_is_named(federation: Federation) -> None:
    """Roll rows for a poll whose roll the record never froze."""
    poll = do_call_poll(spec(federation, "w1", opens_at=NOW + DAY, closes_at=NOW + 2 * DAY),
                        actor=CALLER)
    assert poll.roll_frozen_at is None
    add_voter(poll, "1")
    found = [str(d) for d in run()]
    assert (f"state diverges from the record (no entry): polls_rollentry poll {poll.pk} "
            f"(test: {poll.title}): a roll of 1 on file that no poll.roll_frozen froze"
            in found), found
