"""C2SP signed notes (c2sp.org/signed-note) with Ed25519, and witness cosignatures
(c2sp.org/tlog-cosignature, type 0x04), on the ``cryptography`` package.

Key text formats follow Go's ``golang.org/x/mod/sumdb/note``, which transparency-log tools share:

- verifier key: ``<name>+<key id, 8 hex>+<base64(type byte || 32-byte public key)>``
- signer key:   ``PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(type byte || 32-byte seed)>``
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import time as _time
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 16
_DASH = "\u2014 "


class MalformedNote(ValueError):
    """Text that is not a well-formed signed note, key or checkpoint; says what and where."""


class SignatureError(ValueError):
    """A note is not validly signed by the key(s) that had to sign it."""


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise MalformedNote(f"key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, sig_type: int, public: bytes) -> bytes:
    """SHA-256(name || 0x0A || type || public key)[:4] (signed-note §Signatures)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A public key that may sign notes: a name, a signature type and 32 key bytes."""

    name: str
    sig_type: int
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.sig_type, self.public)

    def text(self) -> str:
        blob = base64.b64encode(bytes([self.sig_type]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)  # base64 may itself hold '+'
        if len(parts) != 3:
            raise MalformedNote("a verifier key is <name>+<8 hex key id>+<base64 key>")
        name, hex_id, blob = parts
        _check_name(name)
        raw = _b64(blob, "verifier key")
        if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
            raise MalformedNote("verifier key is not an Ed25519 (type 0x01 or 0x04) key")
        verifier = cls(name, raw[0], raw[1:])
        if hex_id != verifier.key_id.hex():
            raise MalformedNote(f"verifier key {name}: key id {hex_id} does not match the key")
        return verifier

    def _verify(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key with the name its signatures carry."""

    name: str
    sig_type: int
    seed: bytes

    @classmethod
    def generate(cls, name: str, sig_type: int = ED25519) -> Signer:
        _check_name(name)
        seed = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return cls(name, sig_type, seed)

    @cached_property
    def _key(self) -> Ed25519PrivateKey:
        # Made once per signer: deriving the key from its seed costs more than a signature.
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @cached_property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.sig_type, _raw_public(self._key.public_key()))

    def text(self) -> str:
        blob = base64.b64encode(bytes([self.sig_type]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> Signer:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise MalformedNote("a signer key is PRIVATE+KEY+<name>+<8 hex key id>+<base64 key>")
        name, hex_id, blob = parts[2:]
        _check_name(name)
        raw = _b64(blob, "signer key")
        if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
            raise MalformedNote("signer key is not an Ed25519 (type 0x01 or 0x04) key")
        signer = cls(name, raw[0], raw[1:])
        if hex_id != signer.verifier.key_id.hex():
            raise MalformedNote(f"signer key {name}: key id {hex_id} does not match the key")
        return signer

    def _sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise MalformedNote(f"{what} is not valid standard base64") from None


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")  # U+0000-U+001F except the newline


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedNote("note text must end with a newline")
    bad = _CONTROL.search(text)  # one C scan: this runs for every checkpoint the log signs
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        raise MalformedNote(f"note text line {line} holds a control character")


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def sign_note(text: str, *signers: Signer, timestamp: int | None = None) -> str:
    """A signed note: ``text`` (ending in a newline), a blank line, one signature line each."""
    _check_text(text)
    lines = []
    for signer in signers:
        if signer.sig_type == COSIGNATURE_V1:
            ts = int(_time.time()) if timestamp is None else timestamp
            sig = struct.pack(">Q", ts) + signer._sign(_cosigned_message(text, ts))
        else:
            sig = signer._sign(text.encode())
        blob = base64.b64encode(signer.verifier.key_id + sig).decode()
        lines.append(f"{_DASH}{signer.name} {blob}\n")
    return text + "\n" + "".join(lines)


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes  # for cosignatures: 8-byte timestamp || 64-byte signature

    def line(self) -> str:
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass(frozen=True)
class Note:
    """A parsed signed note whose signatures have not been checked yet."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def parse_note(note: str | bytes) -> Note:
    """Split a signed note into text and signature lines, strictly (signed-note §Format)."""
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise MalformedNote(f"signed note is over {MAX_NOTE_BYTES} bytes")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNote("signed note is not valid UTF-8") from None
    if len(note) > MAX_NOTE_BYTES:
        raise MalformedNote(f"signed note is over {MAX_NOTE_BYTES} bytes")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise MalformedNote("signed note holds a control character other than newline")
    if not note.endswith("\n"):
        raise MalformedNote("signed note must end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNote("signed note has no blank line before its signatures")
    text, sig_block = note[: split + 1], note[split + 2 :]
    signatures = []
    for n, line in enumerate(sig_block.split("\n")[:-1], start=1):
        if not line.startswith(_DASH):
            raise MalformedNote(f"signature line {n} does not start with an em dash and a space")
        name, space, blob = line[len(_DASH) :].partition(" ")
        if not space or " " in blob:
            raise MalformedNote(f"signature line {n} is not '— <key name> <base64 signature>'")
        _check_name(name)
        raw = _b64(blob, f"signature line {n}")
        if len(raw) < 5:
            raise MalformedNote(f"signature line {n} is too short to hold a key id and signature")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    if not signatures:
        raise MalformedNote("signed note has no signature lines")
    if len(signatures) > MAX_SIGNATURES:
        raise MalformedNote(f"signed note has more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(signatures))


def _check_one(note: Note, sig: NoteSignature, verifier: Verifier) -> bool:
    if verifier.sig_type == COSIGNATURE_V1:
        if len(sig.signature) != 72:
            return False
        (ts,) = struct.unpack(">Q", sig.signature[:8])
        return ts < 2**63 and verifier._verify(sig.signature[8:], _cosigned_message(note.text, ts))
    return len(sig.signature) == 64 and verifier._verify(sig.signature, note.text.encode())


def open_note(note: str | bytes | Note, *known: Verifier) -> Note:
    """Parse and verify a note: every signature from a known key must verify, and at least
    one must be present (signed-note §Signatures). Signatures from unknown keys are ignored."""
    parsed = note if isinstance(note, Note) else parse_note(note)
    by_id = {(v.name, v.key_id): v for v in known}
    verified = 0
    for sig in parsed.signatures:
        verifier = by_id.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not _check_one(parsed, sig, verifier):
            raise SignatureError(
                f"the signature by {sig.name} does not verify: the note was altered"
            )
        verified += 1
    if not verified:
        names = ", ".join(v.name for v in known) or "no key"
        raise SignatureError(f"the note carries no signature by {names}")
    return parsed


def signed_by(note: Note, verifier: Verifier) -> bool:
    """Whether ``note`` carries a valid signature by ``verifier`` (others are not looked at)."""
    return any(
        (sig.name, sig.key_id) == (verifier.name, verifier.key_id)
        and _check_one(note, sig, verifier)
        for sig in note.signatures
    )


def cosignature_time(note: Note, verifier: Verifier) -> int | None:
    for sig in note.signatures:
        if sig.name == verifier.name and sig.key_id == verifier.key_id and len(sig.signature) == 72:
            return int(struct.unpack(">Q", sig.signature[:8])[0])
    return None
