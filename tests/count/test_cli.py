"""``communard count`` on real ward files: outputs, charts, and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from communard.cli import main
from tests.count.wards import LOCAL

WARD = LOCAL / "ballots" / "north_lanarkshire_2017_ward11.blt"


def test_count_json_has_the_documented_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """winners 1-based in order of election, quota, seed, stages with decimal-string totals."""
    assert (
        main(
            [
                "count",
                str(WARD),
                "--method",
                "scottish-stv",
                "--seats",
                "4",
                "--format",
                "json",
                "--seed",
                "5",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["schema"] == "communard.count/1"
    assert out["winners"] == [3, 4, 7, 5]
    assert (out["quota"], out["seed"], out["valid_poll"]) == ("930.00000", 5, "4647.00000")
    assert len(out["stages"]) == 8
    stage6 = out["stages"][5]
    assert stage6["totals"][4] == "517.25396" and stage6["action"] == "exclusion"
    assert stage6["excluded"] == [8] and out["stages"][7]["elected"] == [5]
    assert out["stages"][1]["transfer_values"] == ["0.33189"]


def test_count_table_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    """The table marks winners; the CSV has a row per stage."""
    assert main(["count", str(WARD)]) == 0
    table = capsys.readouterr().out
    assert "* Gordon ENCINIAS (Lab)" in table and "quota 930.00000" in table
    assert main(["count", str(WARD), "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 9 and rows[0].startswith("stage,action,subject,James BROOKS")


def test_count_draws_a_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--chart writes an SVG of the stages."""
    svg = tmp_path / "stages.svg"
    assert main(["count", str(WARD), "--format", "json", "--chart", str(svg)]) == 0
    json.loads(capsys.readouterr().out)  # stdout stays clean JSON
    assert svg.read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    "method",
    [
        "meek-stv",
        "gregory-stv",
        "irv",
        "schulze",
        "ranked-pairs",
        "plurality",
        "approval",
        "dhondt",
        "sainte-lague",
        "largest-remainder-hare",
    ],
)
def test_count_runs_every_method(method: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every method counts a real ward from the command line."""
    assert main(["count", str(WARD), "--method", method, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["winners"]


def test_count_reports_a_bad_file_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed file: one line on stderr naming file and line, exit 2, no traceback."""
    bad = tmp_path / "bad.blt"
    bad.write_bytes(b"3 1\n1 1 2 0\n1 2 9 0\n0\nA\nB\nC\n")
    assert main(["count", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"communard count: {bad}:3: a preference for unknown candidate 9 (the file has 3)\n"
    )
    assert main(["count", str(tmp_path / "missing.blt")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
    assert main(["count", str(WARD), "--seats", "0"]) == 2
    assert "seats must be at least 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("sup.blt", "3² 1\n1 1 0\n0\nA\nB\nC\n", ":1: "),
        ("blank.blt", "\r\n\r\n\n\r\r\n", ": the file is empty"),
        ("sup.csv", "A,B,weight\n1,2,²\n", ":2: "),
        ("null.json", '{"candidates":["A"],\n"withdrawn":null,"ballots":[["A"]]}', ":2: "),
        (
            "deep.json",
            '{"candidates":["A"],\n"ballots":[' + "[" * 100_000 + "]" * 100_000 + "]}",
            ":2: ",
        ),
        (
            "big.json",
            '{"candidates":["A"],\n"ballots":[{"ranking":["A"],"weight":' + "9" * 30 + "}]}",
            ":2: ",
        ),
        ("seats.blt", "2 1000000000000\n1 1 0\n0\nA\nB\n", ":1: "),
        ("withdrawn.blt", "2 1\n-1 -2\n1 1 0\n0\nA\nB\n", ": every candidate has withdrawn"),
    ],
)
def test_bad_files_get_one_line_and_exit_2_never_the_last_resort_handler(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, where: str
) -> None:
    """The issue's crashing inputs: FILE:LINE: problem (or FILE: problem) and exit 2."""
    path = tmp_path / name
    path.write_text(content)
    for method in ("scottish-stv", "irv", "dhondt"):
        assert main(["count", str(path), "--method", method]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"communard count: {path}{where}"), err
        assert "COMMUNARD_DEBUG" not in err and "Error:" not in err
