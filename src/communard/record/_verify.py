"""Recompute a log from its stored entries and say, by index, what was changed.

Three independent kinds of evidence are combined:

1. each entry's bytes against the leaf hash stored beside it (an edit that left the hash alone);
2. the index each entry declares inside its own hashed bytes against where it was found
   (rows deleted, slipped in, or moved, even if renumbered);
3. the organisation's signed checkpoints, one per tree size, against roots recomputed from the
   entries. An attacker who edits an entry *and* its stored hash (and every node) still cannot
   sign: the first signed tree size whose root no longer matches is the entry they changed.
   Only checkpoints at every ``stride``-th size are probed, then the first failure is bisected.

An attacker who also holds the signing key can rewrite and re-sign everything; only a witness
that kept an earlier checkpoint catches that (:mod:`._witness`; pass its checkpoints as
``trusted``).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from communard.record import kinds
from communard.record._canonical import NotCanonical, parse_canonical
from communard.record._checkpoint import Checkpoint, open_checkpoint
from communard.record._hashing import EMPTY_ROOT, node_hash
from communard.record._note import MalformedNote, SignatureError, Verifier
from communard.record._store import Row

_FIELDS = {"actor", "body", "index", "kind", "time"}


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the record. ``index`` is the entry concerned (``None`` when the
    problem is not tied to one entry, e.g. a forged checkpoint)."""

    index: int | None
    # edited | deleted | inserted | reordered | malformed | rewritten | checkpoint | kind | key
    problem: str
    detail: str

    def __str__(self) -> str:
        where = "record" if self.index is None else f"entry {self.index}"
        return f"{where}: {self.problem}: {self.detail}"


@dataclass
class Report:
    size: int
    root_hash: bytes
    findings: list[Finding] = field(default_factory=list)
    checkpoints_checked: int = 0
    hidden_bodies: int = 0
    latest_signed_size: int | None = None

    @property
    def is_intact(self) -> bool:
        return not self.findings

    def indices(self, problem: str | None = None) -> list[int]:
        return sorted(
            {f.index for f in self.findings if f.index is not None and problem in (None, f.problem)}
        )


class _Levels:
    """All complete-subtree hashes of a list of leaves, level by level."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.levels = [leaves]
        sha = hashlib.sha256
        level = leaves
        while len(level) > 1:
            level = [sha(b"\x01" + level[i] + level[i + 1]).digest()
                     for i in range(0, len(level) - 1, 2)]
            self.levels.append(level)

    def root(self, size: int) -> bytes:
        if size == 0:
            return EMPTY_ROOT
        pieces = []
        pos = 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                pieces.append(self.levels[level][pos >> level])
                pos += 1 << level
        acc = pieces[-1]
        for piece in reversed(pieces[:-1]):
            acc = node_hash(piece, acc)
        return acc


# The canonical entry ends with its three last members in key order ("index", "kind", "time"),
# whose values cannot hold a quote, so the last ',"index":' in the bytes is the top-level one.
_TAIL = re.compile(
    rb',"index":(0|[1-9][0-9]{0,15}),"kind":"[a-z][a-z0-9_.-]{0,79}",'
    rb'"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"\}'
)


def _declared_index_fast(data: bytes) -> int:
    """The index an entry declares, read from its canonical tail without parsing the body.

    Enough to place every entry: bytes whose hash matches what the organisation signed were
    canonical when written, and bytes that changed are caught by hash, not by parsing.
    """
    at = data.rfind(b',"index":')
    m = _TAIL.fullmatch(data, at) if at > 0 and data.startswith(b'{"actor":') else None
    if m is None:
        raise NotCanonical("does not end with the index, kind and time of a canonical entry")
    return int(m.group(1))


def _declared_index(data: bytes) -> int:
    value = parse_canonical(data)
    if not isinstance(value, dict) or value.keys() != _FIELDS:
        raise NotCanonical(f"an entry is an object with exactly the fields {sorted(_FIELDS)}")
    index = value["index"]
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise NotCanonical("the entry's index is not a non-negative integer")
    return index


def _lis_positions(values: Sequence[int]) -> set[int]:
    """Positions of one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    tail_pos: list[int] = []
    prev = [-1] * len(values)
    for p, v in enumerate(values):
        k = bisect.bisect_left(tails, v)
        if k == len(tails):
            tails.append(v)
            tail_pos.append(p)
        else:
            tails[k] = v
            tail_pos[k] = p
        prev[p] = tail_pos[k - 1] if k else -1
    keep: set[int] = set()
    p = tail_pos[-1] if tail_pos else -1
    while p >= 0:
        keep.add(p)
        p = prev[p]
    return keep


