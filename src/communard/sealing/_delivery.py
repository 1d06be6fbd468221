"""Shares in transit: sealed to a teller's own key, so no share is ever stored in the clear.

The opening makes the shares while tellers may be away, and the close gathers hand-ins that
arrive one by one; in both gaps a share must wait somewhere. It waits *sealed* (libsodium's
sealed box, as envelopes are) to the public key of whoever may open it:

- at the opening, to the teller's personal **delivery key**, an X25519 key pair the teller
  makes with ``communard teller init`` and keeps under their passphrase; the organisation only
  ever holds its public half;
- at the close, to the close's ephemeral key, whose private half lives only in the memory of the
  process that will open the box.

A sealed share's text form is ``communard-sealed-share.1.`` followed by canonical base64url of
``crypto_box_seal(share text)``. A teller's key file is a passphrase-sealed file
(``_at_rest.py``) with the lines ``teller:`` and ``public:`` (base64) in its header.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path

from nacl.bindings import crypto_box_seal, crypto_box_seal_open
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey

from communard.sealing._at_rest import (
    DEFAULT_STRENGTH,
    open_under_passphrase,
    read_small_file,
    seal_under_passphrase,
    write_new_file,
)
from communard.sealing._keys import TellerShare
from communard.sealing.errors import BadShareText, SealingError, ShareFileError

KEY_MAGIC = "communard teller key, format 1"
SEALED_SHARE_PREFIX = "communard-sealed-share.1."
_KEY_SIZE = 32


@dataclass(frozen=True, repr=False)
class TellerKey:
    """A teller's delivery key pair. ``repr`` shows only the public half."""

    teller: str
    private: PrivateKey

    @property
    def public_key(self) -> bytes:
        return bytes(self.private.public_key)

    @classmethod
    def generate(cls, teller: str) -> TellerKey:
        if not teller or "\n" in teller or "\r" in teller:
            raise SealingError("a teller's key needs a name on one line")
        return cls(teller, PrivateKey.generate())

    def __repr__(self) -> str:
        return f"TellerKey(teller={self.teller!r}, public={public_text(self.public_key)})"


def public_text(public_key: bytes) -> str:
    """A public key as the organisation registers it: standard base64 of its 32 bytes."""
    return base64.b64encode(public_key).decode("ascii")


def seal_share(recipient_public_key: bytes, share: TellerShare) -> str:
    """``share`` sealed to ``recipient_public_key``: only its private half can open it."""
    if len(recipient_public_key) != _KEY_SIZE:
        raise SealingError(f"a public key is {_KEY_SIZE} bytes, not {len(recipient_public_key)}")
    sealed = crypto_box_seal(share.to_text().encode("ascii"), recipient_public_key)
    return SEALED_SHARE_PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")


def open_sealed_share(private_key: PrivateKey, sealed: str) -> TellerShare:
    """The share inside a sealed share's text; refused clearly if mangled or for another key."""
    sealed = sealed.strip()
    if not sealed.startswith(SEALED_SHARE_PREFIX):
        raise BadShareText(f"a sealed share begins with {SEALED_SHARE_PREFIX!r}; this text does not")
    encoded = sealed[len(SEALED_SHARE_PREFIX) :]
    try:
        raw = base64.b64decode(encoded.encode("ascii"), altchars=b"-_", validate=True)
    except (ValueError, binascii.Error):
        raise BadShareText("the sealed share is cut short or altered (not readable)") from None
    if base64.urlsafe_b64encode(raw).decode("ascii") != encoded:
        raise BadShareText("the sealed share is cut short or altered (not readable)")
    try:
        plain = crypto_box_seal_open(raw, bytes(private_key.public_key), bytes(private_key))
    except CryptoError:
        raise BadShareText(
            "the sealed share does not open with this key (sealed to another, or altered)"
        ) from None
    try:
        return TellerShare.from_text(plain.decode("ascii"))
    except UnicodeDecodeError:
        raise BadShareText("the sealed share opens, but holds no share") from None


def protect_teller_key(key: TellerKey, passphrase: bytes, *, strength: str = DEFAULT_STRENGTH) -> str:
    labels = (("teller", key.teller), ("public", public_text(key.public_key)))
    return seal_under_passphrase(KEY_MAGIC, labels, bytes(key.private), passphrase, strength=strength)


def unprotect_teller_key(text: str, passphrase: bytes, *, source: str) -> TellerKey:
    labels, secret = open_under_passphrase(
        text, KEY_MAGIC, ("teller", "public"), passphrase, source=source, what="key"
    )
    if len(secret) != _KEY_SIZE:
        raise ShareFileError(source, "the sealed key is not an X25519 private key")
    key = TellerKey(labels["teller"], PrivateKey(secret))
    if public_text(key.public_key) != labels["public"]:
        raise ShareFileError(source, "the header's public key is not the sealed key's")
    return key


def write_teller_key_file(
    path: Path, key: TellerKey, passphrase: bytes, *, strength: str = DEFAULT_STRENGTH
) -> None:
    write_new_file(path, protect_teller_key(key, passphrase, strength=strength))


def read_teller_key_file(path: Path, passphrase: bytes) -> TellerKey:
    return unprotect_teller_key(read_small_file(path), passphrase, source=str(path))
