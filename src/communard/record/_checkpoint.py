"""Checkpoints (c2sp.org/tlog-checkpoint): origin, tree size and root hash, as a signed note."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from communard.record._note import MalformedNote, Note, Signer, Verifier, open_note, sign_note

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size, and the RFC 9162 root hash at that size."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    def sign(self, *signers: Signer) -> str:
        return sign_note(self.text(), *signers)

    @classmethod
    def parse_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body strictly; the error names the line at fault."""
        if not text.endswith("\n"):
            raise MalformedNote("checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedNote("checkpoint needs three lines: origin, tree size, root hash")
        origin, size, root, *extensions = lines
        if not origin:
            raise MalformedNote("checkpoint line 1 (origin) is empty")
        if not _SIZE.fullmatch(size) or int(size) >= 2**63:
            raise MalformedNote(
                f"checkpoint line 2 (tree size) {size!r} is not a decimal without leading zeroes"
            )
        try:
            root_hash = base64.b64decode(root.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise MalformedNote("checkpoint line 3 (root hash) is not standard base64") from None
        if len(root_hash) != 32:
            raise MalformedNote(f"checkpoint line 3 (root hash) is {len(root_hash)} bytes, not 32")
        for n, ext in enumerate(extensions, start=4):
            if not ext:
                raise MalformedNote(f"checkpoint line {n} (extension) is empty")
        return cls(origin, int(size), root_hash, tuple(extensions))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint together with the note that carries it and its signatures."""

    checkpoint: Checkpoint
    note: Note

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root_hash(self) -> bytes:
        return self.checkpoint.root_hash

    def render(self) -> str:
        return self.note.render()


def open_checkpoint(
    note: str | bytes | Note, log_key: Verifier, *, origin: str | None = None
) -> SignedCheckpoint:
    """Verify that ``note`` is a checkpoint signed by ``log_key`` and parse it.

    ``origin`` defaults to the key name (tlog-checkpoint: the log's key name SHOULD match it).
    """
    opened = open_note(note, log_key)
    checkpoint = Checkpoint.parse_text(opened.text)
    expected = log_key.name if origin is None else origin
    if checkpoint.origin != expected:
        raise MalformedNote(f"checkpoint is for log {checkpoint.origin!r}, expected {expected!r}")
    return SignedCheckpoint(checkpoint, opened)
