"""The web application's one door into the record.

Every ``do_*`` action calls :func:`append` inside its own ``transaction.atomic``; nothing else
writes entries. Personal data goes in only through :func:`personal`, as a salted commitment.

An append checks and encodes the entry and inserts it into the queue in the action's own
transaction, so the entry commits or rolls back with the state change it records. When that
transaction commits, :func:`seal` moves what is queued into the Merkle tree (positions, nodes, a
signed checkpoint per tree size), many entries per hold of the tree's lock: in the committing
thread, or, under ``communard serve``, by the server's sealer process (``sealer.py``). The
record's pages and API seal before they read, and ``communard tick`` seals whatever a crash left
queued.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from communard.record import (
    Log,
    Queued,
    Signer,
    Verifier,
    commit,
    format_time,
    kinds,
    load_signer,
    new_salt,
)
from communard.web.records import sealer, store
from communard.web.records.models import Opening
from communard.web.records.store import NotInTransaction

DEFAULT_ORIGIN = "communard.local/record"
SEAL_BATCH = 1000
_lock = threading.Lock()
_signer: Signer | None = None

#: The entries that say only "a vote was cast" (issue 16). Their time and their order in the
#: log would follow the casts, and so the voters' sign-ins, requests and access-log lines: the
#: cast queues them with no time of its own (:data:`UNSTAMPED`); the sealer gives every one of
#: a batch the batch's time and puts them after the batch's other entries in an order drawn
#: from the OS CSPRNG (:func:`_mixed`). Under ``communard serve`` a batch is what committed in
#: the sealer process's last round (0.2 s). A process that seals its own commits (command-line
#: tools, tests, a server run without ``COMMUNARD_RECORD_SEALER=process``) seals each cast as
#: a batch of one: its time is then its commit's, and its place follows the casts.
BATCH_STAMPED = frozenset({kinds.POLL_BALLOT_CAST.tag, kinds.BALLOT_CAST.tag})
#: The time a queued cast carries until the sealer stamps its batch's (never sealed as such).
UNSTAMPED = "1970-01-01T00:00:00.000000Z"


def key_path() -> Path:
    return Path(settings.CONFIG.signing_key_path)


def signer() -> Signer:
    """The organisation's signing key, made on first use (0600, beside a public ``.vkey``)."""
    global _signer
    with _lock:
        path = key_path()
        if _signer is None or not path.exists():
            _signer = _load_or_create(path)
        return _signer


