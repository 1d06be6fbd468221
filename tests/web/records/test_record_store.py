"""The record in the real database: appended by every action, gap-free, and every tamper with
plain SQL is caught by `communard verify` (SQLite, and PostgreSQL with --db=postgres)."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from communard.cli import main
from communard.record import Witness, WitnessAlert, fingerprint, verify_rows
from communard.record.kinds import BALLOT_CAST, CANDIDATE_ACCEPTED, MEMBER_ACCOUNT_CREATED
from communard.web.councils.models import Council
from communard.web.members.actions import do_admit_member
from communard.web.records import sealer, services
from communard.web.records.models import Checkpoint, Entry, Head, Node, Opening, QueuedEntry
from communard.web.records.store import DatabaseStore, NotInTransaction
from tests.web.factories import TEST_OPERATOR, small_federation
from tests.web.tampering import guards_lifted

DAY = dt.datetime.now(dt.UTC).date()  # membership changes are dated within the backdating window


def verify() -> list[tuple[str, int | None]]:
    store = DatabaseStore()
    report = verify_rows(store.rows(), services.verifier(), store.checkpoint_at,
                         latest_checkpoint=store.latest_checkpoint(), stride=4)
    return [(f.problem, f.index) for f in report.findings]


def fill(n: int) -> None:
    """``n`` actions, each sealed after it (as committing does outside the test's transaction)."""
    for i in range(n):
        with transaction.atomic():
            services.append(CANDIDATE_ACCEPTED, {"federation": "t", "election": i,
                                                 "candidate": services.personal(f"m{i}")},
                            actor="operator:t")
        services.seal()


@pytest.mark.django_db
def test_actions_append_signed_entries_that_verify(tmp_path: Path) -> None:
    """Importing and admitting members leaves a log whose every size is signed and verifies."""
    fed = small_federation(tmp_path, {"w1": 3, "w2": 2})
    do_admit_member(fed, number="x1", name="New", council=Council.objects.get(key="w1"),
                    admitted_on=DAY, actor=TEST_OPERATOR)
    queued = QueuedEntry.objects.count()
    assert services.seal() == queued > 0 and not QueuedEntry.objects.exists()
    size = Head.objects.get().size
    assert size == Entry.objects.count() == Checkpoint.objects.count() > 2
    assert list(Entry.objects.values_list("index", flat=True)) == list(range(size))
    assert verify() == []
    assert main(["verify", "--key", fingerprint(services.verifier())]) == 0
    assert "x1" not in str(list(Entry.objects.values_list("data", flat=True)))
    assert Opening.objects.filter(value="x1").exists()


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused() -> None:
    """The record is only written inside the action's transaction."""
    with pytest.raises(NotInTransaction):
        services.append(BALLOT_CAST, {"federation": "t", "election": 0})
    assert Entry.objects.count() == QueuedEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_action_is_sealed_into_the_tree_when_it_commits(tmp_path: Path) -> None:
    """Outside tests' wrapping transaction the commit itself seals: nothing stays queued."""
    fed = small_federation(tmp_path, {"w1": 2})
    do_admit_member(fed, number="x1", name="New", council=Council.objects.get(key="w1"),
                    admitted_on=DAY, actor=TEST_OPERATOR)
    assert not QueuedEntry.objects.exists()
    assert Entry.objects.filter(kind="member.admitted.v2").exists()
    assert Head.objects.get().size == Entry.objects.count() == Checkpoint.objects.count()
    assert verify() == []


@pytest.mark.django_db
def test_a_failed_action_leaves_no_entry() -> None:
    """Rolling back the action rolls back its queued entry: nothing reaches the tree."""
    fill(3)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.append(BALLOT_CAST, {"federation": "t", "election": 99})
        raise RuntimeError("the action failed after appending")
    assert services.seal() == 0
    assert (Entry.objects.count(), Checkpoint.objects.count(), Head.objects.get().size) == (3, 3, 3)
    fill(1)
    assert verify() == []


@pytest.mark.django_db
def test_a_batch_stops_at_its_byte_budget(settings: Any) -> None:
    """A batch holds only the entries whose bodies fit the byte budget (the first always,
    however large), so a sealer never holds a thousand large entries at once; the rest follow
    in the next batches, in queue order."""
    fill(2)
    with transaction.atomic():
        for i in range(10):  # bodies of about 1 kB each
            services.append(BALLOT_CAST, {"federation": "t" * 1000, "election": 100 + i})
    size = len(QueuedEntry.objects.order_by("id").first().body.encode())
    settings.COMMUNARD_SEAL_BATCH_BYTES = 3 * size + size // 2  # three fit, not four
    assert services.seal(once=True) == 3
    assert QueuedEntry.objects.count() == 7
    assert services.seal(once=True, max_bytes=1) == 1  # a budget under one entry: still one
    assert services.seal(once=True, max_bytes=3 * size) == 3  # exactly three fit
    assert services.seal() == 3 and not QueuedEntry.objects.exists()
    bodies = [e.body["election"] for e in Entry.objects.filter(index__gte=2).order_by("index")]
    # Batches follow the queue; casts are shuffled within their batch (services._mixed).
    batches = [sorted(bodies[a:b]) for a, b in ((0, 3), (3, 4), (4, 7), (7, 10))]
    assert batches == [[100, 101, 102], [103], [104, 105, 106], [107, 108, 109]]
    assert verify() == []


@pytest.mark.django_db
def test_a_batch_is_sealed_in_queue_order_with_a_checkpoint_per_size() -> None:
    """Many queued entries sealed at once (batches smaller than the queue): positions follow
    the queue, every tree size has its signed checkpoint, the queue empties, the log verifies."""
    fill(2)
    with transaction.atomic():
        for i in range(25):
            services.append(BALLOT_CAST, {"federation": "t", "election": 100 + i})
    assert services.seal(batch=7) == 25 and not QueuedEntry.objects.exists()
    bodies = [e.body["election"] for e in Entry.objects.filter(index__gte=2).order_by("index")]
    # Batches follow the queue; within a batch casts are shuffled (issue 16: services._mixed).
    assert [set(bodies[i:i + 7]) for i in range(0, 25, 7)] == [
        set(range(100 + i, min(125, 107 + i))) for i in range(0, 25, 7)]
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == list(
        range(1, 28))
    assert verify() == []


@pytest.mark.django_db
def test_editing_a_row_with_sql_is_caught_at_its_index() -> None:
    """UPDATE of one entry's bytes: reported as edited at that index."""
    fill(10)
    with guards_lifted(), connection.cursor() as c:
        c.execute("UPDATE records_entry SET data = REPLACE(data, '\"election\":6,', '\"election\":7,') "
                  "WHERE \"index\" = 6")
    assert ("edited", 6) in verify()
    assert main(["verify", "--key", fingerprint(services.verifier())]) == 1


@pytest.mark.django_db
def test_editing_a_row_and_its_hash_with_sql_is_caught_by_the_signatures() -> None:
    """UPDATE of bytes and stored hash together: the signed checkpoints point at the index."""
    fill(10)
    e = Entry.objects.get(index=4)
    from communard.record import leaf_hash
    data = e.data.replace('"election":4,', '"election":40,')
    with guards_lifted(), connection.cursor() as c:
        c.execute('UPDATE records_entry SET data = %s, leaf_hash = %s WHERE "index" = 4',
                  [data, leaf_hash(data.encode())])
    assert ("rewritten", 4) in verify()


@pytest.mark.django_db
def test_deleting_a_row_with_sql_is_caught_at_its_index() -> None:
    """DELETE of one entry: reported as deleted at that index."""
    fill(10)
    with guards_lifted(), connection.cursor() as c:
        c.execute('DELETE FROM records_entry WHERE "index" = 3')
    assert ("deleted", 3) in verify()


@pytest.mark.django_db
def test_swapping_two_rows_with_sql_is_caught_at_their_indices() -> None:
    """Swapping the positions of entries 2 and 7: both reported as reordered."""
    fill(10)
    with guards_lifted(), connection.cursor() as c:
        c.execute('UPDATE records_entry SET "index" = -1 WHERE "index" = 2')
        c.execute('UPDATE records_entry SET "index" = 2 WHERE "index" = 7')
        c.execute('UPDATE records_entry SET "index" = 7 WHERE "index" = -1')
    found = verify()
    assert ("reordered", 2) in found and ("reordered", 7) in found


class DjangoClient:
    """A witness's view of the server through the test client (the HTTP API, no network)."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self.client = client

    def latest_checkpoint(self) -> str:
        return self.client.get("/record/api/checkpoint").content.decode()

    def consistency_proof(self, old_size: int, new_size: int) -> Sequence[bytes]:
        import base64

        answer = self.client.get("/record/api/proof/consistency",
                                 {"old": old_size, "new": new_size}).json()
        return [base64.b64decode(h) for h in answer["proof"]]


@pytest.mark.django_db
def test_rewriting_history_and_resigning_is_caught_by_a_witness(tmp_path: Path, client) -> None:  # type: ignore[no-untyped-def]
    """The operator rebuilds every table with entry 2 changed and re-signs with the real key:
    `verify` alone passes, a witness that kept an earlier checkpoint raises the alarm."""
    fill(6)
    witness = Witness(tmp_path / "w")
    witness.pin_log_key(services.verifier())
    witness.observe(DjangoClient(client))
    with guards_lifted():  # the operator as the database's superuser
        for model in (Entry, Node, Checkpoint):
            model.objects.all().delete()
        Head.objects.update(size=0)
    for i in range(8):
        with transaction.atomic():
            services.append(BALLOT_CAST, {"federation": "t", "election": i if i != 2 else 200})
        services.seal()
    assert verify() == []  # self-consistent and signed with the organisation's key
    with pytest.raises(WitnessAlert, match="REWRITE"):
        witness.observe(DjangoClient(client))
    kept = (tmp_path / "w" / "latest.note")
    key = fingerprint(services.verifier())
    assert main(["verify", "--key", key, "--trusted", str(kept)]) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_actions_produce_a_gap_free_log() -> None:
    """Appends from several threads at once: indices 0..n-1, each once, and the log verifies."""
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic(durable=True):
                    services.append(BALLOT_CAST, {"federation": f"w{k}", "election": i})
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert not QueuedEntry.objects.exists()  # each thread's commit sealed, or left it to a sealer
    assert list(Entry.objects.values_list("index", flat=True)) == list(range(60))
    assert sorted(int(e.body["federation"][1:]) * 10 + e.body["election"] for e in Entry.objects.all()) == list(
        range(60))
    assert verify() == []


@pytest.mark.django_db
def test_head_frontier_matches_the_stored_tree() -> None:
    """The head's frontier (what appends work from) is the tree's stored complete subtrees,
    and a head without one (an older database) is rebuilt from the node table on next append."""
    from communard.record import HASH_SIZE, frontier_keys

    fill(13)
    head = Head.objects.get()
    keys = frontier_keys(head.size)
    stored = DatabaseStore()._stored_hashes(keys)
    assert bytes(head.frontier) == b"".join(stored[k] for k in keys)
    assert len(bytes(head.frontier)) == HASH_SIZE * len(keys) == HASH_SIZE * 3  # 13 = 8+4+1
    Head.objects.filter(pk=1).update(frontier=b"")
    fill(6)
    assert verify() == []
    head = Head.objects.get()
    assert head.size == 19
    keys = frontier_keys(19)
    stored = DatabaseStore()._stored_hashes(keys)
    assert bytes(head.frontier) == b"".join(stored[k] for k in keys)


@pytest.mark.django_db(transaction=True)
def test_a_servers_sealer_process_seals_what_its_workers_queue(
    monkeypatch: pytest.MonkeyPatch, settings: Any,
) -> None:
    """Under `communard serve` a worker's commit only queues its entry; the server's sealer
    loop (`sealer.follow`, here in a thread) seals them batch by batch, and stopping it leaves
    none."""
    # Both restored after the test: the variable by monkeypatch, the setting by the fixture.
    monkeypatch.setenv("COMMUNARD_RECORD_SEALER", "inline")
    settings.COMMUNARD_RECORD_SEALER = "inline"
    sealer.seal_elsewhere()
    assert sealer.sealed_elsewhere() and os.environ["COMMUNARD_RECORD_SEALER"] == "process"
    for i in range(20):
        with transaction.atomic(durable=True):
            services.append(BALLOT_CAST, {"federation": "t", "election": i})
    assert QueuedEntry.objects.count() == 20 and not Entry.objects.exists()
    stop = threading.Event()
    sealed: list[int] = []
    loop = threading.Thread(target=lambda: sealed.append(sealer.follow(stop, interval=0.05)))
    loop.start()
    try:
        deadline = time.monotonic() + 30
        while QueuedEntry.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for i in range(20, 25):  # committed while it runs: taken by a later round or the last
            with transaction.atomic(durable=True):
                services.append(BALLOT_CAST, {"federation": "t", "election": i})
    finally:
        stop.set()
        loop.join(timeout=30)
    assert sealed == [25] and not QueuedEntry.objects.exists()
    # In queue order batch by batch; the casts within a batch shuffled (issue 16).
    elections = [e.body["election"] for e in Entry.objects.order_by("index")]
    assert set(elections[:20]) == set(range(20)) and set(elections[20:]) == set(range(20, 25))
    assert verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_server_started_another_way_marks_its_workers_with_the_setting(
    settings: Any,
) -> None:
    """COMMUNARD_RECORD_SEALER=process (the setting it fills): commits only queue, for a sealer
    process run beside a server that `communard serve` did not start; inline, they seal."""
    assert not sealer.sealed_elsewhere()
    with transaction.atomic(durable=True):
        services.append(BALLOT_CAST, {"federation": "t", "election": 0})
    assert not QueuedEntry.objects.exists() and Entry.objects.count() == 1
    settings.COMMUNARD_RECORD_SEALER = "process"
    assert sealer.sealed_elsewhere()
    with transaction.atomic(durable=True):
        services.append(BALLOT_CAST, {"federation": "t", "election": 1})
    assert QueuedEntry.objects.count() == 1 and Entry.objects.count() == 1
    assert main(["seal"]) == 0
    assert not QueuedEntry.objects.exists() and verify() == []


@pytest.mark.django_db
def test_communard_seal_seals_what_a_crash_left_queued(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`communard seal` seals entries committed but never sealed; a bad interval is refused."""
    from communard.record import Queued
    from communard.web.records.store import enqueue

    with transaction.atomic():
        for i in range(3):
            enqueue(Queued.of("ballot.cast", {"federation": "t", "election": i}))
    assert main(["seal"]) == 0
    assert "3 queued record entries sealed" in capsys.readouterr().out
    assert not QueuedEntry.objects.exists() and Entry.objects.count() == 3
    assert verify() == []
    with pytest.raises(SystemExit):
        main(["seal", "--follow", "--interval", "0"])
    assert "not a number of seconds" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_batch_prepared_while_another_sealer_wrote_is_refused_and_prepared_again() -> None:
    """Two sealers prepare the same queued entries; the one that writes second finds the tree
    moved (Stale) and writes nothing: no entry is sealed twice, and a fresh seal finds no work."""
    from communard.record import Log
    from communard.web.records.store import Stale, queued

    fill(2)
    with transaction.atomic():
        for i in range(3):
            services.append(BALLOT_CAST, {"federation": "t", "election": 50 + i})
    late = DatabaseStore()
    with late.lock():
        taken = queued(100)
        Log(late, services.signer()).integrate([q for _, q in taken])
    assert late.prepared == 3
    assert services.seal() == 3  # the other sealer gets there first
    with pytest.raises(Stale), transaction.atomic():
        late.write()
    assert services.seal() == 0
    assert Head.objects.get().size == Entry.objects.count() == 5
    assert verify() == []


@pytest.mark.django_db(transaction=True)
def test_openings_commit_with_their_entry_and_roll_back_with_their_savepoint() -> None:
    """A commitment's opening is kept exactly when the entry holding it commits: openings made
    in a rolled-back savepoint or transaction are gone (on PostgreSQL they wait to be written in
    the entry's own statement, on SQLite they are written at once; the outcome is the same)."""
    with transaction.atomic(durable=True):
        kept = services.personal("member 1")
        try:
            with transaction.atomic():
                lost = services.personal("member 2")
                raise RuntimeError("the inner step fails")
        except RuntimeError:
            pass
        services.append(MEMBER_ACCOUNT_CREATED, {"federation": "t", "member": kept})
    with pytest.raises(RuntimeError), transaction.atomic(durable=True):
        gone = services.personal("member 3")
        services.append(MEMBER_ACCOUNT_CREATED, {"federation": "t", "member": gone})
        raise RuntimeError("the whole action fails")
    openings = set(Opening.objects.values_list("commitment", flat=True))
    assert kept in openings and lost not in openings and gone not in openings
    entry = Entry.objects.get()
    assert entry.body["member"] == kept
    assert Opening.objects.get(commitment=kept).value == "member 1"
