"""The record's database store: :class:`communard.record.Store` on the Django ORM, and the queue
that actions write their entries to.

Works on SQLite and PostgreSQL. An action only inserts a ``QueuedEntry`` row in its own
transaction (:func:`enqueue`); sealing then prepares a batch of queued entries and writes it
under the lock: a ``SELECT … FOR UPDATE`` of the single ``Head`` row on PostgreSQL (held until
the sealing transaction ends), the database-wide write lock that ``BEGIN IMMEDIATE`` takes on
SQLite. The next sealer waits (or, with ``wait=False``, leaves the work to the one holding the
lock) and writes only if the tree has not moved: the log stays gap-free.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from communard.record import HASH_SIZE, NodeKey, Queued, Row, frontier_keys
from communard.web.records.models import (
    Checkpoint,
    Entry,
    Head,
    Node,
    Opening,
    QueuedEntry,
)


class NotInTransaction(RuntimeError):
    """An append was attempted outside the action's transaction, so it could not be atomic."""


class Busy(Exception):
    """``lock()`` of a store made with ``wait=False`` found another sealer holding the lock."""


class Stale(Exception):
    """A batch prepared without the lock found the tree moved on before it was written."""


class DatabaseStore:
    """The app's store. Sealing uses it optimistically: ``lock()`` reads the tree's edge as it
    is and collects what the log adds (hashing, signing) without taking the database's lock;
    :meth:`write` then takes the lock for just the writes, and refuses (:class:`Stale`) if
    another sealer moved the tree meanwhile, so batches still join the tree one after another.
    Holding the lock for the writes alone matters on SQLite, where it is the whole database's
    and every action waits for it. Reads (sizes, proofs, checkpoints) need no ``lock()``."""

    def __init__(self, *, wait: bool = True) -> None:
        self._wait = wait
        self._held = False
        self._base: int | None = None
        self._size: int | None = None
        self._frontier: dict[NodeKey, bytes] | None = None
        self._pending: list[_Pending] = []

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Prepare one batch from the tree's edge as it is now (re-entrant)."""
        if self._held:
            yield
            return
        if self._base is not None:
            raise RuntimeError("a database store prepares one batch")
        self._size, self._frontier = self._open_head(locked=False)
        self._base, self._pending, self._held = self._size, [], True
        try:
            yield
        finally:
            self._held = False

    @property
    def prepared(self) -> int:
        return len(self._pending)

    def write(self) -> None:
        """Inside the sealing transaction: lock, check the tree is where the batch began, write
        the batch's entries, nodes, checkpoints and the new head."""
        if not connection.in_atomic_block:
            raise NotInTransaction("the record's tree is changed only inside a transaction")
        size, _ = self._open_head(locked=True)
        if size != self._base:
            raise Stale(f"the tree grew from {self._base} to {size} while this batch was prepared")
        if self._pending:
            assert self._size is not None and self._frontier is not None
            keys = frontier_keys(self._size)
            _write(self._pending, self._size, b"".join(self._frontier[k] for k in keys))

    def _open_head(self, *, locked: bool) -> tuple[int, dict[NodeKey, bytes]]:
        """The tree's size and frontier, read under the lock (``locked``) or as they are."""
        head = _locked_head(self._wait) if locked else _head()
        if head is None:
            if locked and Head.objects.filter(pk=1).exists():
                raise Busy("another sealer holds the record's lock")
            try:  # made by the migration, but a flushed test database lacks it
                with transaction.atomic():
                    Head.objects.create(pk=1, size=Entry.objects.count())
            except IntegrityError:
                pass  # a concurrent sealer made it
            head = _locked_head(True) if locked else _head()
            assert head is not None
        size, blob = int(head[0]), bytes(head[1])
        keys = frontier_keys(size)
        if len(blob) == HASH_SIZE * len(keys):
            frontier = {k: blob[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i, k in enumerate(keys)}
        else:
            # A head written before the frontier was kept: read it from the node table, once.
            frontier = dict(self._stored_hashes(keys))
        return size, frontier

    def size(self) -> int:
        if self._size is not None:
            return self._size
        size = Head.objects.values_list("size", flat=True).filter(pk=1).first()
        return 0 if size is None else int(size)

    def node_hashes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        # Under the lock an append asks only for frontier nodes: answered from memory.
        frontier = self._frontier
        if frontier is not None and all(k in frontier for k in keys):
            return {k: frontier[k] for k in keys}
        return self._stored_hashes(keys)

    def _stored_hashes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        out: dict[NodeKey, bytes] = {}
        leaves = [i for level, i in keys if level == 0]
        if leaves:
            for index, digest in Entry.objects.filter(index__in=leaves).values_list(
                "index", "leaf_hash"
            ):
                out[(0, index)] = bytes(digest)
        upper = [(level, i) for level, i in keys if level > 0]
        if upper:
            q = Q()
            for level, i in upper:
                q |= Q(level=level, index=i)
            for level, index, digest in Node.objects.filter(q).values_list(
                "level", "index", "hash"
            ):
                out[(level, index)] = bytes(digest)
        missing = [k for k in keys if k not in out]
        if missing:
            raise KeyError(f"the record's node table lacks {missing[:3]}")
        return out

    def add(
        self, index: int, data: bytes, nodes: Sequence[tuple[NodeKey, bytes]], checkpoint: str
    ) -> None:
        if self._size is None or self._frontier is None:
            raise RuntimeError("entries are added to a batch inside lock()")
        if index != self._size:
            raise ValueError(f"add at {index} but the log has {self._size} entries")
        known = dict(self._frontier)
        known.update(nodes)
        keys = frontier_keys(index + 1)
        missing = [k for k in keys if k not in known]
        if missing:
            known.update(self._stored_hashes(missing))
        self._pending.append(_Pending(index, data, nodes, checkpoint))
        self._size = index + 1
        self._frontier = {k: known[k] for k in keys}

    def rows(self, start: int = 0, end: int | None = None) -> Iterator[Row]:
        """The stored entries from ``start`` (to ``end``), in index order. Plain SQL: the log
        check of a million entries reads every one, and the ORM's work per row was a third of
        that read."""
        q = connection.ops.quote_name
        index = q("index")
        sql = (f"SELECT {index}, data, leaf_hash FROM {q(Entry._meta.db_table)} "
               f"WHERE {index} >= %s" + (f" AND {index} < %s" if end is not None else "")
               + f" ORDER BY {index}")
        # chunked_cursor: a server-side cursor on PostgreSQL, so the rows stream as .iterator()
        # streamed them, and are not all fetched at once.
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, [start] if end is None else [start, end])
            while batch := cursor.fetchmany(5000):
                for i, data, leaf in batch:
                    yield Row(i, data.encode("utf-8"), bytes(leaf))

    def checkpoint_at(self, size: int) -> str | None:
        return Checkpoint.objects.filter(size=size).values_list("note", flat=True).first()

    def latest_checkpoint(self) -> str | None:
        return Checkpoint.objects.order_by("-size").values_list("note", flat=True).first()

    def add_opening(self, commitment: str, salt: bytes, value: str) -> None:
        """Keep an opening privately. On PostgreSQL, inside a transaction, it is written with
        the transaction's next queued entry, in the same statement (see :class:`_Openings`);
        elsewhere at once."""
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            _Openings.current().rows.append((commitment, salt, value))
            return
        with connection.cursor() as cursor:
            cursor.execute(_sql(connection.vendor)["opening"], [commitment, salt, value])


