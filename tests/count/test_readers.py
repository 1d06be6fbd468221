"""Ballot readers: BLT, CSV, JSON; bad input names the file, the line and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.count import (
    BallotFileError,
    Ballots,
    CountError,
    parse_blt,
    parse_csv,
    parse_json,
    read_ballots,
    scottish_stv,
    write_blt,
)
from tests.count.wards import LOCAL

GOOD_BLT = b"""4 2
-4
3 1 2 0
2 2 0
1 3 1 2 0
0
"Ann"
"Bob"
Cat Smith
"Dee"
"A title"
"""


def test_blt_reads_candidates_seats_withdrawn_weights_and_title() -> None:
    """Header, withdrawn line, weights, quoted and unquoted names, title."""
    b = parse_blt(GOOD_BLT, "x.blt")
    assert b.candidates == ("Ann", "Bob", "Cat Smith", "Dee")
    assert (b.seats, b.title, b.withdrawn, b.total) == (2, "A title", frozenset({3}), 6)
    assert b.rankings_list() == [([0, 1], 3), ([1], 2), ([2, 0, 1], 1)]


def test_blt_round_trips_through_write_blt() -> None:
    """write_blt then parse_blt gives the same ballot box."""
    b = parse_blt(GOOD_BLT)
    again = parse_blt(write_blt(b, 2))
    assert again.rankings_list() == b.rankings_list()
    assert (again.candidates, again.withdrawn) == (b.candidates, b.withdrawn)


def test_blt_reader_agrees_with_a_line_by_line_parse_on_a_real_ward() -> None:
    """The numpy tokeniser reads a real ward exactly as a plain line-by-line parse does."""
    path = LOCAL / "ballots" / "edinburgh_2017_ward1.blt"
    lines = path.read_text().splitlines()
    n_cand = int(lines[0].split()[0])
    expected = []
    for line in lines[1:]:
        nums = [int(x) for x in line.split()]
        if nums == [0]:
            break
        expected.append(([x - 1 for x in nums[1:-1]], nums[0]))
    b = read_ballots(path)
    assert b.n_candidates == n_cand
    assert b.rankings_list() == expected


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (b"3 1\n1 1 4 0\n0\nA\nB\nC\n", 2, "unknown candidate 4"),
        (b"3 1\n1 1 2 0\n2 2 3 2 0\n0\nA\nB\nC\n", 3, "candidate 2 is ranked twice"),
        (b"3 1\n1 1 2 0\n1 2 0\n", 3, "truncated: no '0' line"),
        (b"3 1\n1 1 2 0\n0\nA\nB\n", 5, "truncated: 3 candidate names expected, 2 found"),
        (b"3 1\n0\nA\nB\nC\n", 2, "the ballot box is empty"),
        (b"3\n1 1 0\n0\nA\nB\nC\n", 1, "expected 'candidates seats'"),
        (b"3 1\n1 1 2\n0\nA\nB\nC\n", 2, "does not end with 0"),
        (b"3 1\n1 1 0 2 0\n0\nA\nB\nC\n", 2, "a 0 before the end"),
        (b"3 1\n1 1=2 0\n0\nA\nB\nC\n", 2, "equal preferences"),
        (b"3 1\n1.5 1 2 0\n0\nA\nB\nC\n", 2, "fractional weights"),
        (b"3 1\n-5\n1 1 0\n0\nA\nB\nC\n", 2, "withdrawn candidate 5 does not exist"),
        (b"", None, "the file is empty"),
        # More candidates than fit the bitmask check: the sorting check names the same problem.
        (b"60 1\n1 1 2 0\n1 50 7 50 0\n0\n", 3, "candidate 50 is ranked twice"),
        (b"3 1\n1 1 2 3 1 0\n0\nA\nB\nC\n", 2, "candidate 1 is ranked twice"),
    ],
)
def test_blt_rejects_malformed_input_naming_line_and_problem(
    text: bytes, line: int | None, problem: str
) -> None:
    """Unknown candidate, repeat, truncation, empty box, bad header, … each named with its line."""
    with pytest.raises(BallotFileError) as err:
        parse_blt(text, "bad.blt")
    assert err.value.source == "bad.blt"
    assert err.value.line == line
    assert problem in err.value.problem
    assert str(err.value).startswith(f"bad.blt:{line}:" if line else "bad.blt:")


def test_csv_reads_marks_weights_and_skips_blank_rows() -> None:
    """Header of names (and weight); each row gives preference numbers."""
    b = parse_csv("Ann,Bob,weight,Cat\n1,2,3,\n,1,1,2\n\n2,,1,1\n", "b.csv")
    assert b.candidates == ("Ann", "Bob", "Cat")
    assert b.rankings_list() == [([0, 1], 3), ([1, 2], 1), ([2, 0], 1)]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("A,B\n1,1\n", 2, "preference 1 is given to both 'A' and 'B'"),
        ("A,B,C\n1,,3\n", 2, "preference 2 is missing"),
        ("A,B\n1,x\n", 2, "is not a number"),
        ("A,B\n1,2,3\n", 2, "3 cells but the header has 2"),
        ("A,A\n1,2\n", 1, "appears twice"),
        ("A,B\n", None, "the ballot box is empty"),
        ("A,B,weight\n1,2,0\n", 2, "weight '0'"),
    ],
)
def test_csv_rejects_malformed_input_naming_line_and_problem(
    text: str, line: int | None, problem: str
) -> None:
    """Repeated or missing preferences, junk, extra cells, repeated names, empty box."""
    with pytest.raises(BallotFileError) as err:
        parse_csv(text, "b.csv")
    assert (err.value.line, err.value.source) == (line, "b.csv")
    assert problem in err.value.problem


def test_json_reads_names_numbers_and_weighted_ballots() -> None:
    """Ballots as lists of names or 1-based numbers, or objects with a weight."""
    text = (
        '{"candidates": ["A", "B", "C"], "seats": 2, "withdrawn": ["C"],\n "ballots": [\n'
        ' ["A", "B"],\n [2, 3],\n {"ranking": ["C"], "weight": 4}\n]}'
    )
    b = parse_json(text, "b.json")
    assert b.rankings_list() == [([0, 1], 1), ([1, 2], 1), ([2], 4)]
    assert (b.seats, b.withdrawn) == (2, frozenset({2}))


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            '{"candidates": ["A", "B"],\n "ballots": [\n ["A"],\n ["A", "Z"]\n]}',
            4,
            "unknown candidate 'Z'",
        ),
        ('{"candidates": ["A", "B"],\n "ballots": [\n ["A", "A"]\n]}', 3, "ranks 'A' twice"),
        ('{"candidates": ["A", "B"],\n "ballots": [\n ["A"],\n', 4, "not valid JSON"),
        ('{"candidates": ["A", "B"],\n "ballots": []}', 2, "the ballot box is empty"),
        (
            '{"candidates": ["A", "B"],\n "ballots": [{"ranking": ["A"], "weight": 0}]}',
            2,
            "weight 0",
        ),
        ("[1, 2]", 1, "expected a JSON object"),
    ],
)
def test_json_rejects_malformed_input_naming_line_and_problem(
    text: str, line: int | None, problem: str
) -> None:
    """Unknown or repeated candidates, truncated JSON, empty box, bad weights."""
    with pytest.raises(BallotFileError) as err:
        parse_json(text, "b.json")
    assert (err.value.line, err.value.source) == (line, "b.json")
    assert problem in err.value.problem


def test_read_ballots_chooses_the_reader_by_suffix(tmp_path: Path) -> None:
    """.blt, .csv and .json files give the same count."""
    (tmp_path / "b.blt").write_bytes(b"3 1\n2 1 2 0\n1 3 0\n0\nA\nB\nC\n")
    (tmp_path / "b.csv").write_text("A,B,C\n1,2,\n1,2,\n,,1\n")
    (tmp_path / "b.json").write_text(
        '{"candidates": ["A","B","C"], "ballots": [["A","B"],["A","B"],["C"]]}'
    )
    results = [scottish_stv(read_ballots(tmp_path / f"b.{s}"), 1) for s in ("blt", "csv", "json")]
    assert {r.winners for r in results} == {(0,)}
    with pytest.raises(BallotFileError, match="unknown ballot format"):
        read_ballots(tmp_path / "b.csv", "xml")


def test_grouping_merges_identical_rankings() -> None:
    """group() adds the weights of identical rankings and keeps the count the same."""
    b = Ballots.from_rankings([[0, 1], [1], [0, 1], [1], [2]], 3, seats=1)
    g = b.group()
    assert sorted(g.rankings_list()) == [([0, 1], 2), ([1], 2), ([2], 1)]
    assert scottish_stv(g).winners == scottish_stv(b).winners


def test_json_reads_ballots_that_come_before_the_candidates() -> None:
    """The JSON reader walks the object key by key: any order of keys reads the same."""
    first = parse_json(
        '{"ballots": [["B", "A"], {"ranking": [1], "weight": 2}],\n"candidates": ["A", "B"]}'
    )
    assert first.rankings_list() == [([1, 0], 1), ([0], 2)]


def test_json_refuses_a_key_given_twice_naming_its_line() -> None:
    """A repeated key would silently replace the first (json.loads keeps the last)."""
    with pytest.raises(BallotFileError) as err:
        parse_json('{"candidates": ["A"],\n"ballots": [["A"]],\n"ballots": [["A"]]}', "b.json")
    assert (err.value.line, err.value.problem) == (3, "'ballots' is given twice")


def test_csv_streamed_from_a_file_names_the_line_that_is_not_utf8(tmp_path: Path) -> None:
    """read_ballots streams CSV from the file: a bad byte far down still names its line."""
    path = tmp_path / "b.csv"
    path.write_bytes(b"A,B\n" + b"1,2\n" * 20_000 + b"2,\xff\n")
    with pytest.raises(BallotFileError) as err:
        read_ballots(path)
    assert (err.value.line, err.value.problem) == (20_002, "the file is not UTF-8 text")


def test_ballots_accept_a_padded_table_and_give_the_ragged_form() -> None:
    """Ballots built from the old padded table (the web layer's positional call) still work."""
    import numpy as np

    table = np.array([[0, 2, -1], [1, -1, -1]], dtype=np.int16)
    b = Ballots(("A", "B", "C"), table, np.array([3, 1], dtype=np.int64), frozenset({2}), 1)
    assert b.rankings_list() == [([0, 2], 3), ([1], 1)]
    again = Ballots(b.candidates, b.rankings, b.weights, frozenset(), b.seats, b.title)
    assert scottish_stv(again).winners == (0,)


def test_a_padded_table_with_a_gap_before_a_preference_is_refused() -> None:
    """-1 means 'no further preference': a preference after it is malformed, not compacted."""
    import numpy as np

    with pytest.raises(CountError, match="gap before a preference"):
        Ballots(("A", "B"), np.array([[0, -1, 1]], dtype=np.int16), np.array([1], dtype=np.int64))
