"""Proof verification, written from RFC 9162 §2.1.3.2 and §2.1.4.2 and nothing else.

These functions deliberately share no code with the generators in :mod:`._tree` (they use the
RFC's bit-walking algorithms rather than its recursive definitions), so a bug in one is not
silently mirrored in the other. Each raises :class:`InvalidProof` naming what failed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

_HASH_SIZE = 32


class InvalidProof(ValueError):
    """A Merkle proof does not prove what it was claimed to prove."""


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _check_hashes(name: str, values: Sequence[bytes]) -> None:
    for i, value in enumerate(values):
        if len(value) != _HASH_SIZE:
            raise InvalidProof(f"{name}[{i}] is {len(value)} bytes, not a SHA-256 hash")


def root_from_inclusion_proof(
    leaf_index: int, tree_size: int, leaf_hash: bytes, path: Sequence[bytes]
) -> bytes:
    """The root hash implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1–5)."""
    if tree_size < 1 or not 0 <= leaf_index < tree_size:
        raise InvalidProof(f"leaf index {leaf_index} is not in a tree of size {tree_size}")
    _check_hashes("leaf hash", [leaf_hash])
    _check_hashes("inclusion proof", path)
    fn, sn = leaf_index, tree_size - 1
    r = leaf_hash
    for p in path:
        if sn == 0:
            raise InvalidProof("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = _h(b"\x01" + p + r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _h(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof("inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, path: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``leaf_index`` of the tree (``tree_size``, ``root``)."""
    if root_from_inclusion_proof(leaf_index, tree_size, leaf_hash, path) != root:
        raise InvalidProof(
            f"inclusion proof for leaf {leaf_index} does not lead to the root of size {tree_size}"
        )


def verify_consistency(
    first_size: int,
    second_size: int,
    first_root: bytes,
    second_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Check that the tree (second_size, second_root) extends (first_size, first_root).

    RFC 9162 §2.1.4.2, with the trivial cases it leaves to the caller made explicit: an empty tree
    is a prefix of every tree, and a tree is consistent with itself only if the roots agree.
    """
    _check_hashes("consistency proof", proof)
    _check_hashes("root hash", [first_root, second_root])
    if not 0 <= first_size <= second_size:
        raise InvalidProof(
            f"tree size went from {first_size} to {second_size}: a log never shrinks"
        )
    if first_size == 0 or first_size == second_size:
        if proof:
            raise InvalidProof(
                f"the consistency proof from {first_size} to {second_size} must be empty"
            )
        if first_size == second_size and first_root != second_root:
            raise InvalidProof(f"two different root hashes for the same tree size {first_size}")
        if first_size == 0 and first_root != _h(b""):
            raise InvalidProof("the root hash of an empty tree must be SHA-256 of nothing")
        return
    # 1. An empty path cannot prove anything when 0 < first < second.
    if not proof:
        raise InvalidProof(f"empty consistency proof from {first_size} to {second_size}")
    path = list(proof)
    # 2. If first is an exact power of two, its root is the first node of the path.
    if first_size & (first_size - 1) == 0:
        path.insert(0, first_root)
    # 3.–4.
    fn, sn = first_size - 1, second_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:
            raise InvalidProof("consistency proof is longer than needed")
        if fn & 1 or fn == sn:
            fr = _h(b"\x01" + c + fr)
            sr = _h(b"\x01" + c + sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _h(b"\x01" + sr + c)
        fn >>= 1
        sn >>= 1
    # 7.
    if sn != 0:
        raise InvalidProof("consistency proof is shorter than needed")
    if fr != first_root:
        raise InvalidProof(
            f"consistency proof does not reproduce the root of the earlier tree (size {first_size})"
        )
    if sr != second_root:
        raise InvalidProof(
            f"consistency proof does not reproduce the root of the later tree (size {second_size})"
        )
