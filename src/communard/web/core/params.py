"""Integers from a request (query string or form), parsed strictly in one place.

``str.isdigit`` and ``int`` accept far more than ASCII digits: superscripts (``²``), other
scripts' digits (``٣``), underscores and surrounding spaces (``int(" 1_0 ")``). ``"²".isdigit()``
is true but ``int("²")`` raises, which was a 500 on every record API parameter. And an
unbounded integer reaches the database: SQLite raises ``OverflowError`` past 2**63 - 1 and
PostgreSQL a range error. So a parameter is ASCII digits only, at most :data:`MAX_ID`.
"""

from __future__ import annotations

from django.http import HttpRequest

MAX_ID = 2**63 - 1  # the largest value a bigint column holds, on SQLite and on PostgreSQL
_MAX_DIGITS = len(str(MAX_ID))


class BadParameter(ValueError):
    """A query parameter is missing or not a whole number in range; the message names it."""


def parse_count(text: str, what: str) -> int:
    """``text`` as a non-negative integer of at most :data:`MAX_ID`, or :class:`BadParameter`
    naming ``what`` was read (``"query parameter 'size'"``) and what was given."""
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS) or int(text) > MAX_ID:
        raise BadParameter(
            f"{what} must be a non-negative integer in ASCII digits, at most {MAX_ID}, "
            f"got {text[:40]!r}"
        )
    return int(text)


def query_int(request: HttpRequest, name: str, default: int | None = None) -> int:
    """The query parameter ``name`` parsed by :func:`parse_count`; ``default`` when it is
    absent or empty, or :class:`BadParameter` if there is no default."""
    raw = request.GET.get(name)
    if raw is None or raw == "":
        if default is None:
            raise BadParameter(f"query parameter {name!r} is required")
        return default
    return parse_count(raw, f"query parameter {name!r}")
