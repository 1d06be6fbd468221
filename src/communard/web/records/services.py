"""The web application's one door into the record.

Every ``do_*`` action calls :func:`append` inside its own ``transaction.atomic``; nothing else
writes entries. Personal data goes in only through :func:`personal`, as a salted commitment.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings

from communard.record import Log, Signer, Verifier, load_signer
from communard.web.records.models import Entry
from communard.web.records.store import DatabaseStore, NotInTransaction

DEFAULT_ORIGIN = "communard.local/record"
_lock = threading.Lock()
_signer: Signer | None = None


def key_path() -> Path:
    return Path(settings.CONFIG.signing_key_path)


def signer() -> Signer:
    """The organisation's signing key, made on first use (0600, beside a public ``.vkey``)."""
    global _signer
    with _lock:
        path = key_path()
        if _signer is None or not path.exists():
            _signer = _load_or_create(path)
        return _signer


def _load_or_create(path: Path) -> Signer:
    if path.exists():
        return load_signer(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    origin = getattr(settings, "COMMUNARD_RECORD_ORIGIN", DEFAULT_ORIGIN)
    new = Signer.generate(origin)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return load_signer(path)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(new.text() + "\n")
    path.with_suffix(".vkey").write_text(new.verifier.text() + "\n", encoding="utf-8")
    return new


def verifier() -> Verifier:
    return signer().verifier


def log() -> Log:
    return Log(DatabaseStore(), signer())


def append(kind: str, body: Mapping[str, Any], *, actor: str = "") -> Entry:
    """Append one entry recording a state change made in the caller's transaction.

    Raises :class:`NotInTransaction` outside ``transaction.atomic`` and
    ``communard.record.MalformedEntry`` for a body that is not the record's JSON (no floats).
    """
    store = DatabaseStore()
    Log(store, signer()).append(kind, body, actor=actor)
    assert store.last is not None
    return store.last


def personal(value: str) -> str:
    """A fresh salted commitment to a piece of personal data; the opening is kept privately
    (in the caller's transaction when there is one, so a failed action leaves none behind)."""
    return log().personal(value)


__all__ = ["append", "personal", "NotInTransaction", "log", "signer", "verifier"]
