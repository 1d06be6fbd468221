"""The record's database store: :class:`communard.record.Store` on the Django ORM.

Works on SQLite and PostgreSQL. Appends happen inside the caller's transaction: the lock is a
``SELECT … FOR UPDATE`` of the single ``Head`` row on PostgreSQL (held until the action commits
or rolls back), and the database-wide write lock that ``BEGIN IMMEDIATE`` takes on SQLite.
Either way the next appender waits, then reads the new size: the log stays gap-free.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from communard.record import NodeKey, Row
from communard.web.records.models import Checkpoint, Entry, Head, Node, Opening


class NotInTransaction(RuntimeError):
    """An append was attempted outside the action's transaction, so it could not be atomic."""


class DatabaseStore:
    def __init__(self) -> None:
        self._size: int | None = None
        self.last: Entry | None = None

    @contextmanager
    def lock(self) -> Iterator[None]:
        if not connection.in_atomic_block:
            raise NotInTransaction("record entries are appended inside the action's transaction")
        head = Head.objects.select_for_update().filter(pk=1).first()
        if head is None:  # made by the migration, but a flushed test database lacks it
            try:
                with transaction.atomic():
                    Head.objects.create(pk=1, size=Entry.objects.count())
            except IntegrityError:
                pass  # a concurrent appender made it
            head = Head.objects.select_for_update().get(pk=1)
        self._size = head.size
        try:
            yield
        finally:
            self._size = None

    def size(self) -> int:
        if self._size is not None:
            return self._size
        size = Head.objects.values_list("size", flat=True).filter(pk=1).first()
        return 0 if size is None else int(size)

    def node_hashes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
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
        self.last = Entry.objects.create(
            index=index,
            kind=value["kind"],
            at=datetime.strptime(value["time"], "%Y-%m-%dT%H:%M:%S.%f%z"),
            actor=value["actor"],
            body=value["body"],
            data=data.decode("utf-8"),
            leaf_hash=nodes[0][1],
        )
        Node.objects.bulk_create(
            [Node(level=level, index=i, hash=digest) for (level, i), digest in nodes[1:]]
        )
        Checkpoint.objects.create(size=index + 1, note=checkpoint)
        Head.objects.filter(pk=1).update(size=index + 1)
        self._size = index + 1

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


__all__ = ["DatabaseStore", "NotInTransaction", "transaction"]
