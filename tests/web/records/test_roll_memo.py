"""An incremental ``communard verify --state FILE`` does not recompute from the record a frozen
roll that an earlier run recomputed, while its rows still hash to the same freeze; it still
reads and hashes the rows on every run, so a row added, removed or changed by SQL behind the
old freeze is named (real database, the CLI run in-process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection, transaction

from communard.web.elections.models import Election
from communard.web.polls.models import Poll
from communard.web.polls.roll_memo import recomputed
from communard.web.records.replay import load
from tests.web.records.test_verify_state import append, elected, verify
from tests.web.tampering import guards_lifted

pytestmark = pytest.mark.django_db
__all__ = ["elected"]  # the fixture, used by name


def _sql(statement: str) -> None:
    with guards_lifted(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def _counted() -> tuple[int, int]:
    return recomputed["polls"], recomputed["elections"]


def test_a_roll_recomputed_once_is_remembered_and_not_recomputed_while_unchanged(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "verify.state"
    before = _counted()
    assert verify(capsys, "--state", str(state))[0] == 0
    first = _counted()
    # The election's roll is its poll's: each audit recomputes it once.
    assert (first[0] - before[0], first[1] - before[1]) == (1, 1)
    poll, election = Poll.objects.get(purpose="election"), Election.objects.get()
    kept = load(state).memo
    frozen = {"voters": poll.roll_size, "members_sha256": poll.roll_commitment}
    remembered = kept[f"polls.roll_replayed:{poll.pk}"]
    assert remembered[1:3] == [frozen["voters"], frozen["members_sha256"]]
    assert kept[f"elections.roll_replayed:{election.pk}"][1:3] == remembered[1:3]
    append(2)
    status, out, err = verify(capsys, "--state", str(state), "--since-last")
    assert status == 0 and "checked and replayed the 2 entries" in err, out + err
    assert _counted() == first  # read and hashed, not recomputed
    # A full run keeps no memo: it recomputes every roll, and writes the memo afresh.
    status, out, err = verify(capsys, "--state", str(state), "--full")
    assert status == 0, out + err
    assert _counted() == (first[0] + 1, first[1] + 1)
    assert load(state).memo[f"polls.roll_replayed:{poll.pk}"] == remembered


def test_a_changed_rule_input_is_recomputed(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The memo holds the rule's inputs read from the tables (here the councils beneath the
    electorate): a council moved beneath it by SQL is not covered by the earlier run's word."""
    state = tmp_path / "verify.state"
    assert verify(capsys, "--state", str(state))[0] == 0
    first = _counted()
    _sql("UPDATE councils_council SET parent_id = (SELECT id FROM councils_council "
         "WHERE key = 'w1') WHERE key = 'w2'")
    append(1)
    verify(capsys, "--state", str(state), "--since-last")
    assert _counted() == (first[0] + 1, first[1] + 1)


#: What an operator can do to a frozen roll's rows with SQL, and what the audit then says.
ROWS = {
    "added": "INSERT INTO polls_rollentry (poll_id, member_id) SELECT p.id, m.id FROM "
             "polls_poll p, members_member m WHERE p.purpose = 'election' AND m.id NOT IN "
             "(SELECT member_id FROM polls_rollentry) ORDER BY m.id LIMIT 1",
    "removed": "DELETE FROM polls_rollentry WHERE id = (SELECT MIN(id) FROM polls_rollentry)",
    "changed": "UPDATE polls_rollentry SET member_id = (SELECT MIN(id) FROM members_member "
               "WHERE id NOT IN (SELECT member_id FROM polls_rollentry)) "
               "WHERE id = (SELECT MAX(id) FROM polls_rollentry)",
}


@pytest.mark.parametrize("change", sorted(ROWS))
def test_a_roll_row_changed_by_sql_after_a_run_is_named_by_the_incremental_run(
    elected: None, change: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "verify.state"
    assert verify(capsys, "--state", str(state))[0] == 0
    poll, election = Poll.objects.get(purpose="election"), Election.objects.get()
    assert f"polls.roll_replayed:{poll.pk}" in load(state).memo
    size = poll.roll.count()
    _sql(ROWS[change])
    assert poll.roll.count() == size + {"added": 1, "removed": -1, "changed": 0}[change]
    append(1)
    status, out, err = verify(capsys, "--state", str(state), "--since-last")
    assert "checked and replayed the 1 entries" in err, err
    assert status == 1, out + err
    # Named by both audits that read the roll, each naming who differs from the record's roll.
    assert f"poll {poll.pk} (test: " in out and "the roll on file holds" in out, out
    assert f"election {election.pk} (test)" in out, out
    assert "on file but not on the record's roll" in out or \
        "on the record's roll but not on file" in out, out


def test_a_change_appended_later_but_recorded_before_an_old_cut_off_is_recomputed(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A roll counts the changes *recorded* before its cut-off, by their time, not their place
    in the log: an entry appended after a run (here forged by whoever holds the signing key)
    claiming a lapse recorded before the cut-off of a remembered roll changes what the record
    gives for it. The next incremental run recomputes that roll and names the difference."""
    import datetime as dt

    from communard.record.kinds import MEMBER_LAPSED_V2
    from communard.web.records import services

    state = tmp_path / "verify.state"
    assert verify(capsys, "--state", str(state))[0] == 0
    poll = Poll.objects.get(purpose="election")
    assert f"polls.roll_replayed:{poll.pk}" in load(state).memo
    voter = poll.roll.select_related("member__council").first()
    assert voter is not None
    member, before = voter.member, poll.roll_at - dt.timedelta(hours=1)
    with transaction.atomic():
        services.append(MEMBER_LAPSED_V2, {
            "federation": "test", "member": services.personal(member.number),
            "council": member.council.key, "on": (before - dt.timedelta(days=1)).date()
            .isoformat(), "backdated": False}, actor="operator", at=before)
    services.seal()
    first = _counted()
    status, out, err = verify(capsys, "--state", str(state), "--since-last")
    assert "checked and replayed the 1 entries" in err, err
    assert _counted() == (first[0] + 1, first[1] + 1)
    assert status == 1 and f"poll {poll.pk} (test: " in out, out
    assert f"the record gives a roll of {poll.roll_size - 1}" in out, out
    # Recomputed and not matching: forgotten, so every later run names it again.
    assert f"polls.roll_replayed:{poll.pk}" not in load(state).memo
