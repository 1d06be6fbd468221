"""Merkle hashing, proof generation and verification (communard.record._tree, _proofs)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communard.record import (
    EMPTY_ROOT,
    InvalidProof,
    MemoryStore,
    ProofRangeError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from communard.record._tree import all_nodes
from tests.record.strategies import index_and_size, two_sizes

N = 300
LEAVES = [leaf_hash(f"leaf {i}".encode()) for i in range(N)]


class DictSource:
    def __init__(self, leaves: list[bytes]) -> None:
        self.nodes = all_nodes(leaves)

    def node_hashes(self, keys):  # type: ignore[no-untyped-def]
        return {k: self.nodes[k] for k in keys}


SOURCE = DictSource(LEAVES)


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, recursively, as the reference."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH, recursively."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF, recursively."""
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def test_leaf_and_node_hashes_use_rfc9162_prefixes() -> None:
    """Leaves hash with 0x00, nodes with 0x01, the empty tree is SHA-256 of nothing."""
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert root_from_leaf_hashes([]) == EMPTY_ROOT


def test_roots_match_the_recursive_definition_for_every_size() -> None:
    """Stored-node roots and the bottom-up root equal the RFC's recursive MTH at all sizes."""
    for n in range(0, 70):
        assert root_hash(n, SOURCE) == mth(LEAVES[:n]) == root_from_leaf_hashes(LEAVES[:n])


def test_proofs_equal_the_recursive_definitions_for_every_pair() -> None:
    """Generated PATH and PROOF equal RFC 9162's recursive ones for every (index, size) pair."""
    for n in range(1, 40):
        for m in range(n):
            assert inclusion_proof(m, n, SOURCE) == path(m, LEAVES[:n])
        for m in range(1, n):
            assert consistency_proof(m, n, SOURCE) == subproof(m, LEAVES[:n], True)


def test_every_proof_verifies_for_every_pair_up_to_64() -> None:
    """Inclusion and consistency proofs verify for all pairs in trees up to 64 leaves."""
    roots = [mth(LEAVES[:n]) for n in range(65)]
    for n in range(1, 65):
        for m in range(n):
            verify_inclusion(m, n, LEAVES[m], inclusion_proof(m, n, SOURCE), roots[n])
        for m in range(n + 1):
            verify_consistency(m, n, roots[m], roots[n], consistency_proof(m, n, SOURCE))


@settings(max_examples=150, deadline=None)
@given(index_and_size(N), st.data())
def test_inclusion_proof_fails_for_wrong_index_leaf_size_or_path(
    pair: tuple[int, int], data: st.DataObject
) -> None:
    """A proof verifies only for its own leaf, index, size and root."""
    m, n = pair
    proof = inclusion_proof(m, n, SOURCE)
    root = root_hash(n, SOURCE)
    verify_inclusion(m, n, LEAVES[m], proof, root)
    other = data.draw(st.integers(0, n - 1).filter(lambda i: i != m)) if n > 1 else None
    if other is not None:
        with pytest.raises(InvalidProof):
            verify_inclusion(other, n, LEAVES[m], proof, root)
        with pytest.raises(InvalidProof):
            verify_inclusion(m, n, LEAVES[other], proof, root)
    if n < N:
        with pytest.raises(InvalidProof):
            verify_inclusion(m, n + 1, LEAVES[m], proof, root_hash(n + 1, SOURCE))
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        with pytest.raises(InvalidProof):
            verify_inclusion(m, n, LEAVES[m], bad, root)
        with pytest.raises(InvalidProof):
            verify_inclusion(m, n, LEAVES[m], proof[:-1], root)
    with pytest.raises(InvalidProof):
        verify_inclusion(m, n, LEAVES[m], [*proof, LEAVES[0]], root)


@settings(max_examples=150, deadline=None)
@given(two_sizes(N), st.data())
def test_consistency_proof_fails_for_wrong_sizes_roots_or_path(
    pair: tuple[int, int], data: st.DataObject
) -> None:
    """A consistency proof verifies only between its own two tree heads."""
    m, n = pair
    proof = consistency_proof(m, n, SOURCE)
    old, new = root_hash(m, SOURCE), root_hash(n, SOURCE)
    verify_consistency(m, n, old, new, proof)
    forged = hashlib.sha256(b"forged").digest()
    if m > 0:
        with pytest.raises(InvalidProof):
            verify_consistency(m, n, forged, new, proof)
    if m > 0:  # every tree extends the empty one, whatever its root
        with pytest.raises(InvalidProof):
            verify_consistency(m, n, old, forged, proof)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = forged
        with pytest.raises(InvalidProof):
            verify_consistency(m, n, old, new, bad)
    if 0 < m < n - 1:
        with pytest.raises(InvalidProof):
            verify_consistency(m, n - 1, old, root_hash(n - 1, SOURCE), proof)


def test_out_of_range_requests_are_refused_with_clear_errors() -> None:
    """Bad indices and sizes raise errors naming them, for generators and verifiers alike."""
    with pytest.raises(ProofRangeError, match="leaf index 5 is not in a tree of size 5"):
        inclusion_proof(5, 5, SOURCE)
    with pytest.raises(ProofRangeError, match="old size <= new size"):
        consistency_proof(6, 5, SOURCE)
    with pytest.raises(InvalidProof, match="never shrinks"):
        verify_consistency(6, 5, LEAVES[0], LEAVES[0], [])
    with pytest.raises(InvalidProof, match="not a SHA-256 hash"):
        verify_inclusion(0, 2, LEAVES[0], [b"short"], LEAVES[0])


def test_memory_store_serves_the_same_proofs_as_a_bulk_loaded_one() -> None:
    """Appending nodes one by one and bulk-loading leaves give the same tree."""
    store = MemoryStore()
    store.bulk_load_leaves(b"".join(LEAVES[:77]))
    assert root_hash(77, store) == mth(LEAVES[:77])
    assert inclusion_proof(40, 77, store) == path(40, LEAVES[:77])
