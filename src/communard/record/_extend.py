"""Checking only what a log added since a tree an auditor has already verified.

An auditor who verified the log at size *m* keeps its **frontier**: the hashes of the complete
subtrees that tile ``[0, m)`` (one per set bit of *m*, largest first). That is all the tree's
left part contributes to any later root, so the new entries' leaf hashes folded onto it give
the root of the larger tree without reading a single older entry. If that root is the one the
organisation signed for the current size, the signed log extends, byte for byte, the tree the
auditor verified before (RFC 9162's append-only property, checked without a consistency proof
from the server: the auditor's own frontier plays the proof's part). If it is not, either a new
entry was changed or the older tree was rewritten and re-signed: a fork, which the caller then
localises with a full :func:`verify_rows`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from communard.record import kinds
from communard.record._canonical import NotCanonical
from communard.record._checkpoint import open_checkpoint
from communard.record._hashing import EMPTY_ROOT, HASH_SIZE, node_hash
from communard.record._note import MalformedNote, SignatureError, Verifier
from communard.record._store import Row
from communard.record._verify import Finding, Report, _declared_index_fast

__all__ = ["Frontier", "verify_extension"]


class BadFrontier(ValueError):
    """A kept frontier whose hashes do not fit its size (a damaged or edited state file)."""


@dataclass(frozen=True)
class Frontier:
    """The complete subtrees that tile a tree of ``size`` leaves, largest first."""

    size: int
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if self.size < 0 or len(self.hashes) != bin(self.size).count("1") or any(
            len(h) != HASH_SIZE for h in self.hashes
        ):
            raise BadFrontier(f"a frontier of size {self.size} needs "
                              f"{bin(max(self.size, 0)).count('1')} hashes of {HASH_SIZE} bytes")

    def root(self) -> bytes:
        """MTH(D[0:size]): the right-heavy fold of the tiling (RFC 9162 §2.1.1)."""
        if not self.hashes:
            return EMPTY_ROOT
        root = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            root = node_hash(left, root)
        return root

    def extend(self, leaves: Iterable[bytes]) -> Frontier:
        """The frontier after appending these leaf hashes: each new leaf merges with the
        trailing subtrees of equal size, as a binary counter carries."""
        stack = list(self.hashes)
        size = self.size
        for leaf in leaves:
            merged, n = leaf, size
            while n & 1:
                merged = node_hash(stack.pop(), merged)
                n >>= 1
            stack.append(merged)
            size += 1
        return Frontier(size, tuple(stack))

    def to_hex(self) -> list[str]:
        return [h.hex() for h in self.hashes]

    @classmethod
    def from_hex(cls, size: int, hashes: Iterable[str]) -> Frontier:
        try:
            return cls(size, tuple(bytes.fromhex(h) for h in hashes))
        except (TypeError, ValueError) as e:
            raise BadFrontier(f"frontier of size {size}: {e}") from None


def verify_extension(
    start: Frontier,
    rows: Iterable[Row],
    log_key: Verifier,
    latest_checkpoint: str | bytes,
    *,
    origin: str | None = None,
    check_kinds: bool = True,
) -> tuple[Report, Frontier]:
    """Verify the rows after ``start`` (in stored order, the first at index ``start.size``)
    against the latest signed checkpoint; returns the report and the new frontier.

    Each new entry is rehashed and compared with its stored leaf hash, its declared index with
    its place and its kind and body with their declaration; the frontier extended by the new
    leaves must give the signed root of the signed size. Any finding means: do not trust the
    kept state, run the full check (which names the entries)."""
    findings: list[Finding] = []
    leaves: list[bytes] = []
    sha = hashlib.sha256
    position = start.size
    for row in rows:
        data = row.data
        if data is None:
            leaves.append(row.leaf_hash)
            position += 1
            continue
        leaf = sha(b"\x00" + data).digest()
        leaves.append(leaf)
        try:
            claimed = _declared_index_fast(data)
        except NotCanonical as e:
            findings.append(Finding(position, "malformed", f"not a canonical entry ({e})"))
            claimed = position
        if claimed != position:
            findings.append(Finding(position, "reordered",
                                    f"declares index {claimed} but is at position {position}"))
        if leaf != row.leaf_hash:
            findings.append(Finding(claimed, "edited",
                                    "its bytes no longer match the leaf hash stored with it"))
        if check_kinds and (problem := kinds.entry_problem(data)) is not None:
            findings.append(Finding(claimed, "kind", problem))
        position += 1
    end = start.extend(leaves)
    report = Report(size=end.size, root_hash=end.root())
    try:
        signed = open_checkpoint(latest_checkpoint, log_key, origin=origin).checkpoint
        report.checkpoints_checked = 1
    except (MalformedNote, SignatureError) as e:
        findings.append(Finding(None, "checkpoint", f"latest published checkpoint: {e}"))
    else:
        report.latest_signed_size = signed.size
        if signed.size != end.size:
            findings.append(Finding(None, "checkpoint",
                                    f"the latest signed checkpoint is for size {signed.size}, the "
                                    f"stored log has {end.size} entries"))
        elif signed.root_hash != end.root():
            findings.append(Finding(
                None, "fork",
                f"the signed tree of size {signed.size} does not extend the tree audited at "
                f"size {start.size} (root {start.root().hex()}): an entry before it was "
                "rewritten, or a new one differs from what was signed"))
    report.findings = findings
    return report, end
