"""`communard verify --state FILE` remembers the audited tree and the replayed state, and the
next run checks and replays only the entries added since; a kept state that the current log
does not extend is a fork, reported and never trusted (real database)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import transaction

from communard.cli import main
from communard.record import fingerprint
from communard.record.kinds import BALLOT_CAST
from communard.web.elections.actions import do_close_election
from communard.web.members.models import Member
from communard.web.records import services
from communard.web.records.models import Checkpoint, Entry, Head, Node
from tests.web.elections_helpers import DAY, NOW, cast_ballot, open_election
from tests.web.factories import small_federation
from tests.web.tampering import guards_lifted

pytestmark = pytest.mark.django_db


@pytest.fixture
def elected(tmp_path: Path) -> None:
    """Workshop one elected its delegates: a federation founded, an election run and seated."""
    fed = small_federation(tmp_path, {"w1": 12, "w2": 3, "w3": 5})
    election = open_election(fed, "w1", ["1", "2", "3"])
    for number, ranking in [("4", [1, 2]), ("5", [1]), ("6", [2, 3]), ("7", [3, 1])]:
        cast_ballot(election, Member.objects.get(number=number), ranking, now=NOW)
    do_close_election(election, now=NOW + 2 * DAY)


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    services.seal()
    capsys.readouterr()
    status = main(["verify", "--key", fingerprint(services.verifier()), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def append(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            services.append(BALLOT_CAST, {"federation": "test", "election": 1000 + i},
                            actor="voter")
    services.seal()


def test_a_second_run_checks_and_replays_only_the_new_entries(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "auditor" / "verify.state"
    status, out, err = verify(capsys, "--state", str(state))
    assert status == 0 and "state: matches the record" in out, out + err
    assert state.exists() and "incremental" not in err
    size = Entry.objects.count()
    append(3)
    status, out, err = verify(capsys, "--state", str(state), "--since-last")
    assert status == 0 and "state: matches the record" in out, out + err
    assert f"checked and replayed the 3 entries after the audited tree of {size}" in err
    assert f"record intact: {size + 3} entries" in out


SQL = {
    # Compared with the tables on every run, incremental or not.
    "seat count raised": (
        "UPDATE councils_council SET seats_in_parent = seats_in_parent + 5 WHERE key = 'w1'",
        "seats_in_parent is 7; the census of"),
    # Found only by replaying entries that the incremental run takes from the state file.
    "delegate unseated": (
        "UPDATE councils_delegate SET ended_at = began_at",
        "the record seats them but no current row does"),
    # A box recounted by the run before is not counted again only while it is unchanged.
    # (An election's box is its poll's, which names candidates by number, not by name: a
    # candidate renamed no longer changes it.)
    "ballots rewritten": (
        "UPDATE polls_ballot SET choices = '[3]'",
        "polls_ballot poll="),
}


@pytest.mark.parametrize("attack", sorted(SQL))
def test_an_incremental_run_still_names_a_change_behind_the_record(
    elected: None, attack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "verify.state"
    assert verify(capsys, "--state", str(state))[0] == 0
    append(2)
    statement, expected = SQL[attack]
    with guards_lifted(), transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(statement)
    status, out, err = verify(capsys, "--state", str(state), "--since-last")
    assert "checked and replayed the 2 entries" in err
    assert status == 1 and expected in out, out + err


def roll_back_to(size: int) -> None:
    """What restoring an older backup does to the record's tables: the entries from ``size``
    on are gone, with the nodes and checkpoints above them (the guards lifted, as the
    database's owner can), and the head is rebuilt from the nodes on the next seal."""
    with guards_lifted():
        Entry.objects.filter(index__gte=size).delete()
        Checkpoint.objects.filter(size__gt=size).delete()
        gone = [pk for pk, level, index in Node.objects.values_list("pk", "level", "index")
                if (index + 1) << level > size]
        Node.objects.filter(pk__in=gone).delete()
        Head.objects.filter(pk=1).update(size=size, frontier=b"")


def test_a_log_rolled_back_and_written_anew_is_a_fork_and_the_state_is_kept(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The operator restores a backup from before the last audit and records other entries
    past it, signed with the organisation's own key: the log is intact on its own, but it does
    not extend the tree the auditor kept."""
    state = tmp_path / "verify.state"
    append(4)
    assert verify(capsys, "--state", str(state))[0] == 0
    kept = state.read_bytes()
    size = Entry.objects.count()
    roll_back_to(size - 4)
    append(6)
    status, out, err = verify(capsys, "--state", str(state))
    assert status == 1, out + err
    assert "record: fork: the organisation signed root" in out
    assert f"the log does not extend the tree audited at size {size}" in out
    assert state.read_bytes() == kept  # evidence, never overwritten by the forked log's state
    assert "does not fit the current log" in err


def test_since_last_without_an_earlier_audit_is_refused(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "missing.state"
    status, out, err = verify(capsys, "--state", str(state), "--since-last")
    assert status == 2 and f"{state}: no earlier audit to continue from" in err
    assert not state.exists() and "intact" not in out


def test_a_damaged_state_file_is_refused_naming_it(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "verify.state"
    assert verify(capsys, "--state", str(state))[0] == 0
    state.write_bytes(state.read_bytes()[:-40])
    status, out, err = verify(capsys, "--state", str(state))
    assert status == 2 and f"{state}: not a verify state file" in err, err
    assert "intact" not in out


def test_full_replays_everything_and_remembers_it(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "verify.state"
    assert verify(capsys, "--state", str(state))[0] == 0
    append(1)
    status, out, err = verify(capsys, "--state", str(state), "--full")
    assert status == 0 and "incremental" not in err
    status, out, err = verify(capsys, "--state", str(state))
    assert status == 0 and "checked and replayed the 0 entries" in err


def test_the_one_pass_gives_the_audits_what_the_table_gives(elected: None) -> None:
    """Every declared kind a replay keeps: the same (index, kind, body), in the same order,
    from the one pass as from a query of the table."""
    from communard.record import kinds
    from communard.web.records import audit
    from communard.web.records.replay import NOT_KEPT, Replay
    from communard.web.records.store import DatabaseStore

    services.seal()
    replay = Replay()
    rows = list(replay.reading(DatabaseStore().rows()))
    assert len(rows) == Entry.objects.count() > 10
    kept = [k for k in kinds.KINDS.values() if k.name not in NOT_KEPT]
    from_table = list(audit.entries(*kept))
    assert from_table and list(replay.entries({k.name for k in kept})) == from_table


def test_a_replay_never_answers_for_a_kind_it_does_not_keep() -> None:
    """An audit asking for ballot casts is told they are not kept, not given an empty list."""
    from communard.web.records.replay import NotKept, Replay

    with pytest.raises(NotKept, match="ballot.cast"):
        list(Replay().entries({BALLOT_CAST.name}))


def test_strict_checks_the_whole_record_even_with_a_state_file(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--strict (and --trusted) are checks of the whole log: never silently skipped by a
    continuing run, and refused with --since-last."""
    state = tmp_path / "verify.state"
    assert verify(capsys, "--state", str(state))[0] == 0
    status, out, err = verify(capsys, "--state", str(state), "--strict")
    assert status == 0 and "incremental" not in err and "not continuing" in err
    status, out, err = verify(capsys, "--state", str(state), "--strict", "--since-last")
    assert status == 2 and "--since-last checks only what was added" in err


def test_a_new_entry_edited_is_named_by_the_full_check_not_called_a_fork(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The continuing check fails on an edited new entry; the whole record is then checked,
    which names the entry, and the past the auditor kept is not accused of a fork."""
    state = tmp_path / "verify.state"
    assert verify(capsys, "--state", str(state))[0] == 0
    append(3)
    last = Entry.objects.order_by("-index").first()
    assert last is not None
    with guards_lifted():
        # Casts sealed together are shuffled (services._mixed): the last is any of the three.
        Entry.objects.filter(pk=last.pk).update(data=re.sub(r'"election":100\d', '"election":7',
                                                            last.data))
    status, out, err = verify(capsys, "--state", str(state))
    assert status == 1 and f"entry {last.index}: edited" in out, out
    assert "fork" not in out and "does not fit the current log" in err


def test_a_box_recounted_once_is_remembered_with_the_digest_of_its_inputs(
    elected: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first run recounts the election's box and keeps, in the state file, the digest of
    what it counted with the entry's hash and winners; a ballot changed since gives another
    digest, so the next run counts again (and names the change, as the test above shows)."""
    from communard.web.polls.audit import _box_inputs_digest
    from communard.web.polls.models import Poll
    from communard.web.records.replay import load

    state = tmp_path / "verify.state"
    assert verify(capsys, "--state", str(state))[0] == 0
    poll = Poll.objects.get(purpose="election")
    kept = load(state).memo[f"polls.recounted:{poll.pk}"]
    closed = Entry.objects.get(kind="poll.closed", body__poll=poll.pk).parsed()["body"]
    assert kept == [_box_inputs_digest(poll), closed["box_sha256"], closed["winners"]]
    with guards_lifted(), transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("UPDATE polls_ballot SET choices = '[2]' WHERE tracking_code = "
                           "(SELECT MIN(tracking_code) FROM polls_ballot)")
    assert _box_inputs_digest(poll) != kept[0]
