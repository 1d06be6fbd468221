"""The witness follows a log and alerts on forks and rewrites (communard.record._witness)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from communard.record import (
    Log,
    MemoryStore,
    Signer,
    Witness,
    WitnessAlert,
    open_checkpoint,
    parse_note,
    signed_by,
)


class Direct:
    """A LogClient talking to a Log in memory (the HTTP client does the same over the wire)."""

    def __init__(self, log: Log) -> None:
        self.log = log

    def latest_checkpoint(self) -> str:
        return self.log.latest_checkpoint()

    def consistency_proof(self, old_size: int, new_size: int) -> Sequence[bytes]:
        return self.log.consistency_proof(old_size, new_size)


def grow(log: Log, n: int, tag: str = "x") -> None:
    for i in range(n):
        log.append("test.entry", {"tag": tag, "n": log.size() + i})


def new_witness(tmp_path: Path, log: Log) -> Witness:
    w = Witness(tmp_path / "w", name="witness.example/w1")
    w.pin_log_key(log.signer.verifier)
    return w


def test_witness_follows_an_honest_log_and_cosigns(tmp_path: Path, signer: Signer) -> None:
    """Growing checkpoints are checked for consistency, co-signed and kept."""
    log = Log(MemoryStore(), signer)
    w = new_witness(tmp_path, log)
    grow(log, 3)
    first = w.observe(Direct(log))
    assert first.new and first.size == 3
    grow(log, 10)
    second = w.observe(Direct(log))
    assert (second.previous_size, second.size) == (3, 13)
    note = parse_note(second.cosigned)
    assert signed_by(note, w.verifier) and signed_by(note, signer.verifier)
    assert (tmp_path / "w" / "checkpoints" / "13.note").exists()
    assert not w.observe(Direct(log)).new
    assert (tmp_path / "w" / "witness.key").stat().st_mode & 0o777 == 0o600


def test_rewrite_resigned_with_the_org_key_is_caught(tmp_path: Path, signer: Signer) -> None:
    """The operator rebuilds history with one entry changed and signs it with the real key."""
    honest = Log(MemoryStore(), signer)
    w = new_witness(tmp_path, honest)
    grow(honest, 8)
    w.observe(Direct(honest))
    forged = Log(MemoryStore(), signer)
    for i in range(8):
        forged.append("test.entry", {"tag": "x" if i != 2 else "voided", "n": i})
    grow(forged, 4)
    open_checkpoint(forged.latest_checkpoint(), signer.verifier)  # validly signed
    with pytest.raises(WitnessAlert, match="REWRITE"):
        w.observe(Direct(forged))
    assert "REWRITE" in (w.alert_text() or "")
    # The alert stands: following the honest log again does not silence it.
    with pytest.raises(WitnessAlert, match="earlier alert"):
        w.observe(Direct(honest))


def test_same_size_different_root_is_a_fork(tmp_path: Path, signer: Signer) -> None:
    """Two signed trees of one size are a fork."""
    a, b = Log(MemoryStore(), signer), Log(MemoryStore(), signer)
    grow(a, 5, "a")
    grow(b, 5, "b")
    w = new_witness(tmp_path, a)
    w.observe(Direct(a))
    with pytest.raises(WitnessAlert, match="FORK"):
        w.observe(Direct(b))


def test_shrinking_log_is_a_rollback(tmp_path: Path, signer: Signer) -> None:
    """A log that shows fewer entries than the witness saw lost some."""
    big, small = Log(MemoryStore(), signer), Log(MemoryStore(), signer)
    grow(big, 6)
    grow(small, 4)
    w = new_witness(tmp_path, big)
    w.observe(Direct(big))
    with pytest.raises(WitnessAlert, match="ROLLBACK"):
        w.observe(Direct(small))


def test_checkpoint_signed_by_another_key_is_refused(tmp_path: Path, signer: Signer) -> None:
    """A checkpoint not signed by the pinned key is an alert, and a key change is refused."""
    log = Log(MemoryStore(), Signer.generate(signer.name))
    w = Witness(tmp_path / "w")
    w.pin_log_key(signer.verifier)
    grow(log, 2)
    with pytest.raises(WitnessAlert, match="not signed"):
        w.observe(Direct(log))
    with pytest.raises(WitnessAlert, match="re-pinned"):
        w.pin_log_key(log.signer.verifier)
