"""Exact, bounded arithmetic and withdrawn candidates: totals never wrap, nobody withdrawn wins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from communard.cli import main
from communard.count import METHODS, BallotFileError, Ballots, CountError, count, read_ballots
from communard.count.ballots import MAX_TOTAL_WEIGHT


def _wrap_around_file(path: Path) -> Path:
    """The issue's file: 18,447 ballots of weight 999,999,999,999,999 for A and one of
    3 x 10^14 for B, whose int64 total wraps around to a negative number."""
    lines = ["2 1"] + ["999999999999999 1 0"] * 18_447 + ["300000000000000 2 0", "0", "A", "B"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_wrap_around_file_is_refused_at_the_line_where_the_total_passes_the_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No wrong winner with exit 0: exit 2 naming the second ballot's line."""
    path = _wrap_around_file(tmp_path / "wrap.blt")
    with pytest.raises(BallotFileError) as err:
        read_ballots(path)
    assert err.value.line == 3
    assert "more than 1,000,000,000,000,000 ballot papers" in err.value.problem
    for method in ("scottish-stv", "irv", "schulze"):
        assert main(["count", str(path), "--method", method]) == 2
        assert capsys.readouterr().err.startswith(f"communard count: {path}:3: the weights")


def test_a_total_at_the_bound_is_counted_exactly(tmp_path: Path) -> None:
    """Weights adding up to exactly 10^15 are read and counted without loss."""
    path = tmp_path / "edge.blt"
    path.write_text(f"2 1\n{MAX_TOTAL_WEIGHT - 1} 1 0\n1 2 0\n0\nA\nB\n")
    ballots = read_ballots(path)
    assert ballots.total == MAX_TOTAL_WEIGHT
    result = count(ballots, "scottish-stv", 1)
    assert result.winners == (0,)
    assert result.stages[0].totals == ((MAX_TOTAL_WEIGHT - 1) * 100_000, 100_000)


def test_ballots_built_in_code_refuse_totals_past_the_bound() -> None:
    """The web layer builds Ballots directly: the same bound holds there, with no wrap."""
    with pytest.raises(CountError, match="more than 10\\^15"):
        Ballots.from_rankings([[0]] * 3, 2, weights=[MAX_TOTAL_WEIGHT // 2] * 3)
    with pytest.raises(CountError, match="not between 0 and 10\\^15"):
        Ballots.from_rankings([[0]], 2, weights=[10**21])
    huge = np.full(18_448, 999_999_999_999_999, dtype=np.int64)
    with pytest.raises(CountError, match="more than 10\\^15"):
        Ballots(("A", "B"), np.zeros((18_448, 2), dtype=np.int16), huge)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_no_method_counts_a_box_in_which_every_candidate_withdrew(method: str) -> None:
    """Largest remainder and divisors used to elect a withdrawn candidate; IRV crashed."""
    box = Ballots.from_rankings([[0, 1], [1]], ["A", "B"], withdrawn=[0, 1], seats=1)
    with pytest.raises(CountError, match="every candidate has withdrawn"):
        count(box, method, 1)


@pytest.mark.parametrize(
    "method",
    [
        "dhondt",
        "sainte-lague",
        "largest-remainder-hare",
        "largest-remainder-droop",
        "plurality",
        "approval",
    ],
)
def test_withdrawn_lists_get_no_seat_even_when_every_vote_went_to_them(method: str) -> None:
    """With only withdrawn lists voted for, the lot shares the seats among the others."""
    box = Ballots.from_rankings([[0], [1]], ["A", "B", "C", "D"], withdrawn=[0, 1], seats=2)
    for seed in range(8):
        winners = count(box, method, 2, seed=seed).winners
        assert set(winners) <= {2, 3}, (seed, winners)


def test_a_seat_number_past_the_bound_is_refused_not_counted_forever() -> None:
    """D'Hondt hands out seats one by one: 10^12 seats from a file used to run without end."""
    box = Ballots.from_rankings([[0], [1]], 2)
    with pytest.raises(CountError, match="at most 1,000,000 can be filled"):
        count(box, "dhondt", 10**12)
    with pytest.raises(BallotFileError) as err:
        read_ballots_text("2 1000000000000\n1 1 0\n0\nA\nB\n", "blt")
    assert (err.value.line, err.value.problem) == (
        1,
        "the number of seats must be from 1 to 1,000,000, not 1000000000000",
    )
    with pytest.raises(BallotFileError, match="'seats' must be a whole number from 1 to"):
        read_ballots_text(
            '{"candidates": ["A"], "seats": 1000000000000, "ballots": [["A"]]}', "json"
        )


def read_ballots_text(text: str, fmt: str) -> Ballots:
    from communard.count import parse_blt, parse_json

    return parse_blt(text) if fmt == "blt" else parse_json(text)
