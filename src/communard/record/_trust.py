"""Which signing key a verifier or a witness trusts, and why.

A check against "the key the record presents" proves nothing: whoever rewrites the record
(an operator with shell access, a hijacked server) replaces the key and re-signs every
checkpoint, and such a check says "intact". So the key must come from outside the record:
given (the key itself, or its fingerprint, got from the organisation out of band) or pinned
in a file on an earlier run. Trust on first use happens only when asked for by name
(``--trust-key FINGERPRINT`` or ``--pin-first``); otherwise the check refuses and prints the
fingerprint to compare and pin. A key that differs from the one trusted is reported, by name
and fingerprint, and the record is not called intact.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from communard.record._keys import KeyFileError, load_verifier
from communard.record._note import MalformedNote, Verifier

_FINGERPRINT = re.compile(r"sha256:[0-9a-f]{64}")


class UntrustedKey(Exception):
    """No key to trust was given or pinned, or the one given cannot be used; the message says
    which key the record presents (with its fingerprint) and how to pin it."""


def fingerprint(key: Verifier) -> str:
    """``sha256:`` + hex SHA-256 of the key's text form (name, key id, type and public key).

    The note format's 4-byte key id is too short to compare against a forgery; this is not."""
    return "sha256:" + hashlib.sha256(key.text().encode("utf-8")).hexdigest()


def is_fingerprint(text: str) -> bool:
    return bool(_FINGERPRINT.fullmatch(text.strip().lower()))


def describe(key: Verifier) -> str:
    return f"{key.name} (fingerprint {fingerprint(key)})"


@dataclass(frozen=True)
class Trust:
    """The key to check signatures with; ``changed`` says how the record's key differs from the
    one trusted (then the record is not intact, whatever the signatures say)."""

    key: Verifier
    changed: str | None = None
    pinned: Path | None = None  # set when this run wrote the pin


def read_pin(path: Path) -> Verifier | None:
    """The key pinned in ``path``, or ``None`` when nothing is pinned there yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise KeyFileError(f"cannot read the pinned key {path}: {e.strerror}") from None
    try:
        return Verifier.parse(text)
    except MalformedNote as e:
        raise KeyFileError(f"{path}: not a pinned verifier key ({e})") from None


def write_pin(path: Path, key: Verifier) -> None:
    """Pin ``key`` in ``path``, never over an existing pin (re-pinning is done by hand)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise UntrustedKey(f"{path} already pins a key; remove it by hand to re-pin") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key.text() + "\n")


def _changed(trusted: str, presented: Verifier) -> str:
    return (f"the record's signing key is now {describe(presented)}, not the trusted "
            f"{trusted}: the key was replaced, so its signatures vouch for nothing")


def choose_key(
    presented: Verifier | None,
    *,
    given: str | None = None,
    pin: Path | None = None,
    trust: str | None = None,
    pin_first: bool = False,
    how: str = "communard verify",
    how_to_pin: str | None = None,
) -> Trust:
    """Decide the key to verify with.

    ``presented``: the key the record itself offers (the installation's key file, a server's
    ``/record/api/key``), or ``None`` if it offers none. ``given``: a verifier key, a file
    holding one, or a fingerprint. ``pin``: a file holding the pinned key (written on first use
    only with ``trust`` naming the presented key's fingerprint, or with ``pin_first``).
    Raises :class:`UntrustedKey` when nothing trustworthy was given; ``how`` is the command
    named in its advice, ``how_to_pin`` the command that pins (``{fingerprint}`` in it is
    filled in)."""
    if trust is not None and not is_fingerprint(trust):
        raise UntrustedKey(f"--trust-key {trust!r} is not a fingerprint (sha256:<64 hex>)")
    if (trust is not None or pin_first) and pin is None:
        raise UntrustedKey("--trust-key and --pin-first pin a key: give the file with --pin")
    if given is not None:
        if is_fingerprint(given):
            return _by_fingerprint(presented, given.strip().lower())
        key = load_verifier(given)
        changed = None if presented in (None, key) else _changed(describe(key), presented)
        return Trust(key, changed)
    if pin is not None:
        pinned = read_pin(pin)
        if pinned is not None:
            if trust is not None and trust.lower() != fingerprint(pinned):
                raise UntrustedKey(f"{pin} pins {describe(pinned)}, not {trust.lower()}; "
                                   "remove the pin by hand, after finding out why, to re-pin")
            changed = None if presented in (None, pinned) else _changed(
                f"{describe(pinned)} pinned in {pin}", presented)
            return Trust(pinned, changed)
        if presented is None:
            raise UntrustedKey("the record offers no signing key to pin")
        if trust is not None:
            found = _by_fingerprint(presented, trust.lower())
            if found.changed is None:
                write_pin(pin, presented)
                return Trust(presented, None, pin)
            return found
        if pin_first:
            write_pin(pin, presented)
            return Trust(presented, None, pin)
    if presented is None:
        raise UntrustedKey("the record offers no signing key, and none was given (--key)")
    fp = fingerprint(presented)
    if how_to_pin is None:
        where = f"--pin {pin}" if pin is not None else "--pin FILE"
        advice = f"run `{how} --key {fp}`, or pin it once: `{how} {where} --trust-key {fp}`"
    else:
        advice = f"pin it: `{how_to_pin.format(fingerprint=fp)}`"
    raise UntrustedKey(
        f"refusing to trust a signing key that was neither given nor pinned: the record is "
        f"signed by {describe(presented)}. Compare that fingerprint with the one the "
        f"organisation publishes, then {advice}"
    )


def _by_fingerprint(presented: Verifier | None, expected: str) -> Trust:
    if presented is None:
        raise UntrustedKey(f"the record offers no signing key to compare with {expected}")
    if fingerprint(presented) != expected:
        changed = _changed(f"key with fingerprint {expected}", presented)
        # Nothing else to check signatures with: the report is about the presented key's
        # history, and the key change alone keeps it from being intact.
        return Trust(presented, changed)
    return Trust(presented)


__all__ = ["Trust", "UntrustedKey", "choose_key", "describe", "fingerprint", "is_fingerprint",
           "read_pin", "write_pin"]
