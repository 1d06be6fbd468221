"""The poll key: made once when a poll opens, split t-of-n among its tellers, rebuilt at the close.

Scheme (see ``docs/sealing.md``): a 16-byte random *seed* is split with Shamir's secret sharing
over GF(2^128) (pycryptodome's ``Crypto.Protocol.SecretSharing.Shamir``, which takes exactly 16
bytes); the poll's X25519 private key is HKDF-SHA256(seed, info = domain ‖ poll). The seed carries
128 bits, the security level of X25519 itself, so one share per teller suffices (two halves
shared separately would double every teller's paperwork for no gain).

Shamir's shares authenticate nothing: a wrong share silently interpolates a wrong secret. So each
share gets a public *commitment*, a salted SHA-256 of the share bound to the poll, the teller and
the share's index; the commitments go on the record when the poll opens, and a handed-in share is
checked against its teller's commitment before it is used — a forged or mistyped share is refused
naming the teller, and the key is never rebuilt from it.

Nothing here writes a key, a seed or a share anywhere: they live in memory, and the shares leave
only as the text a teller is shown once (and then keeps encrypted, ``_at_rest.py``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from Crypto.Protocol.SecretSharing import Shamir
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.public import PrivateKey

from communard.sealing.errors import BadShareText, SealingError, ShareRefused, TooFewShares

SEED_SIZE = 16  # what pycryptodome's Shamir shares: 128 bits, X25519's own security level
SALT_SIZE = 16
#: A teller count past this is a mistake, not an organisation: every share is handed in by hand.
MAX_TELLERS = 255
SHARE_TEXT_PREFIX = "communard-share.1."
_KEY_INFO = b"communard/sealing/v1/poll-key\x00"
_COMMITMENT_DOMAIN = b"communard/sealing/v1/share-commitment\x00"


@dataclass(frozen=True)
class ShareCommitment:
    """What the record holds about one teller's share: who, which index, and a salted hash."""

    teller: str
    index: int
    digest: str  # hex SHA-256


@dataclass(frozen=True)
class PublicPollKey:
    """Everything about a poll's key that is public: it goes on the record when the poll opens."""

    poll: str
    public_key: bytes  # X25519, 32 bytes: what every envelope is sealed to
    threshold: int
    commitments: tuple[ShareCommitment, ...]

    @property
    def tellers(self) -> tuple[str, ...]:
        return tuple(c.teller for c in self.commitments)

    def commitment_of(self, teller: str) -> ShareCommitment | None:
        return next((c for c in self.commitments if c.teller == teller), None)


@dataclass(frozen=True, repr=False)
class TellerShare:
    """One teller's share of one poll's key. Secret: shown to its teller once, never stored
    in the clear. ``repr`` hides the value so a log line or a traceback cannot leak it."""

    poll: str
    teller: str
    index: int
    threshold: int
    value: bytes  # the Shamir share, 16 bytes
    salt: bytes  # the commitment's salt, 16 bytes

    def __repr__(self) -> str:
        return f"TellerShare(poll={self.poll!r}, teller={self.teller!r}, index={self.index})"

    def commitment(self) -> ShareCommitment:
        return ShareCommitment(self.teller, self.index, _digest(self))

    def to_text(self) -> str:
        """The one-line form a teller is shown once, keeps, and hands in at the close."""
        body = {
            "poll": self.poll,
            "teller": self.teller,
            "index": self.index,
            "threshold": self.threshold,
            "value": base64.urlsafe_b64encode(self.value).decode("ascii"),
            "salt": base64.urlsafe_b64encode(self.salt).decode("ascii"),
        }
        packed = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return SHARE_TEXT_PREFIX + base64.urlsafe_b64encode(packed).decode("ascii")

    @classmethod
    def from_text(cls, text: str) -> TellerShare:
        """Read a share's text form; a malformed one is refused naming the field."""
        text = text.strip()
        if not text.startswith(SHARE_TEXT_PREFIX):
            raise BadShareText(f"a share begins with {SHARE_TEXT_PREFIX!r}; this text does not")
        try:
            encoded = text[len(SHARE_TEXT_PREFIX) :]
            packed = _b64decode(encoded)
            # Canonical base64 only: two texts never stand for one share.
            if base64.urlsafe_b64encode(packed).decode("ascii") != encoded:
                raise ValueError("not canonical")
            body = json.loads(packed)
        except (ValueError, UnicodeError, binascii.Error):
            raise BadShareText("the share text is cut short or altered (not readable)") from None
        if not isinstance(body, dict):
            raise BadShareText("the share text is altered (not a share)")
        poll = _text_field(body, "poll")
        teller = _text_field(body, "teller")
        index = _int_field(body, "index", 1, MAX_TELLERS)
        threshold = _int_field(body, "threshold", 2, MAX_TELLERS)
        value = _bytes_field(body, "value", SEED_SIZE)
        salt = _bytes_field(body, "salt", SALT_SIZE)
        unknown = set(body) - {"poll", "teller", "index", "threshold", "value", "salt"}
        if unknown:
            raise BadShareText(f"the share text has unknown field(s): {', '.join(sorted(unknown))}")
        return cls(poll, teller, index, threshold, value, salt)


