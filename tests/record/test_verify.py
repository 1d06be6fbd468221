"""The verifier reports every tampered entry by index (communard.record._verify)."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from communard.record import (
    Checkpoint,
    Entry,
    Log,
    MemoryStore,
    Report,
    Row,
    Signer,
    leaf_hash,
    verify_rows,
)
from tests.record.conftest import make_log
from tests.record.strategies import tamper_kinds


@cache
def logged(n: int) -> Log:
    return make_log(n)


def check(log: Log, rows: list[Row], stride: int = 8, **kw: object) -> Report:
    return verify_rows(rows, log.signer.verifier, log.store.checkpoint_at,
                       latest_checkpoint=log.latest_checkpoint(), stride=stride, **kw)  # type: ignore[arg-type]


def edited(row: Row) -> bytes:
    assert row.data is not None
    return row.data.replace(b'"n":', b'"n":1000', 1)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60), st.sampled_from([1, 4, 1024]))
def test_appending_then_verifying_always_passes(n: int, stride: int) -> None:
    """An untouched log verifies, whatever its size and probe stride."""
    log = logged(n)
    report = check(log, log.rows(), stride=stride, strict=n % 2 == 0)
    assert report.is_intact, [str(f) for f in report.findings]
    assert report.size == n and report.root_hash == log.root_hash()


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 40), tamper_kinds, st.data())
def test_every_tamper_fails_at_the_right_index(n: int, how: str, data: st.DataObject) -> None:
    """Editing, dropping, swapping, moving or inserting any entry is reported at its index."""
    log = logged(n)
    rows = log.rows()
    i = data.draw(st.integers(0, n - 1), label="i")
    lowest = i
    if how == "edit":
        rows[i] = Row(i, edited(rows[i]), rows[i].leaf_hash)
        expected = {("edited", i), ("rewritten", i)}
    elif how == "edit_and_rehash":
        new = edited(rows[i])
        rows[i] = Row(i, new, leaf_hash(new))
        expected = {("rewritten", i)}
    elif how == "drop":
        del rows[i]
        expected = {("deleted", i)}
    elif how == "swap":
        j = data.draw(st.integers(0, n - 1).filter(lambda j: j != i), label="j")
        rows[i], rows[j] = rows[j], rows[i]
        lowest = min(i, j)
        expected = {("rewritten", min(i, j))}
        report = check(log, rows)
        assert set(report.indices("reordered")) & {i, j}
        assert set(report.indices("reordered")) <= {i, j}
    elif how == "move":
        j = data.draw(st.integers(0, n - 1).filter(lambda j: abs(j - i) > 1), label="j")
        rows.insert(j, rows.pop(i))
        lowest = min(i, j)
        expected = {("reordered", i), ("rewritten", min(i, j))}
    else:
        forged = Entry(i, "member.admitted", "2025-03-18T12:00:00.000000Z", "", {"n": -1}).encode()
        rows.insert(i, Row(i, forged, leaf_hash(forged)))
        expected = {("inserted", i), ("rewritten", i)}
    report = check(log, rows, strict=data.draw(st.booleans(), label="strict"))
    assert not report.is_intact
    got = {(f.problem, f.index) for f in report.findings}
    assert expected <= got, [str(f) for f in report.findings]
    # Nothing is blamed before the first tampered position.
    first = min(f.index for f in report.findings if f.index is not None)
    assert first >= lowest


def test_a_truncated_log_reports_the_missing_tail() -> None:
    """Cutting the last entries off is caught by the published checkpoint."""
    log = logged(20)
    report = check(log, log.rows()[:15])
    assert ("deleted", 15) in {(f.problem, f.index) for f in report.findings}


def test_rewriting_all_stored_hashes_is_caught_by_the_signed_checkpoints() -> None:
    """Edit entry 13 and recompute every stored hash after it: the signatures still expose 13."""
    log = logged(40)
    rows = log.rows()
    new = edited(rows[13])
    rows[13] = Row(13, new, leaf_hash(new))
    report = check(log, rows, stride=1024)
    assert report.indices() == [13]
    assert "first position that differs is 13" in str(report.findings[-1])


def test_a_forged_checkpoint_is_reported() -> None:
    """A stored checkpoint not signed by the organisation's key is a finding, not a pass."""
    log = logged(10)
    intruder = Signer.generate(log.signer.name)
    fake = Checkpoint(log.origin, 10, bytes(32)).sign(intruder)
    report = verify_rows(log.rows(), log.signer.verifier, lambda s: fake if s == 10 else None)
    assert any("no signature by" in f.detail for f in report.findings)


def test_trusted_checkpoints_from_elsewhere_expose_a_resigned_rewrite() -> None:
    """If the key holder rewrites and re-signs, a checkpoint kept by a witness still fails."""
    log = make_log(12)
    kept = log.latest_checkpoint()
    rewritten = Log(type(log.store)(), log.signer)
    for i in range(12):
        rewritten.append("test.entry", {"n": i if i != 4 else 99})
    alone = check(rewritten, rewritten.rows())
    assert alone.is_intact  # the key holder can fool a verifier that trusts only the server
    report = check(rewritten, rewritten.rows(), trusted=[kept])
    assert any(f.problem == "rewritten" for f in report.findings)


def test_hidden_bodies_are_checked_by_hash() -> None:
    """Rows served without bodies still count towards the tree and the checkpoints."""
    log = logged(9)
    rows = [Row(r.index, None if r.index % 2 else r.data, r.leaf_hash) for r in log.rows()]
    report = check(log, rows)
    assert report.is_intact and report.hidden_bodies == 4


def test_check_kinds_reports_each_undeclared_or_malformed_entry_by_index() -> None:
    """With check_kinds, an entry whose kind is not declared, or whose body does not match its
    declaration, is reported by its index even though it is signed into the tree."""
    log = Log(MemoryStore(), Signer.generate("kinds.example/log"))
    log.append("ballot.cast", {"federation": "f", "election": 1})
    log.append("ballot.casted", {"federation": "f", "election": 1})
    log.append("ballot.cast", {"federation": "f", "election": 1, "voter": "x"})
    log.append("ballot.cast", {"federation": "f", "election": 2})
    rows = list(log.rows())
    report = check(log, rows, check_kinds=True)
    assert [(f.problem, f.index) for f in report.findings] == [("kind", 1), ("kind", 2)]
    assert "not declared" in report.findings[0].detail
    assert "unknown field `voter`" in report.findings[1].detail
    assert check(log, rows).is_intact  # the log itself is agnostic of what entries say
