"""Hostile ballot files: every reader either reads a file or refuses it with a BallotFileError
naming the file (and the line, where there is one); the counts of whatever it reads either give
a result or refuse with a CountError. Any other exception fails these tests."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communard.count import BallotFileError, Ballots, CountError, count, parse_blt, parse_csv
from communard.count import parse_json as parse_json_text
from tests.strategies import (
    GOOD_BLT,
    GOOD_CSV,
    GOOD_JSON,
    json_ballot_documents,
    json_values,
    lines_of,
    mutated,
)

METHODS = ["scottish-stv", "meek-stv", "irv", "schulze", "ranked-pairs", "dhondt", "approval"]


def _parse_json(data: bytes, source: str) -> Ballots:
    return parse_json_text(data.decode("utf-8", errors="replace"), source)


def _parse_csv(data: bytes, source: str) -> Ballots:
    return parse_csv(data.decode("utf-8", errors="replace"), source)


READERS = {"blt": parse_blt, "csv": _parse_csv, "json": _parse_json}


def _read_and_count(fmt: str, data: bytes) -> None:
    """Read ``data``; count what is read by every method. Only our own errors may come out."""
    try:
        ballots = READERS[fmt](data, "fuzz." + fmt)
    except BallotFileError as e:
        assert e.source == "fuzz." + fmt
        assert str(e).startswith(f"fuzz.{fmt}:")
        n_lines = data.count(b"\n") + data.count(b"\r") + 1
        assert e.line is None or 1 <= e.line <= n_lines, (e.line, n_lines)
        return
    assert ballots.total > 0
    for method in METHODS:
        seats = 1 if method in ("irv", "schulze", "ranked-pairs") else ballots.seats or 1
        with contextlib.suppress(CountError):
            count(ballots, method, seats)


@given(st.sampled_from(["blt", "csv", "json"]), st.binary(max_size=200))
def test_random_bytes_are_read_or_refused(fmt: str, data: bytes) -> None:
    """Arbitrary bytes: a BallotFileError at worst."""
    _read_and_count(fmt, data)


@given(lines_of(" "))
def test_blt_like_text_is_read_or_refused(text: str) -> None:
    """Lines of numbers, huge numbers, superscripts, signs, blanks and carriage returns."""
    _read_and_count("blt", text.encode())


@given(lines_of(","))
def test_csv_like_text_is_read_or_refused(text: str) -> None:
    """Cells of numbers, huge numbers, superscripts and junk."""
    _read_and_count("csv", ("A,B,weight,C\r\n" + text).encode())


@given(st.sampled_from([("blt", GOOD_BLT), ("csv", GOOD_CSV), ("json", GOOD_JSON)]), st.data())
def test_mutated_good_files_are_read_or_refused(
    case: tuple[str, bytes], data: st.DataObject
) -> None:
    """A good file with bytes replaced, inserted, deleted or cut short."""
    fmt, good = case
    _read_and_count(fmt, data.draw(mutated(good)))


@given(json_ballot_documents())
def test_json_documents_with_wrong_types_are_read_or_refused(doc: dict[str, object]) -> None:
    """Every field of the wrong type, null, nested, or out of bounds."""
    _read_and_count("json", json.dumps(doc, indent=1).encode())


@given(json_values)
def test_any_json_value_is_read_or_refused(value: object) -> None:
    """A document that is not an object at all, or an object of anything."""
    _read_and_count("json", json.dumps(value).encode())


@pytest.mark.parametrize(
    ("fmt", "data", "line", "problem"),
    [
        ("blt", "3² 1\n1 1 0\n0\nA\nB\nC\n", 1, "expected 'candidates seats'"),
        ("blt", "\r\n\r\n\n\r\r\n", None, "the file is empty"),
        ("blt", "40000 1\n1 1 0\n0\n", 1, "at most 32,767"),
        ("blt", "2 1\n1 1 0\n1000000000000001 2 0\n0\nA\nB\n", 3, "above 10^15"),
        ("csv", "A,B,weight\n1,2,²\n", 2, "weight '²'"),
        ("csv", "A,B\n1,²\n", 2, "preference '²'"),
        ("csv", "A,B,weight\n1,2,1000000000000000000000\n", 2, "weight"),
        ("csv", "A,B\n1," + "9" * 5000 + "\n", 2, "is not a number"),
        ("json", '{"candidates":["A"],"withdrawn":null,"ballots":[["A"]]}', 1, "'withdrawn'"),
        (
            "json",
            '{"candidates":["A"],\n"ballots":[' + "[" * 100_000 + "]" * 100_000 + "]}",
            2,
            "nested too deeply",
        ),
        (
            "json",
            '{"candidates":["A"],\n"ballots":[{"ranking":["A"],"weight":1e400}]}',
            2,
            "weight",
        ),
        (
            "json",
            '{"candidates":["A"],\n"ballots":[{"ranking":["A"],"weight":1000000000000000000000}]}',
            2,
            "not a whole number from 1 to 10^15",
        ),
        (
            "json",
            '{"candidates":["A"],\n"ballots":[{"ranking":["A"],"weight":' + "9" * 5000 + "}]}",
            2,
            "too large",
        ),
    ],
)
def test_the_issues_crashing_inputs_are_refused_with_their_line(
    fmt: str, data: str, line: int | None, problem: str
) -> None:
    """Each input that used to end in TypeError/ValueError/RecursionError names line and problem."""
    with pytest.raises(BallotFileError) as err:
        READERS[fmt](data.encode(), "bad." + fmt)
    assert (err.value.line, err.value.source) == (line, "bad." + fmt)
    assert problem in err.value.problem
