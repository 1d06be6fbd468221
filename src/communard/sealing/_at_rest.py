"""Secrets at rest: small text files encrypted under their owner's passphrase.

A teller keeps two such files: their share of a poll's key (``communard teller share``) and their
personal delivery key (``communard teller key``, ``_delivery.py``). Both use one scheme: Argon2id
(libsodium's ``crypto_pwhash``, through ``nacl.pwhash``) stretches the passphrase with a random
salt into 64 bytes; the first 32 are the key of an XChaCha20-Poly1305 AEAD (``nacl.secret.Aead``)
that seals the secret, with the file's header lines as associated data, so a header edited by
hand (another teller's name, a weaker work factor) makes the file refuse to open. The last 32 are
a *check value* stored in the file: it tells "wrong passphrase" from "file altered" (it lets an
attacker test a passphrase guess no faster than the sealed secret itself would: each guess still
costs one Argon2id run).

A share file, format 1 (every line ends in a newline)::

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
from collections.abc import Sequence
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.pwhash import argon2id
from nacl.secret import Aead

from communard.sealing._keys import TellerShare
from communard.sealing.errors import BadShareText, SealingError, ShareFileError

SHARE_MAGIC = "communard teller share, format 1"
#: libsodium's named Argon2id work factors: (operations, memory in bytes).
STRENGTHS: dict[str, tuple[int, int]] = {
    "interactive": (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE),
    "sensitive": (argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE),
}
DEFAULT_STRENGTH = "moderate"
MIN_PASSPHRASE = 8
_CHECK_SIZE = 32
#: A sealed secret here is a few hundred bytes; anything much larger is not one of these files.
MAX_FILE_SIZE = 16_384


def protect_share(share: TellerShare, passphrase: bytes, *, strength: str = DEFAULT_STRENGTH) -> str:
    """The text of a share file: ``share`` sealed under ``passphrase``."""
    labels = (("poll", share.poll), ("teller", share.teller))
    return seal_under_passphrase(
        SHARE_MAGIC, labels, share.to_text().encode("ascii"), passphrase, strength=strength
    )


def unprotect_share(text: str, passphrase: bytes, *, source: str) -> TellerShare:
    """The share in a share file's ``text``; every refusal names ``source`` and what is wrong."""
    labels, secret = open_under_passphrase(
        text, SHARE_MAGIC, ("poll", "teller"), passphrase, source=source, what="share"
    )
    try:
        share = TellerShare.from_text(secret.decode("ascii"))
    except (BadShareText, UnicodeDecodeError) as exc:
        raise ShareFileError(source, f"the sealed share is not a share: {exc}") from None
    if share.poll != labels["poll"] or share.teller != labels["teller"]:
        raise ShareFileError(source, "the header names another poll or teller than the share")
    return share


def write_share_file(
    path: Path, share: TellerShare, passphrase: bytes, *, strength: str = DEFAULT_STRENGTH
) -> None:
    """Write a new share file readable by its owner only; never overwrite one."""
    write_new_file(path, protect_share(share, passphrase, strength=strength))


def read_share_file(path: Path, passphrase: bytes) -> TellerShare:
    """The share kept in ``path``; a missing, truncated, altered or foreign file is refused."""
    return unprotect_share(read_small_file(path), passphrase, source=str(path))


def seal_under_passphrase(
    magic: str,
    labels: Sequence[tuple[str, str]],
    secret: bytes,
    passphrase: bytes,
    *,
    strength: str = DEFAULT_STRENGTH,
) -> str:
    """A file's text: ``magic``, the ``labels`` in clear (authenticated), ``secret`` sealed."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise SealingError(f"the passphrase must be at least {MIN_PASSPHRASE} characters")
    if strength not in STRENGTHS:
        raise SealingError(f"strength {strength!r} is not one of {', '.join(STRENGTHS)}")
    for name, value in labels:
        if "\n" in value or "\r" in value:
            raise SealingError(f"the {name} contains a line break")
    salt = os.urandom(argon2id.SALTBYTES)
    key, check = _stretch(passphrase, salt, strength)
    header = "".join(
        f"{line}\n"
        for line in (
            magic,
            *(f"{name}: {value}" for name, value in labels),
            f"kdf: argon2id {strength}",
            f"salt: {_b64(salt)}",
            f"check: {_b64(check)}",
        )
    )
    sealed = Aead(key).encrypt(secret, header.encode("utf-8"))
    return header + f"sealed: {_b64(bytes(sealed))}\n"


def open_under_passphrase(
    text: str,
    magic: str,
    label_names: Sequence[str],
    passphrase: bytes,
    *,
    source: str,
    what: str,
) -> tuple[dict[str, str], bytes]:
    """The labels and the secret of a file made by :func:`seal_under_passphrase`."""
    fields = (*label_names, "kdf", "salt", "check", "sealed")
    lines = text.split("\n")
    if lines[0] != magic:
        raise ShareFileError(source, f"line 1: not a teller's {what} file (expected {magic!r})")
    if len(lines) < len(fields) + 2 or lines[len(fields) + 1] != "":
        raise ShareFileError(source, "the file is cut short (a line is missing)")
    if any(line for line in lines[len(fields) + 2 :]):
        raise ShareFileError(source, f"line {len(fields) + 2}: unexpected text after the {what}")
    values: dict[str, str] = {}
    where: dict[str, str] = {}
    for number, (name, line) in enumerate(zip(fields, lines[1:], strict=False), start=2):
        prefix = f"{name}: "
        if not line.startswith(prefix):
            raise ShareFileError(source, f"line {number}: expected the field {name!r}")
        values[name] = line[len(prefix) :]
        where[name] = f"line {number} ({name})"
    kdf, _, strength = values["kdf"].partition(" ")
    if kdf != "argon2id" or strength not in STRENGTHS:
        raise ShareFileError(source, f"{where['kdf']}: not 'argon2id' with a known strength")
    salt = _unb64(values["salt"], source, where["salt"], argon2id.SALTBYTES)
    check = _unb64(values["check"], source, where["check"], _CHECK_SIZE)
    sealed = _unb64(values["sealed"], source, where["sealed"], None)
    key, expected = _stretch(passphrase, salt, strength)
    if not hmac.compare_digest(check, expected):
        raise ShareFileError(source, "wrong passphrase")
    header = "\n".join(lines[: len(fields)]) + "\n"
    try:
        secret = Aead(key).decrypt(sealed, header.encode("utf-8"))
    except CryptoError:
        raise ShareFileError(
            source, f"the passphrase is right but the file was altered (header or sealed {what})"
        ) from None
    return {name: values[name] for name in label_names}, secret


def write_new_file(path: Path, text: str) -> None:
    """Write ``text`` to a new file readable by its owner only; never overwrite one, never leave
    half a file behind."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ShareFileError(str(path), "already exists; a teller's file is never overwritten") from None
    except OSError as exc:
        raise ShareFileError(str(path), f"cannot be created: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise ShareFileError(str(path), f"cannot be written: {exc.strerror}") from None


def read_small_file(path: Path) -> str:
    """The UTF-8 text of a teller's file, refused with the path if absent, too large or binary."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_SIZE + 1)
    except OSError as exc:
        raise ShareFileError(str(path), f"cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_SIZE:
        raise ShareFileError(str(path), f"is larger than any teller's file ({MAX_FILE_SIZE} bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ShareFileError(str(path), f"byte {exc.start}: not UTF-8 text") from None


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
