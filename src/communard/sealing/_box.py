"""The box as the close sees it: its public digest, and its ballots opened, decoded and checked.

The digest is what the record keeps of the envelopes once they are opened: SHA-256 over the
envelopes in sorted order (each length-prefixed), so it names the *set* of envelopes whatever
order the database returns them in, and anyone holding the envelope table can recompute it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from nacl.public import PrivateKey

from communard.sealing._ballot import decode_ballot
from communard.sealing._envelope import open_all
from communard.sealing.errors import BallotRefused, SealingError

_DIGEST_DOMAIN = b"communard/sealing/v1/box\x00"


def box_digest(envelopes: Iterable[bytes]) -> str:
    """The hex SHA-256 of a box's envelopes, independent of their order."""
    h = hashlib.sha256(_DIGEST_DOMAIN)
    for envelope in sorted(envelopes):
        h.update(len(envelope).to_bytes(4, "big"))
        h.update(envelope)
    return h.hexdigest()


def open_ballots(
    private_key: PrivateKey, envelopes: Sequence[bytes], *, capacity: int, options: int
) -> list[tuple[str, tuple[int, ...]]]:
    """Open a box and decode its ballots, in the shuffled order of :func:`open_all`.

    Beyond ``open_all``'s checks, every ballot must be canonical, rank only the poll's options,
    and carry a tracking code no other ballot carries (two envelopes with one code mean one was
    made from the other's plaintext: refused, naming the code, never counted twice).
    """
    ballots = []
    seen: set[str] = set()
    for plain in open_all(private_key, envelopes, capacity=capacity):
        try:
            code, ranking = decode_ballot(plain)
        except BallotRefused as exc:
            # Positions are gone after the shuffle, by design; the reason is what can be said.
            raise SealingError(f"an envelope opens to something that is not a ballot: {exc}") from None
        if any(not 1 <= n <= options for n in ranking):
            raise SealingError(f"ballot {code} ranks an option outside 1–{options}")
        if code in seen:
            raise SealingError(f"two envelopes hold ballots with tracking code {code}")
        seen.add(code)
        ballots.append((code, ranking))
    return ballots