def _runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in sorted(indices):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def verify_rows(
    rows: Iterable[Row],
    log_key: Verifier,
    checkpoint_at: Callable[[int], str | bytes | None],
    *,
    latest_checkpoint: str | bytes | None = None,
    trusted: Iterable[str | bytes] = (),
    origin: str | None = None,
    stride: int = 1024,
    strict: bool = False,
    check_kinds: bool = False,
) -> Report:
    """Verify stored rows (in stored order) against the log's signed checkpoints.

    ``checkpoint_at(size)`` returns the stored signed checkpoint for a size, or ``None``;
    ``latest_checkpoint`` is the one the log publishes; ``trusted`` are checkpoints kept
    elsewhere (a witness's, an auditor's), checked like the others. ``strict`` also parses every
    entry as RFC 8785 JSON (several times slower); without it the entry's index is read from
    its canonical tail and its bytes are checked by hash only. ``check_kinds`` also checks every
    visible entry's kind and body against their declaration in :mod:`communard.record.kinds`
    (``communard verify`` does; the log itself is agnostic of what its entries say).
    """
    declared_index = _declared_index if strict else _declared_index_fast
    findings: list[Finding] = []
    leaves: list[bytes] = []
    declared: list[int] = []
    hidden = 0
    sha = hashlib.sha256
    for position, row in enumerate(rows):
        data = row.data
        if data is None:
            hidden += 1
            leaves.append(row.leaf_hash)
            declared.append(row.index)
            continue
        leaf = sha(b"\x00" + data).digest()
        leaves.append(leaf)
        try:
            claimed = declared_index(data)
        except NotCanonical as e:
            findings.append(Finding(row.index, "malformed", f"not a canonical entry ({e})"))
            claimed = row.index
        declared.append(claimed)
        if check_kinds and (problem := kinds.entry_problem(data)) is not None:
            findings.append(Finding(claimed, "kind", problem))
        if leaf != row.leaf_hash:
            findings.append(Finding(
                claimed, "edited",
                f"its bytes no longer match the leaf hash stored with it (at position {position})",
            ))
    size = len(leaves)
    levels = _Levels(leaves)
    report = Report(size=size, root_hash=levels.root(size), hidden_bodies=hidden)
    signed_size = _check_checkpoints(report, findings, levels, log_key, checkpoint_at,
                                     latest_checkpoint, list(trusted), origin, stride)
    findings += _order_findings(declared, signed_size)
    report.findings = sorted(
        findings, key=lambda f: (-1 if f.index is None else f.index, f.problem)
    )
    return report


def _order_findings(declared: list[int], signed_size: int) -> list[Finding]:
    if len(declared) >= signed_size and all(d == p for p, d in enumerate(declared)):
        return []
    findings: list[Finding] = []
    # Entries found exactly where they claim to be count double, so that among equally long
    # orderings the one that leaves them in place wins (a swap blames the two swapped entries).
    expanded: list[int] = []
    owner: list[int] = []
    for p, d in enumerate(declared):
        if d == p:
            expanded.append(2 * d)
            owner.append(p)
        expanded.append(2 * d + 1)
        owner.append(p)
    in_order = {owner[q] for q in _lis_positions(expanded)}
    seen = Counter(declared)
    claimed: set[int] = set()
    for p, d in enumerate(declared):
        if p in in_order and d not in claimed:
            claimed.add(d)
        elif seen[d] > 1:
            findings.append(Finding(d, "inserted", f"{seen[d]} entries claim index {d}; "
                                    f"the one at position {p} is surplus"))
        else:
            findings.append(Finding(d, "reordered", f"found at position {p}, out of order"))
    expected = max(max(declared, default=-1) + 1, signed_size)
    missing = set(range(expected)) - set(declared)
    for lo, hi in _runs(missing):
        what = f"entry {lo} is missing" if lo == hi else f"entries {lo}–{hi} are missing"
        findings.append(Finding(lo, "deleted", what))
    return findings


