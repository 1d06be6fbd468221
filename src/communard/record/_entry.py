"""Record entries and the salted commitments that keep personal data out of them.

An entry is the canonical JSON object ``{"actor", "body", "index", "kind", "time"}``; its bytes
are the Merkle leaf. The entry names its own position (``index``) so that a row moved, dropped
or slipped in among the others is reported by the index it claims, not merely as "the root
differs".
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from communard.record._canonical import NotCanonical, canonical_json, parse_canonical

_KIND = re.compile(r"[a-z][a-z0-9_.-]{0,79}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_FIELDS = frozenset({"actor", "body", "index", "kind", "time"})
MAX_ACTOR = 200

COMMITMENT_PREFIX = "commit:"
SALT_BYTES = 32
_COMMITMENT = re.compile(r"commit:[0-9a-f]{64}")


class MalformedEntry(ValueError):
    """Bytes or values that do not make a record entry; the message names the field."""


def format_time(when: datetime) -> str:
    """RFC 3339 in UTC with microseconds, the one time form entries use."""
    if when.tzinfo is None:
        raise MalformedEntry("entry time must be timezone-aware")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Entry:
    """One record entry. ``body`` holds no personal data, only :func:`commit` values."""

    index: int
    kind: str
    time: str
    actor: str
    body: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or not isinstance(self.index, int) or self.index < 0:
            raise MalformedEntry(f"entry index must be a non-negative integer, got {self.index!r}")
        if not isinstance(self.kind, str) or not _KIND.fullmatch(self.kind):
            raise MalformedEntry(
                f"entry kind {self.kind!r} must be lower-case letters, digits, '_', '.', '-' "
                "(starting with a letter, at most 80)"
            )
        if not isinstance(self.time, str) or not _TIME.fullmatch(self.time):
            raise MalformedEntry(f"entry time {self.time!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
        try:
            # The pattern above fixed the shape; this checks it is a real date and time.
            datetime.fromisoformat(self.time[:-1])
        except ValueError:
            raise MalformedEntry(f"entry time {self.time!r} is not a real date and time") from None
        if not isinstance(self.actor, str) or len(self.actor) > MAX_ACTOR:
            raise MalformedEntry(f"entry actor must be a string of at most {MAX_ACTOR} characters")
        if not isinstance(self.body, Mapping):
            raise MalformedEntry("entry body must be a JSON object")

    def to_json(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "body": dict(self.body),
            "index": self.index,
            "kind": self.kind,
            "time": self.time,
        }

    def encode(self) -> bytes:
        """The canonical bytes of this entry: the Merkle leaf data."""
        try:
            return canonical_json(self.to_json())
        except NotCanonical as e:
            raise MalformedEntry(f"entry {self.index} ({self.kind}): {e}") from None

    @classmethod
    def decode(cls, data: bytes) -> Entry:
        """Parse leaf bytes strictly: canonical JSON with exactly the entry's fields."""
        try:
            value = parse_canonical(data)
        except NotCanonical as e:
            raise MalformedEntry(str(e)) from None
        if not isinstance(value, dict) or set(value) != _FIELDS:
            got = sorted(value) if isinstance(value, dict) else type(value).__name__
            raise MalformedEntry(f"an entry is an object with fields {sorted(_FIELDS)}, got {got}")
        return cls(
            index=value["index"],
            kind=value["kind"],
            time=value["time"],
            actor=value["actor"],
            body=value["body"],
        )


@dataclass(frozen=True)
class Queued:
    """An entry checked and encoded except for its position: what an action writes inside its
    own transaction. The log gives it an ``index`` when it integrates the entry into the tree
    (:meth:`communard.record.Log.integrate`), so the action need not wait for the tree's lock.

    ``body`` is the body's canonical JSON, already checked; :meth:`encode` only splices."""

    kind: str
    time: str
    actor: str
    body: bytes

    @classmethod
    def of(
        cls, kind: str, body: Mapping[str, Any], *, actor: str = "", at: datetime | None = None
    ) -> Queued:
        """Check and encode an entry now; raises :class:`MalformedEntry` naming the field."""
        when = format_time(at if at is not None else datetime.now(UTC))
        Entry(index=0, kind=kind, time=when, actor=actor, body=body)  # checks the fields
        try:
            encoded = canonical_json(dict(body))
        except NotCanonical as e:
            raise MalformedEntry(f"entry ({kind}): {e}") from None
        return cls(kind=kind, time=when, actor=actor, body=encoded)

    def encode(self, index: int) -> bytes:
        """The entry's canonical bytes at ``index``: the same bytes as ``Entry.encode``, spliced
        from parts (the members "actor" < "body" < "index" < "kind" < "time" are in key order)."""
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise MalformedEntry(f"entry index must be a non-negative integer, got {index!r}")
        return b"".join((
            b'{"actor":', canonical_json(self.actor), b',"body":', self.body,
            b',"index":', str(index).encode(), b',"kind":', canonical_json(self.kind),
            b',"time":"', self.time.encode(), b'"}',
        ))


def new_salt() -> bytes:
    """A fresh 256-bit salt from the operating system's CSPRNG."""
    return os.urandom(SALT_BYTES)


def commit(value: str, salt: bytes) -> str:
    """The public commitment to ``value``: ``commit:`` + hex SHA-256(salt || UTF-8 value).

    The salt is 32 random bytes kept privately by the organisation, so nobody can test guesses
    (a member number has only a few million candidates) against the public record; the fixed
    salt length makes the concatenation unambiguous. Revealing (salt, value) opens it.
    """
    if len(salt) != SALT_BYTES:
        raise ValueError(f"a commitment salt is {SALT_BYTES} bytes, got {len(salt)}")
    return COMMITMENT_PREFIX + hashlib.sha256(salt + value.encode("utf-8")).hexdigest()


def is_commitment(text: str) -> bool:
    return bool(_COMMITMENT.fullmatch(text))


def opens(commitment: str, value: str, salt: bytes) -> bool:
    """Whether (value, salt) is the opening of ``commitment``."""
    if len(salt) != SALT_BYTES or not is_commitment(commitment):
        return False
    return hmac.compare_digest(commit(value, salt), commitment)
