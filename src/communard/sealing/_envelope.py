"""Envelopes: a ballot sealed to the poll's public key, all of one length, opened only together.

Format, version 1 (``docs/sealing.md``)::

    envelope = 0x01 ‖ crypto_box_seal(poll public key, pad(ballot))
    pad      = ISO/IEC 7816-4 padding (libsodium's sodium_pad) to exactly capacity + 1 bytes

``crypto_box_seal`` is libsodium's sealed box (X25519 with an ephemeral key, XSalsa20-Poly1305):
anonymous, authenticated, and openable only with the poll's private key. The padding makes every
envelope of a poll ``1 + 48 + capacity + 1`` bytes long, so neither the envelope nor its length
tells a short ranking from a long one.

:func:`open_all` opens a whole box at once and returns the ballots shuffled by the operating
system's CSPRNG (``secrets.SystemRandom``): the order of the plaintexts never follows the order
of the casts, and neither does the order in which they are opened.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from nacl.bindings import (
    crypto_box_seal,
    crypto_box_seal_open,
    crypto_box_SEALBYTES,
    sodium_pad,
    sodium_unpad,
)
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey

from communard.sealing.errors import BallotRefused, EnvelopeRefused, SealingError

ENVELOPE_VERSION = 1
_VERSION_BYTE = bytes([ENVELOPE_VERSION])
PUBLIC_KEY_SIZE = 32


def envelope_size(capacity: int) -> int:
    """The length of every envelope of a poll whose ballots are at most ``capacity`` bytes."""
    return len(_VERSION_BYTE) + crypto_box_SEALBYTES + capacity + 1


def seal(public_key: bytes, ballot: bytes, *, capacity: int) -> bytes:
    """Seal one ballot (at most ``capacity`` bytes) to the poll's public key."""
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise SealingError(f"a poll's public key is {PUBLIC_KEY_SIZE} bytes, not {len(public_key)}")
    if capacity < 1:
        raise SealingError(f"an envelope's capacity must be at least 1 byte, not {capacity}")
    if len(ballot) > capacity:
        raise BallotRefused(f"the ballot is {len(ballot)} bytes; this poll's envelopes hold {capacity}")
    # Block = capacity + 1: the padding always adds at least one byte, so every ballot up to
    # ``capacity`` bytes pads to exactly one block.
    return _VERSION_BYTE + crypto_box_seal(sodium_pad(ballot, capacity + 1), public_key)


def open_all(private_key: PrivateKey, envelopes: Sequence[bytes], *, capacity: int) -> list[bytes]:
    """Open every envelope of a box and return the ballots in a fresh random order.

    All or nothing: if any envelope is malformed, repeated, altered or sealed to another key, no
    ballot is returned and ``EnvelopeRefused`` names the first such envelope by its position in
    ``envelopes`` (and says how many others fail).
    """
    size = envelope_size(capacity)
    failures: dict[int, str] = {}
    first_seen: dict[bytes, int] = {}
    for position, envelope in enumerate(envelopes):
        problem = _shape_problem(envelope, size)
        if problem is None and envelope in first_seen:
            # A sealed box has a fresh ephemeral key every time: a repeat is a copy, not a vote.
            problem = f"repeats envelope {first_seen[envelope]}"
        if problem is not None:
            failures[position] = problem
        else:
            first_seen[envelope] = position
    del first_seen
    order = list(range(len(envelopes)))
    secrets.SystemRandom().shuffle(order)
    public = bytes(private_key.public_key)
    secret = bytes(private_key)
    block = capacity + 1
    ballots: list[bytes] = []
    for position in order:
        if position in failures:
            continue
        try:
            padded = crypto_box_seal_open(envelopes[position][1:], public, secret)
        except CryptoError:
            failures[position] = "does not open with this poll's key (sealed to another, or altered)"
            continue
        try:
            ballots.append(sodium_unpad(padded, block))
        except CryptoError:
            failures[position] = "opens, but its padding is malformed (not sealed by a ballot page)"
    if failures:
        first = min(failures)
        others = len(failures) - 1
        more = f" (and {others} other envelope(s) refused)" if others else ""
        raise EnvelopeRefused(first, failures[first] + more)
    return ballots


def _shape_problem(envelope: object, size: int) -> str | None:
    if not isinstance(envelope, bytes):
        return f"is a {type(envelope).__name__}, not bytes"
    if len(envelope) != size:
        return f"is {len(envelope)} bytes long; this poll's envelopes are {size}"
    if envelope[:1] != _VERSION_BYTE:
        return f"has format version {envelope[0]}, not {ENVELOPE_VERSION}"
    return None
