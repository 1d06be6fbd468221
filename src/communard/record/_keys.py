"""The organisation's signing key on disk: one private file (mode 0600) and one public file."""

from __future__ import annotations

import os
from pathlib import Path

from communard.record._note import ED25519, Signer, Verifier


class KeyFileError(ValueError):
    """A key file is missing, unreadable, malformed or too widely readable."""


def generate_key_files(directory: str | os.PathLike[str], name: str) -> tuple[Path, Path]:
    """Create ``record.key`` (private) and ``record.vkey`` (public) for a new organisation.

    Refuses to overwrite: a new key for an existing record would orphan every checkpoint.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    private, public = d / "record.key", d / "record.vkey"
    signer = Signer.generate(name, ED25519)
    try:
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{private} already exists; the record keeps its key") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(signer.text() + "\n")
    public.write_text(signer.verifier.text() + "\n", encoding="utf-8")
    return private, public


def load_signer(path: str | os.PathLike[str]) -> Signer:
    p = Path(path)
    try:
        mode = p.stat().st_mode
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise KeyFileError(f"cannot read the record's signing key {p}: {e.strerror}") from None
    if mode & 0o077:
        raise KeyFileError(f"{p} is readable by others (mode {mode & 0o777:o}); chmod 600 it")
    try:
        return Signer.parse(text)
    except ValueError as e:
        raise KeyFileError(f"{p}: {e}") from None


def load_verifier(text_or_path: str) -> Verifier:
    """A verifier key given inline (``name+id+key``) or as a file holding one."""
    candidate = text_or_path.strip()
    if "+" not in candidate or os.path.exists(candidate):
        try:
            candidate = Path(candidate).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise KeyFileError(f"cannot read verifier key {text_or_path}: {e.strerror}") from None
    try:
        return Verifier.parse(candidate)
    except ValueError as e:
        raise KeyFileError(str(e)) from None
