"""The public part of a poll's key as a record entry's body, and back, checked field by field.

The opening puts :class:`PublicPollKey` on the record; anyone checking a hand-in, and ``verify``,
reads it back from there. The body is plain JSON (hex for bytes), so the record's canonical form
applies to it unchanged::

    {"poll": "…", "public_key": "<64 hex>", "threshold": 3,
     "tellers": [{"teller": "…", "index": 1, "commitment": "<64 hex>"}, …]}
"""

from __future__ import annotations

import re
from typing import Any

from communard.sealing._keys import MAX_TELLERS, PublicPollKey, ShareCommitment
from communard.sealing.errors import SealingError

_HEX64 = re.compile(r"[0-9a-f]{64}")


def public_key_body(public: PublicPollKey) -> dict[str, Any]:
    """The record body of a poll's public key, its threshold and its tellers' commitments."""
    return {
        "poll": public.poll,
        "public_key": public.public_key.hex(),
        "threshold": public.threshold,
        "tellers": [
            {"teller": c.teller, "index": c.index, "commitment": c.digest}
            for c in public.commitments
        ],
    }


def public_key_from_body(body: Any, *, where: str = "body") -> PublicPollKey:
    """Read back :func:`public_key_body`; a malformed body is refused naming the field."""
    if not isinstance(body, dict):
        raise SealingError(f"{where}: must be an object")
    unknown = set(body) - {"poll", "public_key", "threshold", "tellers"}
    if unknown:
        raise SealingError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    poll = body.get("poll")
    if not isinstance(poll, str) or not poll:
        raise SealingError(f"{where}.poll: must be a non-empty string")
    key = body.get("public_key")
    if not isinstance(key, str) or _HEX64.fullmatch(key) is None:
        raise SealingError(f"{where}.public_key: must be 64 lower-case hex digits")
    tellers = body.get("tellers")
    if not isinstance(tellers, list) or not 2 <= len(tellers) <= MAX_TELLERS:
        raise SealingError(f"{where}.tellers: must list 2–{MAX_TELLERS} tellers")
    threshold = body.get("threshold")
    if (isinstance(threshold, bool) or not isinstance(threshold, int)
            or not 2 <= threshold <= len(tellers)):
        raise SealingError(f"{where}.threshold: must be a whole number 2–{len(tellers)}")
    commitments = tuple(
        _commitment(raw, f"{where}.tellers[{i}]") for i, raw in enumerate(tellers)
    )
    if len({c.teller for c in commitments}) != len(commitments):
        raise SealingError(f"{where}.tellers: a teller is listed twice")
    if len({c.index for c in commitments}) != len(commitments):
        raise SealingError(f"{where}.tellers: two tellers have the same index")
    return PublicPollKey(poll, bytes.fromhex(key), threshold, commitments)


def _commitment(raw: Any, where: str) -> ShareCommitment:
    if not isinstance(raw, dict) or set(raw) != {"teller", "index", "commitment"}:
        raise SealingError(f"{where}: must have exactly teller, index and commitment")
    teller, index, digest = raw["teller"], raw["index"], raw["commitment"]
    if not isinstance(teller, str) or not teller:
        raise SealingError(f"{where}.teller: must be a non-empty string")
    if isinstance(index, bool) or not isinstance(index, int) or not 1 <= index <= MAX_TELLERS:
        raise SealingError(f"{where}.index: must be a whole number 1–{MAX_TELLERS}")
    if not isinstance(digest, str) or _HEX64.fullmatch(digest) is None:
        raise SealingError(f"{where}.commitment: must be 64 lower-case hex digits")
    return ShareCommitment(teller, index, digest)