class _Openings:
    """Openings made in the current transaction and not written yet.

    An action makes a salted commitment (``services.personal``) and then appends the entry that
    holds it, so the opening can travel with that entry's queue row: one round trip instead of
    two on PostgreSQL, where each is a third of a millisecond. The list is kept among the
    transaction's on-commit callbacks, one per savepoint, because Django drops those with a
    rolled-back transaction or savepoint, and the openings made there go with them. Every path
    that queues an entry writes what is pending first (:func:`take_openings`), so a committed
    entry's commitments always have their openings. What is still pending at the commit
    belongs to no entry and is dropped.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[str, bytes, str]] = []

    def __call__(self) -> None:
        """At the commit: nothing to do (see the class's docstring)."""

    @classmethod
    def current(cls) -> _Openings:
        here = set(connection.savepoint_ids)
        for sids, func, _ in reversed(connection.run_on_commit):
            if isinstance(func, cls) and set(sids) == here:
                return func
        pending = cls()
        transaction.on_commit(pending)
        return pending


def take_openings() -> list[tuple[str, bytes, str]]:
    """The transaction's pending openings (see :class:`_Openings`), now the caller's to write."""
    rows: list[tuple[str, bytes, str]] = []
    for _, func, _ in connection.run_on_commit:
        if isinstance(func, _Openings):
            rows += func.rows
            func.rows = []
    return rows


def write_openings() -> None:
    """Write the transaction's pending openings now (for paths that queue their entry in a
    statement of their own)."""
    rows = take_openings()
    if rows:
        with connection.cursor() as cursor:
            cursor.execute(_sql(connection.vendor)["openings"], _columns(rows))


def _columns(rows: Sequence[tuple[str, bytes, str]]) -> list[list[object]]:
    return [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]]


class _Pending(NamedTuple):
    """An entry added to a batch, written by ``DatabaseStore.write``."""

    index: int
    data: bytes
    nodes: Sequence[tuple[NodeKey, bytes]]
    checkpoint: str


def enqueue_values(queued: Queued) -> list[str]:
    """The parameters of the queue INSERT, for statements that embed it (see ``enqueue_sql``)."""
    return [queued.kind, queued.time, queued.actor, queued.body.decode("utf-8")]


