"""The record's database store: :class:`communard.record.Store` on the Django ORM.

Works on SQLite and PostgreSQL. Appends happen inside the caller's transaction: the lock is a
``SELECT … FOR UPDATE`` of the single ``Head`` row on PostgreSQL (held until the action commits
or rolls back), and the database-wide write lock that ``BEGIN IMMEDIATE`` takes on SQLite.
Either way the next appender waits, then reads the new size: the log stays gap-free.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from communard.record import HASH_SIZE, NodeKey, Row, frontier_keys
from communard.web.records.models import Checkpoint, Entry, Head, Node, Opening


class NotInTransaction(RuntimeError):
    """An append was attempted outside the action's transaction, so it could not be atomic."""


class DatabaseStore:
    def __init__(self) -> None:
        self._size: int | None = None
        self._frontier: dict[NodeKey, bytes] | None = None
        self.last: Entry | None = None

    @contextmanager
    def lock(self) -> Iterator[None]:
        if not connection.in_atomic_block:
            raise NotInTransaction("record entries are appended inside the action's transaction")
        head = _locked_head()
        if head is None:  # made by the migration, but a flushed test database lacks it
            try:
                with transaction.atomic():
                    Head.objects.create(pk=1, size=Entry.objects.count())
            except IntegrityError:
                pass  # a concurrent appender made it
            head = _locked_head()
            assert head is not None
        size, blob = int(head[0]), bytes(head[1])
        keys = frontier_keys(size)
        if len(blob) == HASH_SIZE * len(keys):
            frontier = {k: blob[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i, k in enumerate(keys)}
        else:
            # A head written before the frontier was kept: read it from the node table, once.
            frontier = dict(self._stored_hashes(keys))
        self._size, self._frontier = size, frontier
        try:
            yield
        finally:
            self._size, self._frontier = None, None

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
        value = json.loads(data)
        known = dict(self._frontier) if self._frontier is not None else {}
        known.update(nodes)
        keys = frontier_keys(index + 1)
        missing = [k for k in keys if k not in known]
        if missing:
            known.update(self._stored_hashes(missing))
        row = _EntryRow(
            index=index,
            kind=value["kind"],
            at=datetime.fromisoformat(value["time"]),
            actor=value["actor"],
            body=value["body"],
            data=data.decode("utf-8"),
            leaf_hash=nodes[0][1],
        )
        upper = [(level, i, digest) for (level, i), digest in nodes[1:]]
        frontier = b"".join(known[k] for k in keys)
        entry_id = _write(row, upper, checkpoint, index + 1, frontier)
        self.last = Entry(id=entry_id, **row._asdict())
        self.last._state.adding = False
        self.last._state.db = connection.alias
        self._size = index + 1
        self._frontier = {k: known[k] for k in keys}

    def rows(self, start: int = 0, end: int | None = None) -> Iterator[Row]:
        qs = Entry.objects.filter(index__gte=start).order_by("index")
        if end is not None:
            qs = qs.filter(index__lt=end)
        for index, data, leaf in qs.values_list("index", "data", "leaf_hash").iterator(
            chunk_size=5000
        ):
            yield Row(index, data.encode("utf-8"), bytes(leaf))

    def checkpoint_at(self, size: int) -> str | None:
        return Checkpoint.objects.filter(size=size).values_list("note", flat=True).first()

    def latest_checkpoint(self) -> str | None:
        return Checkpoint.objects.order_by("-size").values_list("note", flat=True).first()

    def add_opening(self, commitment: str, salt: bytes, value: str) -> None:
        Opening.objects.create(commitment=commitment, salt=salt, value=value)


class _EntryRow(NamedTuple):
    index: int
    kind: str
    at: datetime
    actor: str
    body: Any
    data: str
    leaf_hash: bytes


@functools.cache
def _sql(vendor: str) -> dict[str, str]:
    """The store's statements for one database vendor, built once."""
    q = connection.ops.quote_name
    entry, node, point, head = (q(m._meta.db_table) for m in (Entry, Node, Checkpoint, Head))
    columns = ", ".join(q(f) for f in _EntryRow._fields)
    index = q("index")
    if vendor == "postgresql":
        return {
            # The row lock is held until the action's transaction ends: appenders queue here.
            "lock": f"SELECT size, frontier FROM {head} WHERE id = 1 FOR UPDATE",
            "write": (
                f"WITH e AS (INSERT INTO {entry} ({columns}) "
                "VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s) RETURNING id), "
                f"n AS (INSERT INTO {node} (level, {index}, hash) "
                "SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bytea[])), "
                f"c AS (INSERT INTO {point} (size, note) VALUES (%s, %s)), "
                f"h AS (UPDATE {head} SET size = %s, frontier = %s WHERE id = 1) "
                "SELECT id FROM e"
            ),
        }
    return {
        # SQLite has no row locks: the IMMEDIATE transaction already holds the write lock.
        "lock": f"SELECT size, frontier FROM {head} WHERE id = 1",
        "entry": f"INSERT INTO {entry} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        "nodes": f"INSERT INTO {node} (level, {index}, hash) VALUES (%s, %s, %s)",
        "checkpoint": f"INSERT INTO {point} (size, note) VALUES (%s, %s)",
        "head": f"UPDATE {head} SET size = %s, frontier = %s WHERE id = 1",
    }


def _locked_head() -> tuple[int, bytes] | None:
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor)["lock"])
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]))


def _write(
    row: _EntryRow,
    nodes: Sequence[tuple[int, int, bytes]],
    checkpoint: str,
    size: int,
    frontier: bytes,
) -> int:
    """Insert the entry, its new subtree nodes and its checkpoint, and move the head: plain SQL,
    because the ORM's per-row work was most of an append's cost (bench/_record_actions.py).
    On PostgreSQL it is one statement, so one round trip."""
    sql = _sql(connection.vendor)
    at = connection.ops.adapt_datetimefield_value(row.at)
    body = json.dumps(row.body, ensure_ascii=False)
    entry = [row.index, row.kind, at, row.actor, body, row.data, row.leaf_hash]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            levels, indices, hashes = ([n[k] for n in nodes] for k in range(3))
            cursor.execute(
                sql["write"],
                [*entry, levels, indices, hashes, size, checkpoint, size, frontier],
            )
            return int(cursor.fetchone()[0])
        cursor.execute(sql["entry"], entry)
        entry_id = int(cursor.lastrowid)
        if nodes:
            cursor.executemany(sql["nodes"], nodes)
        cursor.execute(sql["checkpoint"], [size, checkpoint])
        cursor.execute(sql["head"], [size, frontier])
        return entry_id


__all__ = ["DatabaseStore", "NotInTransaction", "transaction"]
