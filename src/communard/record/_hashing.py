"""RFC 9162 §2.1.1 Merkle tree hashing: the only place the leaf and node prefixes are defined."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
#: MTH({}) = SHA-256() (RFC 9162 §2.1.1): the root of the empty tree.
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right) for an interior node."""
    return _sha256(NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1), the split point of RFC 9162 §2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(leaves: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves, bottom-up in O(n) (equal to the recursive definition).

    Pairs are combined level by level; an odd node at the end of a level is carried up
    unchanged, which yields exactly the left-heavy split of RFC 9162 §2.1.1.
    """
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    sha = _sha256
    prefix = NODE_PREFIX
    while len(level) > 1:
        odd = level[-1] if len(level) % 2 else None
        level = [
            sha(prefix + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if odd is not None:
            level.append(odd)
    return level[0]
