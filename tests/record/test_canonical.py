"""Canonical JSON (communard.record._canonical) and entries (communard.record._entry)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings

from communard.record import (
    Entry,
    MalformedEntry,
    NotCanonical,
    canonical_json,
    commit,
    is_commitment,
    new_salt,
    opens,
    parse_canonical,
)
from tests.record.strategies import bodies, json_values, kinds

rfc8785 = pytest.importorskip("rfc8785")


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_encoding_round_trips(value: Any) -> None:
    """parse(encode(v)) == v, and encoding is idempotent."""
    data = canonical_json(value)
    assert parse_canonical(data) == json.loads(data)
    assert canonical_json(parse_canonical(data)) == data


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_encoding_equals_the_rfc8785_package(value: Any) -> None:
    """Byte-for-byte the same as Trail of Bits' rfc8785 on the record's JSON subset."""
    assert canonical_json(value) == rfc8785.dumps(value)


def test_keys_sort_by_utf16_code_units_not_code_points() -> None:
    """RFC 8785 §3.2.3: U+1F600 (surrogates D83D...) sorts before U+FB01."""
    data = canonical_json({"\ufb01": 1, "\U0001f600": 2, "a": 3})
    assert data == '{"a":3,"\U0001f600":2,"\ufb01":1}'.encode()
    assert parse_canonical(data) == {"a": 3, "\U0001f600": 2, "\ufb01": 1}
    with pytest.raises(NotCanonical):
        parse_canonical('{"a":3,"\ufb01":1,"\U0001f600":2}'.encode())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "fractional number"),
        (2**53, "safe range"),
        ("\ud800", "lone surrogate"),
        ({1: "x"}, "not a string"),
        ({"a": object()}, "not a JSON value"),
    ],
)
def test_values_outside_the_record_json_are_refused(value: Any, message: str) -> None:
    """Floats, huge integers, lone surrogates and non-JSON types are refused by name."""
    with pytest.raises(NotCanonical, match=message):
        canonical_json(value)


@pytest.mark.parametrize(
    "data",
    [b'{ "a":1}', b'{"b":1,"a":2}', b'{"a":1,"a":2}', b'{"a":-0}', b'{"a":1.0}', b'{"a":1e2}',
     b'"\\u0041"', b'"\\ud800"', b"\xff", b"NaN", b'{"a":9007199254740992}', b"[1,]"],
)
def test_non_canonical_bytes_are_refused(data: bytes) -> None:
    """Whitespace, key order, duplicate keys, -0, floats, needless escapes, bad UTF-8: refused."""
    with pytest.raises(NotCanonical):
        parse_canonical(data)


@settings(max_examples=100, deadline=None)
@given(kinds, bodies)
def test_entries_round_trip_through_their_bytes(kind: str, body: dict[str, Any]) -> None:
    """Entry.decode(entry.encode()) is the entry."""
    entry = Entry(7, kind, "2025-03-18T12:00:00.000000Z", "council:1", body)
    assert Entry.decode(entry.encode()) == entry


def test_bad_entries_name_the_field_at_fault() -> None:
    """Kind, time, index and body are validated with clear messages."""
    with pytest.raises(MalformedEntry, match="kind"):
        Entry(0, "Bad Kind", "2025-03-18T12:00:00.000000Z", "", {})
    with pytest.raises(MalformedEntry, match="time"):
        Entry(0, "a", "2025-02-30T12:00:00.000000Z", "", {})
    with pytest.raises(MalformedEntry, match="index"):
        Entry(-1, "a", "2025-03-18T12:00:00.000000Z", "", {})
    with pytest.raises(MalformedEntry, match="fractional"):
        Entry(0, "a", "2025-03-18T12:00:00.000000Z", "", {"share": 0.5}).encode()
    with pytest.raises(MalformedEntry, match="fields"):
        Entry.decode(b'{"index":0}')


def test_commitments_hide_values_and_open_only_with_their_salt() -> None:
    """Same value, fresh salts: unlinkable commitments; only the right (value, salt) opens one."""
    s1, s2 = new_salt(), new_salt()
    c1, c2 = commit("member 1234", s1), commit("member 1234", s2)
    assert c1 != c2 and is_commitment(c1)
    assert opens(c1, "member 1234", s1)
    assert not opens(c1, "member 1235", s1)
    assert not opens(c1, "member 1234", s2)
    with pytest.raises(ValueError, match="32 bytes"):
        commit("x", b"short")
