"""Tracking codes: what a voter keeps to find their ballot in the published box (every secret
ballot, elections' and polls', has one)."""

from __future__ import annotations

import re
import secrets

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U


def new_tracking_code() -> str:
    """80 random bits as 16 characters in four groups: easy to read out, impossible to guess."""
    n = secrets.randbits(80)
    chars = "".join(CODE_ALPHABET[(n >> (5 * i)) & 31] for i in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


TRACKING_CODE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}")


def is_tracking_code(text: str) -> bool:
    """Whether ``text`` (already upper-cased) has a tracking code's shape. Whatever has not can
    name no ballot, and is not sent to the database (PostgreSQL refuses a NUL byte in text)."""
    return TRACKING_CODE.fullmatch(text) is not None
