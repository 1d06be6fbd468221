"""The organisation's record in the application database: the Merkle log's tables.

``Entry.data`` holds the entry's canonical JSON exactly as hashed; ``leaf_hash`` is stored beside
it; ``Node`` keeps every complete subtree hash above the leaves (so proofs read O(log n) rows);
``Checkpoint`` keeps the signed checkpoint of every tree size; ``Opening`` privately keeps what
opens each salted commitment. These rows are only ever inserted. ``QueuedEntry`` holds the entries
actions wrote in their own transactions that sealing has not yet moved into the tree.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class Entry(models.Model):
    index = models.BigIntegerField(unique=True, help_text="0-based position in the log")
    kind = models.CharField(max_length=80)
    at = models.DateTimeField()
    actor = models.CharField(max_length=200, blank=True)
    body = models.JSONField(help_text="copy of the body for queries; the record is `data`")
    data = models.TextField(help_text="the entry's canonical JSON, exactly as hashed")
    leaf_hash = models.BinaryField(max_length=32)

    class Meta:
        ordering = ["index"]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return f"#{self.index} {self.kind}"

    def parsed(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.data)
        return value


class Node(models.Model):
    """A complete subtree hash: ``level`` ≥ 1, covering leaves [index·2^level, (index+1)·2^level)."""

    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="records_node_level_index")
        ]


class Checkpoint(models.Model):
    size = models.BigIntegerField(unique=True)
    note = models.TextField(help_text="C2SP signed checkpoint")


class Opening(models.Model):
    """Private: the salt and value behind a commitment in the record. Never published."""

    commitment = models.CharField(max_length=71, unique=True)
    salt = models.BinaryField(max_length=32)
    value = models.TextField()


class QueuedEntry(models.Model):
    """An entry written by an action, in the action's own transaction, and not yet in the tree.

    Sealing (``services.seal``: the server's sealer process, or the committing thread in a
    command-line tool) moves queued entries into
    ``Entry`` in ``id`` order, gives each its position and signs a checkpoint for each new tree
    size, many entries under one hold of the ``Head`` lock: actions never wait for each other
    on the record. ``body`` is the body's canonical JSON, checked when the action queued it.
    """

    kind = models.CharField(max_length=80)
    time = models.CharField(max_length=27, help_text="RFC 3339 UTC with microseconds")
    actor = models.CharField(max_length=200, blank=True)
    body = models.TextField()


class Head(models.Model):
    """One row: the log's size. Sealers lock it to write a batch, which keeps the log gap-free.

    ``frontier`` holds the hashes of the complete subtrees that tile the tree (at most one per
    bit of ``size``, 32 bytes each, largest first): all an append needs to compute the new nodes
    and the new root, so the locked read of this row is the only read an append makes.
    """

    size = models.BigIntegerField(default=0)
    frontier = models.BinaryField(default=b"")
