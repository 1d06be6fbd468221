"""The web application's one door into the record.

Every ``do_*`` action calls :func:`append` inside its own ``transaction.atomic``; nothing else
writes entries. Personal data goes in only through :func:`personal`, as a salted commitment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from communard.web.records.models import Entry


class NotInTransaction(RuntimeError):
    """``append`` was called outside the action's transaction, so it could not be atomic with it."""


def append(kind: str, body: Mapping[str, Any], *, actor: str = "") -> Entry:
    """Append one entry recording a state change made in the caller's transaction."""
    if not connection.in_atomic_block:
        raise NotInTransaction(
            f"record entry {kind!r} must be appended inside the action's transaction"
        )
    last = Entry.objects.select_for_update().aggregate(m=Max("index"))["m"]
    return Entry.objects.create(
        index=0 if last is None else last + 1,
        kind=kind,
        at=timezone.now(),
        actor=actor,
        body=dict(body),
    )


def personal(value: str) -> str:
    """A commitment to a piece of personal data (placeholder: the record issue salts it)."""
    return hashlib.sha256(value.encode()).hexdigest()


__all__ = ["append", "personal", "NotInTransaction", "transaction"]