def enqueue_sql(source: str | None = None, body: str = "%s") -> str:
    """``INSERT INTO <queue> (…) VALUES (%s, %s, %s, %s)``, to embed in a caller's statement;
    with ``source``, ``INSERT … SELECT %s, … FROM <source>``: one row per row of ``source``.
    ``body``: the SQL expression of the body's column, when the statement completes the body
    from what it computes (recalls/signing.py's running count)."""
    if source is None:
        return _sql(connection.vendor)["enqueue"]
    queue = connection.ops.quote_name(QueuedEntry._meta.db_table)
    return f"INSERT INTO {queue} (kind, time, actor, body) SELECT %s, %s, %s, {body} FROM {source}"


def openings_sql(source: str) -> str:
    """PostgreSQL: ``INSERT`` the openings given as three arrays (commitments, salts, values),
    only if ``source`` has a row: to embed in the statement that queues the entry holding
    those commitments (``services.personal_deferred``), so that the entry never commits
    without its openings, nor the openings without it."""
    opening = connection.ops.quote_name(Opening._meta.db_table)
    return (f"INSERT INTO {opening} (commitment, salt, value) SELECT u.* FROM "
            f"unnest(%s::text[], %s::bytea[], %s::text[]) u WHERE EXISTS (SELECT 1 FROM {source})")


def enqueue(queued: Queued) -> None:
    """Write an action's entry to the queue, in the action's transaction (one INSERT, which
    also writes the openings the transaction made since its last entry)."""
    if not connection.in_atomic_block:
        raise NotInTransaction("record entries are written inside the action's transaction")
    rows = take_openings() if connection.vendor == "postgresql" else []
    with connection.cursor() as cursor:
        if rows:
            cursor.execute(_sql("postgresql")["enqueue_with_openings"],
                           [*_columns(rows), *enqueue_values(queued)])
        else:
            cursor.execute(enqueue_sql(), enqueue_values(queued))


def queued(limit: int, max_bytes: int | None = None) -> list[tuple[int, Queued]]:
    """The oldest queued entries (by queue id), at most ``limit``, and only as many as fit
    their bodies into ``max_bytes`` (the first always, however large: a batch must move). A
    sealer reads them after the tree's edge, so that a batch written under an unmoved edge
    holds no sealed entry. The budget is applied by the database (a running sum over the
    oldest ``limit``), so bodies past it are never fetched."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor)["queued"],
                       [limit, max_bytes if max_bytes is not None else _NO_BUDGET])
        return [
            (int(i), Queued(kind=k, time=t, actor=a, body=b.encode("utf-8")))
            for i, k, t, a, b in cursor.fetchall()
        ]


def dequeue(ids: Sequence[int]) -> None:
    """Drop queued entries that are now in the tree (by id: never a range, because an entry
    with a lower id may have committed after the batch was read). Raises :class:`Stale` if one
    is gone already: another sealer put it in the tree, and this batch must not."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_sql("postgresql")["dequeue"], [list(ids)])
            gone = cursor.rowcount
        else:
            cursor.executemany(_sql("sqlite")["dequeue"], [(i,) for i in ids])
            gone = cursor.rowcount
    if gone != len(ids):
        raise Stale(f"{len(ids) - gone} of the batch's queued entries were sealed by another")


def queued_count() -> int:
    return QueuedEntry.objects.count()


