"""An auditor's kept frontier checks what a log added since, and sees a rewritten past
(communard.record._extend)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communard.record import (
    Frontier,
    Log,
    MemoryStore,
    Row,
    frontier_keys,
    root_from_leaf_hashes,
    verify_extension,
)
from communard.record._extend import BadFrontier
from tests.record.conftest import make_log


def leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(b"leaf %d" % i).digest() for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 300), st.integers(0, 300))
def test_frontier_extended_in_two_steps_gives_the_tree_root(m: int, more: int) -> None:
    """Folding leaves onto a kept frontier gives MTH of the whole tree (RFC 9162 §2.1.1)."""
    hashes = leaves(m + more)
    kept = Frontier(0).extend(hashes[:m])
    assert kept.root() == root_from_leaf_hashes(hashes[:m])
    assert kept.extend(hashes[m:]).root() == root_from_leaf_hashes(hashes)
    assert len(kept.hashes) == len(frontier_keys(m))


def test_frontier_with_the_wrong_number_of_hashes_is_refused() -> None:
    """A kept frontier that does not fit its size is refused, not folded into a wrong root."""
    with pytest.raises(BadFrontier, match="size 3 needs 2 hashes"):
        Frontier.from_hex(3, [b"\x00".hex() * 32])


def _frontier(log: Log, size: int) -> Frontier:
    keys = frontier_keys(size)
    stored = log.store.node_hashes(keys)
    return Frontier(size, tuple(stored[k] for k in keys))


def _check(log: Log, start: Frontier, rows: list[Row]) -> list[str]:
    report, end = verify_extension(start, rows, log.signer.verifier, log.latest_checkpoint(),
                                   check_kinds=False)
    assert end.size == start.size + len(rows)
    return [f.problem for f in report.findings]


@pytest.mark.parametrize("audited", [0, 1, 37, 64])
def test_the_new_entries_of_an_untouched_log_extend_the_audited_tree(audited: int) -> None:
    """Only the rows after the audited size are read, and they check against the signed root."""
    log = make_log(80)
    assert _check(log, _frontier(log, audited), log.rows(audited)) == []


def test_a_new_entry_edited_is_named() -> None:
    log = make_log(50)
    rows = log.rows(40)
    data = rows[3].data
    assert data is not None
    rows[3] = Row(rows[3].index, data.replace(b'"n":43', b'"n":99'), rows[3].leaf_hash)
    report, _ = verify_extension(_frontier(log, 40), rows, log.signer.verifier,
                                 log.latest_checkpoint(), check_kinds=False)
    assert [(f.index, f.problem) for f in report.findings][:1] == [(43, "edited")]


def test_a_past_rewritten_and_re_signed_is_a_fork() -> None:
    """Whoever holds the key rewrites entry 5 and re-signs every checkpoint: the new log is
    intact on its own, but it does not extend the tree the auditor kept."""
    log = make_log(40)
    kept = _frontier(log, 30)
    forged = Log(MemoryStore(), log.signer)
    for row in log.rows():
        assert row.data is not None
        data = row.data.replace(b'"n":5,', b'"n":6,') if row.index == 5 else row.data
        parsed = json.loads(data)
        forged.append(parsed["kind"], parsed["body"], actor=parsed["actor"],
                      at=datetime.fromisoformat(parsed["time"]))
    assert forged.rows(6)[0] == log.rows(6)[0]  # only entry 5 differs
    problems = _check(forged, kept, forged.rows(30))
    assert problems == ["fork"]


def test_a_signed_size_other_than_the_stored_one_is_named() -> None:
    """Rows dropped from the end no longer reach the signed size."""
    log = make_log(20)
    assert _check(log, _frontier(log, 10), log.rows(10)[:-2]) == ["checkpoint"]