def _load_or_create(path: Path) -> Signer:
    if path.exists():
        return load_signer(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    origin = getattr(settings, "COMMUNARD_RECORD_ORIGIN", DEFAULT_ORIGIN)
    new = Signer.generate(origin)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return load_signer(path)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(new.text() + "\n")
    path.with_suffix(".vkey").write_text(new.verifier.text() + "\n", encoding="utf-8")
    return new


def verifier() -> Verifier:
    return signer().verifier


def log() -> Log:
    return Log(store.DatabaseStore(), signer())


def append(
    kind: kinds.Kind[Any], body: Mapping[str, Any], *, actor: str = "", at: datetime | None = None
) -> None:
    """Append one entry recording a state change made in the caller's transaction; it takes
    its place in the tree when that transaction commits.

    ``at``: the entry's time, when the action keeps it in its rows too (a membership event's
    ``recorded_at``, which the members audit compares with it); an action takes it from the
    clock just before, never from its caller.

    Raises :class:`NotInTransaction` outside ``transaction.atomic``,
    ``communard.record.kinds.UnknownKind`` for a kind not declared in ``record.kinds``,
    ``kinds.BodyMismatch`` for a body that is not what its kind declares, and
    ``communard.record.MalformedEntry`` for one that is not the record's JSON (no floats).
    """
    kinds.validate(kind, body)
    queued = _unstamped(Queued.of(kind.tag, body, actor=actor, at=at))
    if not connection.in_atomic_block:
        raise NotInTransaction("record entries are written inside the action's transaction")
    _seal_when_committed()
    store.enqueue(queued)  # with the openings of the commitments in its body, in one statement


def entry(
    kind: kinds.Kind[Any], body: Mapping[str, Any], *, actor: str = "", in_statement: bool = False
) -> Queued:
    """Check an entry for a hot path that writes the queue row itself (``store.enqueue_sql``),
    as part of the same transaction as the change it records; its sealing follows the commit.
    Everyone else calls :func:`append`.

    ``in_statement=True``: the caller writes the row in the very statement that makes the
    change, so outside ``transaction.atomic`` that statement is its own transaction; after it
    succeeds the caller calls :func:`statement_committed`.
    """
    kinds.validate(kind, body)  # about 0.6 µs for a ballot: see docs/record/kinds.md
    queued = _unstamped(Queued.of(kind.tag, body, actor=actor))
    if connection.in_atomic_block:
        store.write_openings()  # the commitments in this body: their openings precede it
        _seal_when_committed()
    elif not in_statement:
        raise NotInTransaction("record entries are written inside the action's transaction")
    return queued


def _seal_when_committed() -> None:
    if not any(func is _seal_after_commit for _, func, _ in connection.run_on_commit):
        transaction.on_commit(_seal_after_commit, robust=True)


def statement_committed() -> None:
    """After an ``in_statement`` entry's statement: outside a transaction it has committed, so
    its entry is sealed as a commit's is (inside one, the commit seals it)."""
    if not connection.in_atomic_block:
        _seal_after_commit()


def _unstamped(queued: Queued) -> Queued:
    """A cast's entry without its own time: the sealer gives it its batch's."""
    if queued.kind in BATCH_STAMPED:
        return dataclasses.replace(queued, time=UNSTAMPED)
    return queued


def _mixed(taken: list[tuple[int, Queued]]) -> list[tuple[int, Queued]]:
    """A batch as it goes into the tree: its casts (:data:`BATCH_STAMPED`) stamped with the
    batch's time and placed after its other entries, in an order shuffled by the OS CSPRNG, so
    that neither their times nor their positions follow the order of the casts (nor sit beside
    the entry a voter's other action made just before)."""
    casts = [(i, q) for i, q in taken if q.kind in BATCH_STAMPED]
    if not casts:
        return taken
    now = format_time(datetime.now(UTC))
    secrets.SystemRandom().shuffle(casts)
    return ([(i, q) for i, q in taken if q.kind not in BATCH_STAMPED]
            + [(i, dataclasses.replace(q, time=now)) for i, q in casts])


def seal(*, wait: bool = True, batch: int = SEAL_BATCH, max_bytes: int | None = None,
         once: bool = False) -> int:
    """Move queued entries into the tree, oldest first; returns how many.

    Each batch is prepared (positions, hashes, signed checkpoints) without the lock, then
    written under it if no other sealer moved the tree meanwhile (else prepared again). With
    ``wait=False`` a sealer that finds the lock held leaves the work to its holder, which looks
    at the queue again after each batch it writes, until it finds it empty: an entry committed
    before that look is never left behind. ``batch`` bounds one transaction's work in entries,
    ``max_bytes`` (default: the ``COMMUNARD_SEAL_BATCH_BYTES`` setting) in the bytes of their
    bodies, which a batch holds in memory several times over (queued text, canonical entry,
    the row written): a thousand entries of a large import's 100 kB would be 100 MB each time.

    ``once``: write at most one batch (the sealer process's rounds: draining to the last entry
    would end each round with batches of one or two, which cost several times more per entry).
    """
    sealed = 0
    budget = max_bytes if max_bytes is not None else settings.COMMUNARD_SEAL_BATCH_BYTES
    while True:
        draft = store.DatabaseStore(wait=wait)
        with draft.lock():  # the tree's edge first, then the queue: see DatabaseStore.write
            taken = _mixed(store.queued(batch, budget))
            if taken:
                Log(draft, signer()).integrate([q for _, q in taken])
        if not taken:
            return sealed
        try:
            with transaction.atomic():
                draft.write()
                store.dequeue([i for i, _ in taken])
        except store.Busy:
            return sealed
        except store.Stale:
            continue  # another sealer wrote first; prepare again from where it left the tree
        sealed += len(taken)
        if once:
            return sealed


def _seal_after_commit() -> None:
    if not sealer.sealed_elsewhere():  # a server worker's sealer process takes it within moments
        seal(wait=False)


def personal(value: str) -> str:
    """A fresh salted commitment to a piece of personal data; the opening is kept privately
    (in the caller's transaction when there is one, so a failed action leaves none behind)."""
    return log().personal(value)


def personal_deferred(value: str) -> tuple[str, tuple[str, bytes, str]]:
    """A fresh salted commitment to ``value`` and its opening (commitment, salt, value), which
    the caller writes itself, in the statement that queues the entry holding the commitment
    (``store.openings_sql``): for a hot path that is one statement outside any transaction."""
    salt = new_salt()
    made = commit(value, salt)
    return made, (made, salt, value)


def personal_many(values: Sequence[str]) -> list[str]:
    """Fresh salted commitments to many values (an import's members), in order, their openings
    kept in one INSERT per thousand rather than one each: what keeps an import of 100,000
    members, two commitments each, from paying 200,000 round trips. Inside the caller's
    transaction, like :func:`personal`."""
    salts = [new_salt() for _ in values]
    made = [commit(v, salt) for v, salt in zip(values, salts, strict=True)]
    table = connection.ops.quote_name(Opening._meta.db_table)
    with connection.cursor() as cursor:  # plain rows: no model instance per opening
        cursor.executemany(f"INSERT INTO {table} (commitment, salt, value) VALUES (%s, %s, %s)",
                           list(zip(made, salts, values, strict=True)))
    return made


__all__ = ["append", "entry", "statement_committed", "personal", "personal_deferred", "personal_many", "seal", "NotInTransaction", "log", "signer", "verifier"]