def _check_checkpoints(
    report: Report,
    findings: list[Finding],
    levels: _Levels,
    log_key: Verifier,
    checkpoint_at: Callable[[int], str | bytes | None],
    latest: str | bytes | None,
    trusted: list[str | bytes],
    origin: str | None,
    stride: int,
) -> int:
    """Check checkpoints, add findings; return the largest tree size signed from outside."""
    size = report.size
    cache: dict[int, Checkpoint | None] = {}

    def opened(note: str | bytes, where: str) -> Checkpoint | None:
        try:
            cp = open_checkpoint(note, log_key, origin=origin).checkpoint
        except (MalformedNote, SignatureError) as e:
            findings.append(Finding(None, "checkpoint", f"{where}: {e}"))
            return None
        report.checkpoints_checked += 1
        return cp

    def stored(s: int) -> Checkpoint | None:
        if s not in cache:
            note = checkpoint_at(s)
            cp = None if note is None else opened(note, f"stored checkpoint for size {s}")
            if cp is not None and cp.size != s:
                findings.append(Finding(None, "checkpoint",
                                        f"checkpoint stored for size {s} is for size {cp.size}"))
                cp = None
            cache[s] = cp
        return cache[s]

    def matches(cp: Checkpoint) -> bool:
        return cp.size <= size and levels.root(cp.size) == cp.root_hash

    # Checkpoints held elsewhere, and the published latest, bound the log from outside.
    external = [(n, f"trusted checkpoint {i + 1}") for i, n in enumerate(trusted)]
    if latest is not None:
        external.append((latest, "latest published checkpoint"))
    biggest = 0
    for note, where in external:
        cp = opened(note, where)
        if cp is None:
            continue
        biggest = max(biggest, cp.size)
        if cp.size > size:
            findings.append(Finding(None, "deleted", f"the {where} is signed for {cp.size} "
                                    f"entries but only {size} are stored"))
        elif not matches(cp):
            findings.append(Finding(None, "rewritten", f"the {where} (size {cp.size}) does not "
                                    "match the stored entries"))
    report.latest_signed_size = biggest
    # Probe stored checkpoints every `stride` sizes, then bisect down to the first bad one.
    probes = set(range(stride, size, stride))
    probes.update(s for s in (size, min(biggest, size)) if s > 0)
    good, bad = 0, None
    for s in sorted(probes):
        cp = stored(s)
        if cp is None:
            continue
        if matches(cp):
            good = s
        else:
            bad = s
            break
    if size and stored(size) is None:
        findings.append(Finding(size - 1, "checkpoint",
                                f"no valid signed checkpoint for the stored size {size}"))
    if bad is None:
        return biggest
    lo, hi = good, bad  # root(lo) verified (or lo == 0), root(hi) mismatching
    while hi - lo > 1:
        mid = (lo + hi) // 2
        cp = stored(mid)
        if cp is None:
            # No usable checkpoint here: look for the nearest one on either side.
            mid = next((m for m in range(mid + 1, hi) if stored(m) is not None), hi)
            if mid == hi:
                break
            cp = stored(mid)
        assert cp is not None
        if matches(cp):
            lo = mid
        else:
            hi = mid
    first = hi - 1 if hi - lo == 1 else lo
    span = "" if hi - lo == 1 else f" (somewhere in positions {lo}–{hi - 1})"
    findings.append(Finding(first, "rewritten",
                            f"the tree of size {hi} no longer has the root the organisation "
                            f"signed; the first position that differs is {first}{span}"))
    return biggest


def dumps_report(report: Report) -> str:
    return json.dumps({
        "intact": report.is_intact,
        "size": report.size,
        "root_hash": report.root_hash.hex(),
        "checkpoints_checked": report.checkpoints_checked,
        "hidden_bodies": report.hidden_bodies,
        "findings": [
            {"index": f.index, "problem": f.problem, "detail": f.detail} for f in report.findings
        ],
    }, indent=2)
