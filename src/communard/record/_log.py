"""The log: appending entries, signing checkpoints, serving proofs, over any :class:`Store`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from communard.record._checkpoint import Checkpoint
from communard.record._entry import Entry, Queued, commit, new_salt
from communard.record._hashing import leaf_hash
from communard.record._note import Signer
from communard.record._store import Row, Store
from communard.record._tree import (
    ProofRangeError,
    consistency_proof,
    inclusion_proof,
    new_nodes,
    root_hash,
    siblings_needed,
)


class Log:
    """An organisation's record. Every append also signs the checkpoint of the new tree, so
    every tree size the log ever had carries the organisation's signature: the verifier uses
    them to find the first altered entry even when the stored hashes were rewritten too."""

    def __init__(self, store: Store, signer: Signer, *, origin: str | None = None) -> None:
        self.store = store
        self.signer = signer
        self.origin = signer.name if origin is None else origin

    def append(
        self,
        kind: str,
        body: Mapping[str, Any],
        *,
        actor: str = "",
        at: datetime | None = None,
    ) -> Entry:
        """Append one entry and sign the new checkpoint; raises ``MalformedEntry`` on bad input
        before anything is written."""
        queued = Queued.of(kind, body, actor=actor, at=at)
        (index,) = self.integrate([queued])
        return Entry(index=index, kind=kind, time=queued.time, actor=actor, body=dict(body))

    def integrate(self, batch: Sequence[Queued]) -> list[int]:
        """Give each queued entry the next position, in order, under one hold of the store's
        lock, and sign the checkpoint of every tree size the batch passes through; returns the
        positions. One lock, one read of the tree's edge and one write per batch is what makes
        a busy organisation's record cheap (docs/record/record.md, "Sealing")."""
        indices: list[int] = []
        with self.store.lock():
            index = self.store.size()
            for queued in batch:
                data = queued.encode(index)
                leaf = leaf_hash(data)
                siblings = self.store.node_hashes(siblings_needed(index))
                nodes = new_nodes(index, leaf, siblings)
                size = index + 1
                root = root_hash(size, _Overlay(self.store, dict(nodes)))
                note = Checkpoint(self.origin, size, root).sign(self.signer)
                self.store.add(index, data, nodes, note)
                indices.append(index)
                index = size
        return indices

    def personal(self, value: str) -> str:
        """A fresh salted commitment to ``value``; the opening stays in the store."""
        salt = new_salt()
        commitment = commit(value, salt)
        self.store.add_opening(commitment, salt, value)
        return commitment

    def size(self) -> int:
        return self.store.size()

    def root_hash(self, size: int | None = None) -> bytes:
        return root_hash(self._size(size), self.store)

    def latest_checkpoint(self) -> str:
        """The signed checkpoint of the current tree (an empty log signs size 0 on demand)."""
        note = self.store.latest_checkpoint()
        if note is None:
            return Checkpoint(self.origin, 0, self.root_hash(0)).sign(self.signer)
        return note

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self._size(size), self.store)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(old_size, self._size(new_size), self.store)

    def rows(self, start: int = 0, end: int | None = None) -> list[Row]:
        return list(self.store.rows(start, end))

    def _size(self, size: int | None) -> int:
        current = self.store.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise ProofRangeError(f"tree size {size} is not between 0 and the log's {current}")
        return size


class _Overlay:
    """Stored nodes plus the ones about to be stored, to sign before writing."""

    def __init__(self, store: Store, extra: dict[tuple[int, int], bytes]) -> None:
        self._store = store
        self._extra = extra

    def node_hashes(self, keys: Any) -> dict[tuple[int, int], bytes]:
        missing = [k for k in keys if k not in self._extra]
        out = dict(self._store.node_hashes(missing)) if missing else {}
        out.update({k: self._extra[k] for k in keys if k in self._extra})
        return out
