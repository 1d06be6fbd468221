"""The storage contract of the record, and the in-memory store used by tests and benchmarks."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from communard.record._hashing import HASH_SIZE, node_hash
from communard.record._tree import NodeKey


@dataclass(frozen=True)
class Row:
    """One stored entry as the store holds it: position, leaf bytes (``None`` when the reader
    may not see the body) and the leaf hash stored beside them."""

    index: int
    data: bytes | None
    leaf_hash: bytes


class Store(Protocol):
    """What the log needs from storage. Implementations: :class:`MemoryStore` here, and the
    database store of the web application (``communard.web.records``).

    ``lock`` serialises appends: inside it, ``size`` and the nodes read stay valid until
    ``add`` returns, so concurrent writers produce one gap-free sequence. A store may instead
    serialise optimistically, as the web application's database store does: collect what is
    added, then write it only if nobody else wrote meanwhile, and refuse the batch otherwise.
    """

    def lock(self) -> AbstractContextManager[None]: ...

    def size(self) -> int: ...

    def node_hashes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]: ...

    def add(
        self, index: int, data: bytes, nodes: Sequence[tuple[NodeKey, bytes]], checkpoint: str
    ) -> None:
        """Store entry ``index`` (== ``size()``), the subtree nodes it completes (its leaf first)
        and the signed checkpoint of the tree that now ends with it."""
        ...

    def rows(self, start: int = 0, end: int | None = None) -> Iterator[Row]:
        """Stored entries at positions ``[start, end)``, in position order, exactly as stored."""
        ...

    def checkpoint_at(self, size: int) -> str | None:
        """The stored signed checkpoint for tree size ``size``, if there is one."""
        ...

    def latest_checkpoint(self) -> str | None: ...

    def add_opening(self, commitment: str, salt: bytes, value: str) -> None:
        """Keep, privately, what opens a commitment placed in an entry."""
        ...


class MemoryStore:
    """A :class:`Store` in memory: nodes in one contiguous ``bytearray`` per tree level, so a
    ten-million-entry tree costs about 32 bytes × 2 per entry."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._levels: list[bytearray] = []
        self._data: list[bytes | None] = []
        self._checkpoints: list[str] = []
        self.openings: dict[str, tuple[bytes, str]] = {}

    def lock(self) -> AbstractContextManager[None]:
        return _Held(self._lock)

    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE if self._levels else 0

    def node_hashes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        out = {}
        for level, index in keys:
            start = index * HASH_SIZE
            buf = self._levels[level] if level < len(self._levels) else b""
            if start + HASH_SIZE > len(buf):
                raise KeyError(f"no complete subtree at level {level}, index {index}")
            out[(level, index)] = bytes(buf[start : start + HASH_SIZE])
        return out

    def add(
        self, index: int, data: bytes, nodes: Sequence[tuple[NodeKey, bytes]], checkpoint: str
    ) -> None:
        if index != self.size():
            raise ValueError(f"append at {index} but the log has {self.size()} entries")
        for (level, i), digest in nodes:
            while len(self._levels) <= level:
                self._levels.append(bytearray())
            if len(self._levels[level]) != i * HASH_SIZE:
                raise ValueError(f"node ({level}, {i}) is out of order")
            self._levels[level] += digest
        self._data.append(data)
        self._checkpoints.append(checkpoint)

    def rows(self, start: int = 0, end: int | None = None) -> Iterator[Row]:
        leaves = self._levels[0] if self._levels else bytearray()
        stop = len(self._data) if end is None else min(end, len(self._data))
        for i in range(max(start, 0), stop):
            yield Row(i, self._data[i], bytes(leaves[i * HASH_SIZE : (i + 1) * HASH_SIZE]))

    def checkpoint_at(self, size: int) -> str | None:
        return self._checkpoints[size - 1] if 0 < size <= len(self._checkpoints) else None

    def latest_checkpoint(self) -> str | None:
        return self._checkpoints[-1] if self._checkpoints else None

    def add_opening(self, commitment: str, salt: bytes, value: str) -> None:
        self.openings[commitment] = (salt, value)

    def bulk_load_leaves(self, leaves: bytes) -> None:
        """Fill an empty store with concatenated leaf hashes and every node above them, without
        entries or checkpoints (benchmarks of proof generation on very large trees)."""
        if self._levels:
            raise ValueError("bulk loading needs an empty store")
        level = bytearray(leaves)
        self._levels.append(level)
        while len(level) >= 2 * HASH_SIZE:
            mv = memoryview(level)
            nxt = bytearray()
            for off in range(0, len(level) - HASH_SIZE, 2 * HASH_SIZE):
                nxt += node_hash(mv[off : off + HASH_SIZE].tobytes(),
                                 mv[off + HASH_SIZE : off + 2 * HASH_SIZE].tobytes())
            self._levels.append(nxt)
            level = nxt
        self._data = [None] * (len(leaves) // HASH_SIZE)


class _Held(AbstractContextManager[None]):
    def __init__(self, lock: threading.RLock) -> None:
        self._lk = lock

    def __enter__(self) -> None:
        self._lk.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lk.release()