@dataclass(frozen=True, repr=False)
class SplitPollKey:
    """What :func:`make_poll_key` returns: the public part, and one share per teller. The
    private key itself is not in it: it existed only inside the call."""

    public: PublicPollKey
    shares: tuple[TellerShare, ...]

    def __repr__(self) -> str:
        return f"SplitPollKey(poll={self.public.poll!r}, tellers={self.public.tellers!r})"


def make_poll_key(poll: str, tellers: Sequence[str], threshold: int) -> SplitPollKey:
    """Make a poll's key pair and split its private half ``threshold``-of-``len(tellers)``."""
    _check_split(poll, tellers, threshold)
    seed = secrets.token_bytes(SEED_SIZE)
    public_key = bytes(_derive_private_key(poll, seed).public_key)
    pieces = Shamir.split(threshold, len(tellers), seed)
    shares = tuple(
        TellerShare(poll, teller, index, threshold, value, secrets.token_bytes(SALT_SIZE))
        for teller, (index, value) in zip(tellers, pieces, strict=True)
    )
    public = PublicPollKey(poll, public_key, threshold, tuple(s.commitment() for s in shares))
    return SplitPollKey(public, shares)


def check_share(public: PublicPollKey, share: TellerShare) -> None:
    """Refuse a share that is not the one its teller was given (``ShareRefused`` names them)."""
    if share.poll != public.poll:
        raise ShareRefused(share.teller, f"it is a share of poll {share.poll!r}, not {public.poll!r}")
    expected = public.commitment_of(share.teller)
    if expected is None:
        raise ShareRefused(share.teller, "they are not a teller of this poll")
    if share.threshold != public.threshold or share.index != expected.index:
        raise ShareRefused(share.teller, "it does not match their commitment on the record")
    if not hmac.compare_digest(_digest(share), expected.digest):
        raise ShareRefused(share.teller, "it does not match their commitment on the record")


def rebuild_key(public: PublicPollKey, shares: Iterable[TellerShare]) -> PrivateKey:
    """The poll's private key, rebuilt in memory from at least ``threshold`` valid shares.

    Every share is checked against its commitment first, so a forged one is refused naming its
    teller rather than silently giving a wrong key; fewer than the threshold is refused with the
    tellers still to hand in.
    """
    valid: dict[str, TellerShare] = {}
    for share in shares:
        check_share(public, share)
        valid[share.teller] = share  # the same valid share handed in twice counts once
    if len(valid) < public.threshold:
        missing = tuple(t for t in public.tellers if t not in valid)
        raise TooFewShares(len(valid), public.threshold, missing)
    chosen = sorted(valid.values(), key=lambda s: s.index)[: public.threshold]
    seed = Shamir.combine([(s.index, s.value) for s in chosen])
    private = _derive_private_key(public.poll, seed)
    if not hmac.compare_digest(bytes(private.public_key), public.public_key):
        # Only commitments made inconsistently with the key can get here: say so, open nothing.
        raise SealingError("the shares rebuild a key that is not the poll's public key")
    return private


def _derive_private_key(poll: str, seed: bytes) -> PrivateKey:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO + poll.encode())
    return PrivateKey(hkdf.derive(seed))


def _digest(share: TellerShare) -> str:
    h = hashlib.sha256(_COMMITMENT_DOMAIN)
    for part in (share.poll.encode(), share.teller.encode()):
        h.update(len(part).to_bytes(4, "big"))
        h.update(part)
    h.update(share.index.to_bytes(2, "big"))
    h.update(share.threshold.to_bytes(2, "big"))
    h.update(share.salt)
    h.update(share.value)
    return h.hexdigest()


def _check_split(poll: str, tellers: Sequence[str], threshold: int) -> None:
    if not poll:
        raise SealingError("a poll key needs the poll's identifier")
    if any(not t for t in tellers):
        raise SealingError("every teller needs a name")
    if len(set(tellers)) != len(tellers):
        raise SealingError("a teller is listed twice: each holds one share")
    if len(tellers) > MAX_TELLERS:
        raise SealingError(f"at most {MAX_TELLERS} tellers, not {len(tellers)}")
    if threshold < 2:
        # With t = 1 every teller alone could open every ballot: that is no split at all.
        raise SealingError(f"the threshold must be at least 2, not {threshold}")
    if threshold > len(tellers):
        raise SealingError(
            f"the threshold ({threshold}) is larger than the number of tellers ({len(tellers)})"
        )


def _text_field(body: dict[str, object], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadShareText(f"the share text's field {name!r} is missing or not text")
    return value


def _int_field(body: dict[str, object], name: str, low: int, high: int) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadShareText(f"the share text's field {name!r} must be a whole number {low}–{high}")
    return value


def _bytes_field(body: dict[str, object], name: str, size: int) -> bytes:
    value = body.get(name)
    try:
        raw = _b64decode(value) if isinstance(value, str) else b""
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != size:
        raise BadShareText(f"the share text's field {name!r} must hold {size} bytes")
    # Canonical base64 here too (the last character's unused bits zero): else a character
    # changed in a field's padding bits would read as the same share from another text.
    if base64.urlsafe_b64encode(raw).decode("ascii") != value:
        raise BadShareText(f"the share text's field {name!r} is altered (not canonical base64)")
    return raw


def _b64decode(text: str) -> bytes:
    """Strict URL-safe base64: a stray character is an error, not silently dropped."""
    return base64.b64decode(text.encode("ascii"), altchars=b"-_", validate=True)
