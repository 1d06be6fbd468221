"""Canonical JSON: RFC 8785 (JCS) for the JSON the record uses.

The record's JSON has no fractional numbers: numbers are integers in the I-JSON safe range
(|n| <= 2**53 - 1), so RFC 8785's number rule (ECMAScript's shortest double form) reduces to
plain decimal digits and needs no float formatting. Anything fractional goes in a string (a
Meek STV keep value as "0.8125", a wage as "1234.50"). Within that subset the output is
byte-for-byte RFC 8785; the test suite checks it against the ``rfc8785`` package.

Why our own encoder (see docs/record/decisions.md): the standard library's C encoder already does
RFC 8785 string escaping (only ``"``, ``\\`` and U+0000–U+001F are escaped, short forms for
\\b \\f \\n \\r \\t, lowercase ``\\u00xx`` otherwise), so canonicalising is ``json.dumps`` plus the
UTF-16 key order, ten times faster than a pure-Python JCS; and verification of a million entries
needs that speed.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

MAX_SAFE_INTEGER = 2**53 - 1

# Code points above U+D7FF sort differently by code point and by UTF-16 code unit; when none
# appears in the output, Python's key sort is already RFC 8785's (§3.2.3) sort.
_NEEDS_UTF16_SORT = re.compile("[\ue000-\U0010ffff]")


class NotCanonical(ValueError):
    """A value cannot be put in the record's canonical JSON, or bytes are not in that form."""


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be")


def _check(value: Any, where: str) -> Any:
    """Validate ``value`` and return a copy with dict keys in RFC 8785 order."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        _check_string(value, where)
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise NotCanonical(
                f"{where}: integer {value} is outside the I-JSON safe range ±(2**53-1)"
            )
        return int(value)
    if isinstance(value, float):
        raise NotCanonical(
            f"{where}: fractional number {value!r}; the record takes integers, "
            "put exact decimals in strings"
        )
    if isinstance(value, list | tuple):
        return [_check(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key in sorted(value, key=lambda k: _utf16_key(k) if isinstance(k, str) else b""):
            if not isinstance(key, str):
                raise NotCanonical(f"{where}: object key {key!r} is not a string")
            _check_string(key, f"{where} key")
            out[key] = _check(value[key], f"{where}.{key}")
        return out
    raise NotCanonical(f"{where}: {type(value).__name__} is not a JSON value")


def _check_string(s: str, where: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonical(f"{where}: string holds a lone surrogate, not valid Unicode") from None


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 encoding of ``value`` as UTF-8 bytes; raises :class:`NotCanonical`."""
    ordered = _check(value, "$")
    # Keys are already in UTF-16 order; sort_keys must stay off so that order survives.
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _reject_float(text: str) -> NoReturn:
    raise NotCanonical(f"fractional or exponent number {text}; the record takes integers only")


def _reject_constant(text: str) -> NoReturn:
    raise NotCanonical(f"{text} is not JSON")


def _safe_int(text: str) -> int:
    n = int(text)
    if not -MAX_SAFE_INTEGER <= n <= MAX_SAFE_INTEGER:
        raise NotCanonical(f"integer {text} is outside the I-JSON safe range ±(2**53-1)")
    return n


def parse_canonical(data: bytes) -> Any:
    """Parse bytes that must already be canonical; raises :class:`NotCanonical` otherwise.

    This is the verifier's hot path, so it stays in C where it can: parse, re-encode with the
    code-point key sort, and take the exact UTF-16 sort only when some key could sort differently.
    Duplicate keys, ``-0``, escapes that need not be escaped, whitespace: all re-encode to
    different bytes and are refused.
    """
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text, parse_float=_reject_float, parse_constant=_reject_constant, parse_int=_safe_int
        )
    except UnicodeDecodeError as e:
        raise NotCanonical(f"not UTF-8: {e.reason} at byte {e.start}") from None
    except json.JSONDecodeError as e:
        raise NotCanonical(f"not JSON: {e.msg} at character {e.pos}") from None
    try:
        again = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        expected = again.encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonical("a string holds a lone surrogate, not valid Unicode") from None
    if _NEEDS_UTF16_SORT.search(again) is not None:
        expected = canonical_json(value)
    if expected != data:
        raise NotCanonical("JSON is not in canonical (RFC 8785) form")
    return value
