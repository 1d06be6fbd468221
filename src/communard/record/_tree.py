"""Proof generation (RFC 9162 §2.1.3.1 and §2.1.4.1) from stored complete-subtree hashes.

A log that only grows fixes every complete, aligned subtree once its last leaf is in: the node at
``(level, index)`` covers leaves ``[index << level, (index + 1) << level)``. Stores keep those nodes
(level 0 being the leaf hashes), so any MTH the proofs need is either one stored node or, on the
right edge of the tree, a fold of at most log2(n) of them. Generating a proof therefore reads
O(log n) nodes and hashes O(log n) times whatever the size of the log; nothing rehashes leaves.

The verifiers live in :mod:`._proofs` and share no code with this module on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from communard.record._hashing import EMPTY_ROOT, largest_power_of_two_below, node_hash

NodeKey = tuple[int, int]  # (level, index)


class NodeSource(Protocol):
    """Read access to the complete-subtree hashes of a log."""

    def node_hashes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """The hashes of the given complete subtrees; every key asked for must exist."""
        ...


class ProofRangeError(ValueError):
    """A proof was asked for an index or size the log does not have."""


def _pieces(start: int, end: int) -> list[NodeKey]:
    """The complete aligned subtrees that tile ``[start, end)``, left to right.

    ``start`` is always aligned to a power of two at least as large as ``end - start`` rounds up
    to, which holds for every range RFC 9162's recursive definitions produce.
    """
    keys: list[NodeKey] = []
    width = end - start
    pos = start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            keys.append((level, pos >> level))
            pos += 1 << level
    return keys


def frontier_keys(size: int) -> list[NodeKey]:
    """The complete subtrees that tile a tree of ``size`` leaves, largest first: all that
    appending needs (the new nodes combine with their right end, the root folds them)."""
    return _pieces(0, size)


def _fold(keys: Sequence[NodeKey], hashes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH of a range from its tiling: the right-heavy fold H(a, H(b, H(c, d)))."""
    acc = hashes[keys[-1]]
    for key in reversed(keys[:-1]):
        acc = node_hash(hashes[key], acc)
    return acc


def _ranges_hashes(ranges: Sequence[tuple[int, int]], source: NodeSource) -> list[bytes]:
    tilings = [_pieces(a, b) for a, b in ranges]
    wanted = sorted({key for tiling in tilings for key in tiling})
    hashes = source.node_hashes(wanted)
    return [_fold(tiling, hashes) for tiling in tilings]


def root_hash(size: int, source: NodeSource) -> bytes:
    """MTH(D[0:size]) from stored nodes."""
    if size < 0:
        raise ProofRangeError(f"tree size must be non-negative, got {size}")
    if size == 0:
        return EMPTY_ROOT
    return _ranges_hashes([(0, size)], source)[0]


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs form PATH(index, D[0:size]), leaf-side first."""
    if not 0 <= index < size:
        raise ProofRangeError(f"leaf index {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs form PROOF(old_size, D[0:new_size]) (RFC 9162 §2.1.4.1)."""
    if not 0 <= old_size <= new_size:
        raise ProofRangeError(
            f"a consistency proof needs 0 <= old size <= new size, got {old_size} and {new_size}"
        )
    if old_size in (0, new_size):
        return []
    # SUBPROOF(m, D[lo:hi], b), unrolled: each step appends one sibling, recursion goes inward.
    outer: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while m != hi - lo:
        k = largest_power_of_two_below(hi - lo)
        if m <= k:
            outer.append((lo + k, hi))
            hi = lo + k
        else:
            outer.append((lo, lo + k))
            lo += k
            m -= k
            complete = False
    inner: list[tuple[int, int]] = [] if complete else [(lo, hi)]
    return inner + outer[::-1]


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    """PATH(index, D[0:size]): the audit path of one leaf."""
    return _ranges_hashes(inclusion_ranges(index, size), source)


def consistency_proof(old_size: int, new_size: int, source: NodeSource) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]): the consistency proof between two tree sizes."""
    return _ranges_hashes(consistency_ranges(old_size, new_size), source)


def new_nodes(index: int, leaf: bytes, left_siblings: Mapping[NodeKey, bytes]) -> list[
    tuple[NodeKey, bytes]
]:
    """The complete subtrees finished by appending ``leaf`` at ``index`` (level 0 included).

    ``left_siblings`` must hold :func:`siblings_needed` for ``index``.
    """
    out: list[tuple[NodeKey, bytes]] = [((0, index), leaf)]
    acc, pos, level = leaf, index, 0
    while pos & 1:
        acc = node_hash(left_siblings[(level, pos - 1)], acc)
        level += 1
        pos >>= 1
        out.append(((level, pos), acc))
    return out


def siblings_needed(index: int) -> list[NodeKey]:
    """The stored nodes that appending a leaf at ``index`` combines with."""
    keys: list[NodeKey] = []
    pos, level = index, 0
    while pos & 1:
        keys.append((level, pos - 1))
        level += 1
        pos >>= 1
    return keys


def all_nodes(leaves: Iterable[bytes]) -> dict[NodeKey, bytes]:
    """Every complete-subtree node for a sequence of leaf hashes (for tests and small stores)."""
    nodes: dict[NodeKey, bytes] = {}
    for i, leaf in enumerate(leaves):
        nodes.update(new_nodes(i, leaf, nodes))
    return nodes
