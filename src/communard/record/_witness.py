"""A witness: follows a log, checks every new checkpoint against the last one it saw, co-signs
and keeps it, and raises the alarm on a fork or rewrite.

The check does not trust the organisation's signature to mean "append-only": an operator holding
the key can sign a rewritten history, but cannot make it consistent (RFC 9162 §2.1.4) with a
tree head the witness has already kept. State lives in one directory:

- ``witness.key``: this witness's cosigning key (c2sp.org/tlog-cosignature, type 0x04), mode 0600
- ``log.vkey``: the log's verifier key, pinned on first use when given or named by its
  fingerprint (``communard witness --log-key`` / ``--trust-key``; see ``._trust``)
- ``latest.note``: the newest checkpoint accepted, with this witness's cosignature
- ``checkpoints/<size>.note``: every checkpoint accepted
- ``ALERT``: written on a fork or rewrite, with the evidence; while it exists every run fails
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from communard.record._checkpoint import SignedCheckpoint, open_checkpoint
from communard.record._note import (
    COSIGNATURE_V1,
    MalformedNote,
    Note,
    NoteSignature,
    SignatureError,
    Signer,
    Verifier,
    parse_note,
    sign_note,
)
from communard.record._proofs import InvalidProof, verify_consistency


class LogClient(Protocol):
    """What a witness needs from a log: its latest checkpoint and consistency proofs."""

    def latest_checkpoint(self) -> str: ...

    def consistency_proof(self, old_size: int, new_size: int) -> Sequence[bytes]: ...


class WitnessAlert(Exception):
    """The log forked, shrank or rewrote history; the message says what was seen."""


@dataclass(frozen=True)
class Observation:
    previous_size: int | None
    size: int
    cosigned: str  # the checkpoint with this witness's cosignature
    new: bool


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Witness:
    def __init__(self, state_dir: str | os.PathLike[str], *, name: str = "witness.local") -> None:
        self.dir = Path(state_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "checkpoints").mkdir(exist_ok=True)
        key_file = self.dir / "witness.key"
        if key_file.exists():
            self.signer = Signer.parse(key_file.read_text(encoding="utf-8"))
        else:
            self.signer = Signer.generate(name, COSIGNATURE_V1)
            _write_private(key_file, self.signer.text() + "\n")
            (self.dir / "witness.vkey").write_text(self.signer.verifier.text() + "\n")

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier

    def log_key(self) -> Verifier | None:
        path = self.dir / "log.vkey"
        return Verifier.parse(path.read_text(encoding="utf-8")) if path.exists() else None

    def pin_log_key(self, key: Verifier) -> None:
        pinned = self.log_key()
        if pinned is not None and pinned != key:
            raise WitnessAlert(
                f"this witness follows the log key {pinned.text()}, not {key.text()}; a log that "
                "changes its key must be re-pinned by hand (delete log.vkey) after checking why"
            )
        if pinned is None:
            (self.dir / "log.vkey").write_text(key.text() + "\n", encoding="utf-8")

    def latest(self) -> SignedCheckpoint | None:
        path = self.dir / "latest.note"
        key = self.log_key()
        if not path.exists() or key is None:
            return None
        return open_checkpoint(path.read_text(encoding="utf-8"), key)

    def alert_text(self) -> str | None:
        path = self.dir / "ALERT"
        return path.read_text(encoding="utf-8") if path.exists() else None

    def _alarm(self, message: str, *evidence: str) -> WitnessAlert:
        _write_atomic(self.dir / "ALERT", message + "\n\n" + "\n".join(evidence))
        return WitnessAlert(message)

    def observe(self, client: LogClient) -> Observation:
        """Fetch the log's latest checkpoint, check it and co-sign it; raise on any fork."""
        earlier = self.alert_text()
        if earlier is not None:
            raise WitnessAlert("an earlier alert stands (see ALERT in the state directory): "
                               + earlier.splitlines()[0])
        key = self.log_key()
        if key is None:
            raise WitnessAlert("no log key pinned: give the log's verifier key on first use")
        note_text = client.latest_checkpoint()
        try:
            new = open_checkpoint(note_text, key)
        except SignatureError as e:
            raise WitnessAlert(f"latest checkpoint not signed by the log's key: {e}") from None
        except MalformedNote as e:
            raise WitnessAlert(f"the log served a malformed checkpoint: {e}") from None
        old = self.latest()
        if old is not None:
            self._check_extends(old, new, client)
        if old is not None and old.size == new.size:
            return Observation(old.size, new.size, old.render(), new=False)
        cosigned = self.cosign(new)
        _write_atomic(self.dir / "checkpoints" / f"{new.size}.note", cosigned)
        _write_atomic(self.dir / "latest.note", cosigned)
        return Observation(None if old is None else old.size, new.size, cosigned, new=True)

    def _check_extends(
        self, old: SignedCheckpoint, new: SignedCheckpoint, client: LogClient
    ) -> None:
        evidence = ("last checkpoint this witness kept:\n" + old.render(),
                    "checkpoint the log serves now:\n" + new.render())
        if new.size < old.size:
            raise self._alarm(
                f"ROLLBACK: the log now shows {new.size} entries, but this witness already saw "
                f"{old.size}; entries were removed from the record",
                *evidence,
            )
        if new.size == old.size:
            if new.root_hash != old.root_hash:
                raise self._alarm(
                    f"FORK: two different trees of size {new.size}, both signed with the "
                    "organisation's key; the record was rewritten and re-signed",
                    *evidence,
                )
            return
        try:
            proof = client.consistency_proof(old.size, new.size)
            verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
        except (InvalidProof, ValueError) as e:
            raise self._alarm(
                f"REWRITE: the log's tree of size {new.size} does not extend the tree of size "
                f"{old.size} this witness kept ({e}); history before entry {old.size} was "
                "changed, even though the new checkpoint carries the organisation's signature",
                *evidence,
            ) from None

    def cosign(self, checkpoint: SignedCheckpoint) -> str:
        """The checkpoint's note with this witness's cosignature added (replacing an older one)."""
        ours = parse_note(sign_note(checkpoint.note.text, self.signer)).signatures[0]
        others = tuple(s for s in checkpoint.note.signatures
                       if (s.name, s.key_id) != (ours.name, ours.key_id))
        return Note(checkpoint.note.text, (*others, ours)).render()


def cosignatures(note: Note, witness: Verifier) -> list[NoteSignature]:
    return [s for s in note.signatures if (s.name, s.key_id) == (witness.name, witness.key_id)]
