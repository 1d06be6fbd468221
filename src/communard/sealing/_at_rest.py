"""A teller's share at rest: a small text file encrypted under the teller's own passphrase.

Scheme: Argon2id (libsodium's ``crypto_pwhash``, through ``nacl.pwhash``) stretches the
passphrase with a random salt into 64 bytes; the first 32 are the key of an XChaCha20-Poly1305
AEAD (``nacl.secret.Aead``) that seals the share's text, with the file's header lines as
associated data, so a header edited by hand (another teller's name, a weaker work factor) makes
the file refuse to open. The last 32 are a *check value* stored in the file: it tells "wrong
passphrase" from "file altered" (it lets an attacker test a passphrase guess no faster than
the sealed share itself would: each guess still costs one Argon2id run).

File, format 1 (every line ends in a newline)::

    communard teller share, format 1
    poll: <poll identifier>
    teller: <teller>
    kdf: argon2id <interactive|moderate|sensitive>
    salt: <base64, 16 bytes>
    check: <base64, 32 bytes>
    sealed: <base64: nonce ‖ ciphertext ‖ tag>

The work factor is one of libsodium's three named levels, never free numbers read from the
file, so an altered file cannot make the reader allocate without bound.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.pwhash import argon2id
from nacl.secret import Aead

from communard.sealing._keys import TellerShare
from communard.sealing.errors import BadShareText, SealingError, ShareFileError

MAGIC = "communard teller share, format 1"
#: libsodium's named Argon2id work factors: (operations, memory in bytes).
STRENGTHS: dict[str, tuple[int, int]] = {
    "interactive": (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE),
    "sensitive": (argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE),
}
DEFAULT_STRENGTH = "moderate"
MIN_PASSPHRASE = 8
_FIELDS = ("poll", "teller", "kdf", "salt", "check", "sealed")
_CHECK_SIZE = 32
#: The sealed share's text is a few hundred bytes; anything much larger is not a share file.
MAX_FILE_SIZE = 16_384


def protect_share(share: TellerShare, passphrase: bytes, *, strength: str = DEFAULT_STRENGTH) -> str:
    """The text of a share file: ``share`` sealed under ``passphrase``."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise SealingError(f"the passphrase must be at least {MIN_PASSPHRASE} characters")
    if strength not in STRENGTHS:
        raise SealingError(f"strength {strength!r} is not one of {', '.join(STRENGTHS)}")
    for name, value in (("poll", share.poll), ("teller", share.teller)):
        if "\n" in value or "\r" in value:
            raise SealingError(f"the share's {name} contains a line break")
    salt = os.urandom(argon2id.SALTBYTES)
    key, check = _stretch(passphrase, salt, strength)
    header = (
        f"{MAGIC}\npoll: {share.poll}\nteller: {share.teller}\nkdf: argon2id {strength}\n"
        f"salt: {_b64(salt)}\ncheck: {_b64(check)}\n"
    )
    sealed = Aead(key).encrypt(share.to_text().encode("ascii"), header.encode("utf-8"))
    return header + f"sealed: {_b64(bytes(sealed))}\n"


def unprotect_share(text: str, passphrase: bytes, *, source: str) -> TellerShare:
    """The share in a share file's ``text``; every refusal names ``source`` and what is wrong."""
    lines = text.split("\n")
    if not lines or lines[0] != MAGIC:
        raise ShareFileError(source, f"line 1: not a teller's share file (expected {MAGIC!r})")
    if len(lines) < len(_FIELDS) + 2 or lines[len(_FIELDS) + 1] != "":
        raise ShareFileError(source, "the file is cut short (a line is missing)")
    if any(line for line in lines[len(_FIELDS) + 2 :]):
        raise ShareFileError(source, f"line {len(_FIELDS) + 2}: unexpected text after the share")
    values: dict[str, str] = {}
    for number, (name, line) in enumerate(zip(_FIELDS, lines[1:], strict=False), start=2):
        prefix = f"{name}: "
        if not line.startswith(prefix):
            raise ShareFileError(source, f"line {number}: expected the field {name!r}")
        values[name] = line[len(prefix) :]
    kdf, _, strength = values["kdf"].partition(" ")
    if kdf != "argon2id" or strength not in STRENGTHS:
        raise ShareFileError(source, "line 4 (kdf): not 'argon2id' with a known strength")
    salt = _unb64(values["salt"], source, "line 5 (salt)", argon2id.SALTBYTES)
    check = _unb64(values["check"], source, "line 6 (check)", _CHECK_SIZE)
    sealed = _unb64(values["sealed"], source, "line 7 (sealed)", None)
    key, expected = _stretch(passphrase, salt, strength)
    if not hmac.compare_digest(check, expected):
        raise ShareFileError(source, "wrong passphrase")
    header = "\n".join(lines[:6]) + "\n"
    try:
        plain = Aead(key).decrypt(sealed, header.encode("utf-8"))
    except CryptoError:
        raise ShareFileError(
            source, "the passphrase is right but the file was altered (header or sealed share)"
        ) from None
    try:
        share = TellerShare.from_text(plain.decode("ascii"))
    except (BadShareText, UnicodeDecodeError) as exc:
        raise ShareFileError(source, f"the sealed share is not a share: {exc}") from None
    if share.poll != values["poll"] or share.teller != values["teller"]:
        raise ShareFileError(source, "the header names another poll or teller than the share")
    return share


def write_share_file(
    path: Path, share: TellerShare, passphrase: bytes, *, strength: str = DEFAULT_STRENGTH
) -> None:
    """Write a new share file readable by its owner only; never overwrite one."""
    text = protect_share(share, passphrase, strength=strength).encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ShareFileError(str(path), "already exists; a share file is never overwritten") from None
    except OSError as exc:
        raise ShareFileError(str(path), f"cannot be created: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)  # never leave half a file behind
        raise ShareFileError(str(path), f"cannot be written: {exc.strerror}") from None


def read_share_file(path: Path, passphrase: bytes) -> TellerShare:
    """The share kept in ``path``; a missing, truncated, altered or foreign file is refused."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_SIZE + 1)
    except OSError as exc:
        raise ShareFileError(str(path), f"cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_SIZE:
        raise ShareFileError(str(path), f"is larger than any share file ({MAX_FILE_SIZE} bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ShareFileError(str(path), f"byte {exc.start}: not UTF-8 text") from None
    return unprotect_share(text, passphrase, source=str(path))


def _stretch(passphrase: bytes, salt: bytes, strength: str) -> tuple[bytes, bytes]:
    ops, mem = STRENGTHS[strength]
    out = argon2id.kdf(Aead.KEY_SIZE + _CHECK_SIZE, passphrase, salt, opslimit=ops, memlimit=mem)
    return out[: Aead.KEY_SIZE], out[Aead.KEY_SIZE :]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, source: str, where: str, size: int | None) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        raise ShareFileError(source, f"{where}: not base64 (altered or cut short)") from None
    if size is not None and len(raw) != size:
        raise ShareFileError(source, f"{where}: {len(raw)} bytes, expected {size} (altered)")
    return raw
