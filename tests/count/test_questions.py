"""Yes/no and choose-n counts: totals conserved, order-free, the Result shape, and refusals."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communard.cli import main
from communard.count import Ballots, CountError, approval, choose_n, count, write_blt, yes_no

YES_NO_ABSTAIN = ["Yes", "No", "Abstain"]


@given(st.lists(st.sampled_from([[0], [1], [2], []]), min_size=1, max_size=60), st.randoms())
def test_yes_no_conserves_votes_in_any_order(rows: list[list[int]], rnd: random.Random) -> None:
    """Each ballot counts once for its side, blank ballots for none; order changes nothing."""
    result = yes_no(Ballots.from_rankings(rows, YES_NO_ABSTAIN))
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert result.extra == yes_no(Ballots.from_rankings(shuffled, YES_NO_ABSTAIN)).extra
    assert result.extra == {"yes": rows.count([0]), "no": rows.count([1]),
                            "abstain": rows.count([2])}
    yes, no = result.extra["yes"], result.extra["no"]
    assert result.winners == ((0,) if yes > no else (1,) if no > yes else ())


def test_yes_no_result_has_the_sheet_shape() -> None:
    """The JSON sheet is the counting engine's usual one, with the totals in extra."""
    box = Ballots.from_rankings([[0], [0], [1], [2]], YES_NO_ABSTAIN, title="Recall")
    sheet = count(box, "yes-no").to_dict()
    assert sheet["method"] == "yes-no" and sheet["winners"] == [1]
    assert sheet["stages"][0]["totals"] == ["2", "1", "1"]
    assert sheet["extra"] == {"yes": 2, "no": 1, "abstain": 1}


@pytest.mark.parametrize(
    ("rows", "names", "message"),
    [([[0, 1]], YES_NO_ABSTAIN, "ballot 1 names 2 options; a yes/no ballot names at most 1"),
     ([[0]], ["Yes", "No", "Maybe", "Later"], "not 4"),
     ([[0]], ["Yes"], "not 1"),
     ([[0]], ["Yes", "No"], "cannot be withdrawn")],
)
def test_yes_no_refuses_what_is_not_a_yes_no_box(rows: list[list[int]], names: list[str],
                                                 message: str) -> None:
    withdrawn = [1] if message == "cannot be withdrawn" else []
    with pytest.raises(CountError, match=message):
        yes_no(Ballots.from_rankings(rows, names, withdrawn=withdrawn))


@given(st.integers(1, 4), st.data())
def test_choose_n_is_approval_when_ballots_keep_to_n(n: int, data: st.DataObject) -> None:
    """Within the limit, choose-n elects exactly as approval does (same lot on ties)."""
    k = data.draw(st.integers(n, 7))
    rows = data.draw(st.lists(
        st.lists(st.integers(0, k - 1), min_size=1, max_size=n, unique=True), min_size=1,
        max_size=40))
    box = Ballots.from_rankings(rows, [f"O{i}" for i in range(k)])
    seed = data.draw(st.integers(0, 2**32))
    ours, theirs = choose_n(box, n, seed=seed), approval(box, n, seed=seed)
    assert (ours.winners, ours.lots, ours.stages) == (theirs.winners, theirs.lots, theirs.stages)
    assert ours.method == "choose-n"


def test_choose_n_refuses_a_ballot_with_too_many_choices() -> None:
    """The ballot that chose more than n is named."""
    box = Ballots.from_rankings([[0], [0, 1, 2]], ["A", "B", "C"])
    with pytest.raises(CountError, match="ballot 2 names 3 options; a choose-2 ballot"):
        choose_n(box, 2)


def test_count_cli_recounts_a_yes_no_box(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A published yes/no box recounts with `communard count --method yes-no`."""
    box = Ballots.from_rankings([[0]] * 3 + [[1]] * 2 + [[2]], YES_NO_ABSTAIN, title="Recall")
    path = tmp_path / "box.blt"
    path.write_text(write_blt(box, 1))
    assert main(["count", str(path), "--method", "yes-no", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["extra"] == {"yes": 3, "no": 2, "abstain": 1}


def test_count_cli_refuses_a_choose_n_ballot_over_n(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 2 and the ballot named, not a traceback."""
    path = tmp_path / "box.blt"
    path.write_text(write_blt(Ballots.from_rankings([[0, 1]], ["A", "B", "C"]), 1))
    assert main(["count", str(path), "--method", "choose-n", "--seats", "1"]) == 2
    assert "ballot 1 names 2 options" in capsys.readouterr().err