@functools.cache
def _sql(vendor: str) -> dict[str, str]:
    """The store's statements for one database vendor, built once."""
    q = connection.ops.quote_name
    entry, node, point, head, queue, opening = (
        q(m._meta.db_table) for m in (Entry, Node, Checkpoint, Head, QueuedEntry, Opening)
    )
    columns = ", ".join(q(f) for f in _ENTRY_COLUMNS)
    index = q("index")
    # A body's size in bytes (UTF-8), which is what a batch holds in memory.
    octets = "octet_length(body)" if vendor == "postgresql" else "length(CAST(body AS BLOB))"
    common = {
        "enqueue": f"INSERT INTO {queue} (kind, time, actor, body) VALUES (%s, %s, %s, %s)",
        # The oldest ``limit``, as many as fit their bodies into the budget (and the first
        # whatever its size: a batch must move).
        "queued": f"SELECT id, kind, time, actor, body FROM (SELECT id, kind, time, actor, body, "
        f"SUM({octets}) OVER (ORDER BY id) AS upto, ROW_NUMBER() OVER (ORDER BY id) AS n FROM "
        f"(SELECT * FROM {queue} ORDER BY id LIMIT %s) AS oldest) AS sized "
        "WHERE upto <= %s OR n = 1 ORDER BY id",
        "opening": f"INSERT INTO {opening} (commitment, salt, value) VALUES (%s, %s, %s)",
        "head_now": f"SELECT size, frontier FROM {head} WHERE id = 1",
    }
    if vendor == "postgresql":
        return {
            **common,
            # The row lock is held until the sealing transaction ends: sealers queue here, or
            # (SKIP LOCKED) leave the batch to whoever holds it.
            "lock": f"SELECT size, frontier FROM {head} WHERE id = 1 FOR UPDATE",
            "try_lock": f"SELECT size, frontier FROM {head} WHERE id = 1 FOR UPDATE SKIP LOCKED",
            "dequeue": f"DELETE FROM {queue} WHERE id = ANY(%s::bigint[])",
            "openings": f"INSERT INTO {opening} (commitment, salt, value) "
            "SELECT * FROM unnest(%s::text[], %s::bytea[], %s::text[])",
            "enqueue_with_openings": f"WITH o AS (INSERT INTO {opening} (commitment, salt, value) "
            "SELECT * FROM unnest(%s::text[], %s::bytea[], %s::text[])) "
            f"INSERT INTO {queue} (kind, time, actor, body) VALUES (%s, %s, %s, %s)",
            "write": (
                f"WITH e AS (INSERT INTO {entry} ({columns}) SELECT * FROM unnest("
                "%s::bigint[], %s::varchar[], %s::timestamptz[], %s::varchar[], %s::jsonb[], "
                "%s::text[], %s::bytea[])), "
                f"n AS (INSERT INTO {node} (level, {index}, hash) "
                "SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bytea[])), "
                f"c AS (INSERT INTO {point} (size, note) "
                "SELECT * FROM unnest(%s::bigint[], %s::text[])) "
                f"UPDATE {head} SET size = %s, frontier = %s WHERE id = 1"
            ),
        }
    return {
        **common,
        # SQLite has no row locks: the IMMEDIATE transaction already holds the write lock.
        "lock": f"SELECT size, frontier FROM {head} WHERE id = 1",
        "dequeue": f"DELETE FROM {queue} WHERE id = %s",
        "entry": f"INSERT INTO {entry} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        "nodes": f"INSERT INTO {node} (level, {index}, hash) VALUES (%s, %s, %s)",
        "checkpoint": f"INSERT INTO {point} (size, note) VALUES (%s, %s)",
        "head": f"UPDATE {head} SET size = %s, frontier = %s WHERE id = 1",
    }


#: ``queued``'s budget when none is given: more than any batch can hold.
_NO_BUDGET = 2**62

_ENTRY_COLUMNS = ("index", "kind", "at", "actor", "body", "data", "leaf_hash")


def _locked_head(wait: bool) -> tuple[int, bytes] | None:
    sql = _sql(connection.vendor)
    return _fetch_head(sql["lock"] if wait else sql.get("try_lock", sql["lock"]))


def _head() -> tuple[int, bytes] | None:
    return _fetch_head(_sql(connection.vendor)["head_now"])


def _fetch_head(statement: str) -> tuple[int, bytes] | None:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]))


def _entry_values(p: _Pending) -> tuple[int, str, datetime, str, str, str, bytes]:
    """An entry row's columns, read back from its canonical bytes (which the log just made)."""
    value = json.loads(p.data)
    at = datetime.fromisoformat(value["time"])
    body = json.dumps(value["body"], ensure_ascii=False)
    return (p.index, value["kind"], at, value["actor"], body, p.data.decode("utf-8"),
            p.nodes[0][1])


def _write(batch: Sequence[_Pending], size: int, frontier: bytes) -> None:
    """Insert a batch's entries, the subtree nodes they complete and their checkpoints, and
    move the head: plain SQL, because the ORM's per-row work was most of the cost
    (bench/_record_actions.py). On PostgreSQL it is one statement, so one round trip."""
    sql = _sql(connection.vendor)
    entries = [_entry_values(p) for p in batch]
    nodes = [(level, i, digest) for p in batch for (level, i), digest in p.nodes[1:]]
    points = [(p.index + 1, p.checkpoint) for p in batch]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [list(c) for c in zip(*entries, strict=True)]
            node_columns = [list(c) for c in zip(*nodes, strict=True)] if nodes else [[], [], []]
            point_columns = [list(c) for c in zip(*points, strict=True)]
            cursor.execute(
                sql["write"], [*columns, *node_columns, *point_columns, size, frontier]
            )
            return
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(sql["entry"], [(e[0], e[1], adapt(e[2]), *e[3:]) for e in entries])
        if nodes:
            cursor.executemany(sql["nodes"], nodes)
        cursor.executemany(sql["checkpoint"], points)
        cursor.execute(sql["head"], [size, frontier])


__all__ = [
    "Busy", "DatabaseStore", "NotInTransaction", "Stale", "dequeue", "enqueue", "enqueue_sql",
    "enqueue_values", "queued", "queued_count",
]
