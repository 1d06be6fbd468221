"""Properties every count must have, checked on many small random ballot boxes."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from communard.count import (
    Ballots,
    Result,
    count,
    gregory_stv,
    meek_stv,
    pairwise,
    schulze,
    scottish_stv,
)
from tests.strategies import ballot_boxes, permuted

STV = ["scottish-stv", "gregory-stv", "meek-stv"]


def _shuffled(b: Ballots, seed: int) -> Ballots:
    order = np.random.default_rng(seed).permutation(b.rankings.shape[0])
    return Ballots(b.candidates, b.rankings[order], b.weights[order], b.withdrawn, b.seats)


@given(ballot_boxes(), st.integers(0, 2**32), st.sampled_from(STV + ["irv", "schulze"]))
def test_ballot_order_does_not_change_the_result(
    box: tuple[Ballots, int], shuffle_seed: int, method: str
) -> None:
    """Shuffling the ballots gives the identical result, count sheet and lots included."""
    ballots, seats = box
    seats = 1 if method in ("irv", "schulze") else seats
    a = count(ballots, method, seats, seed=3)
    b = count(_shuffled(ballots, shuffle_seed), method, seats, seed=3)
    assert (a.winners, a.stages, a.lots) == (b.winners, b.stages, b.lots)


@given(ballot_boxes(), st.randoms(use_true_random=False), st.sampled_from(STV + ["irv"]))
def test_renaming_candidates_does_not_change_who_wins(
    box: tuple[Ballots, int], rnd: object, method: str
) -> None:
    """Renumbering the candidates renumbers the winners, when no lot was needed. Candidates
    elected together at one stage (e.g. when continuing candidates equal the vacancies) are an
    unordered group, so the groups are compared stage by stage."""
    ballots, seats = box
    seats = 1 if method == "irv" else seats
    perm = list(range(ballots.n_candidates))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    a = count(ballots, method, seats)
    assume(not a.lots)
    b = count(permuted(ballots, perm), method, seats)
    assert sorted(perm[w] for w in a.winners) == sorted(b.winners)
    groups_a = [frozenset(perm[w] for w in stage.elected) for stage in a.stages if stage.elected]
    groups_b = [frozenset(stage.elected) for stage in b.stages if stage.elected]
    assert groups_a == groups_b
    assert b.lots == ()


def _conserved(r: Result) -> None:
    gone = r.valid_poll * 0
    for s in r.stages:
        gone += s.non_transferable + s.lost_fractions
        assert sum(s.totals) + gone == r.valid_poll, f"stage {s.number}"


@given(ballot_boxes())
def test_votes_are_conserved_at_every_stage(box: tuple[Ballots, int]) -> None:
    """Allocated + non-transferable (+ fractions lost) = valid poll, at every stage."""
    ballots, seats = box
    for fn in (scottish_stv, gregory_stv, meek_stv):
        _conserved(fn(ballots, seats))


@given(ballot_boxes(), st.sampled_from(STV + ["plurality", "approval", "dhondt", "sainte-lague"]))
def test_never_more_winners_than_seats(box: tuple[Ballots, int], method: str) -> None:
    """No method elects more than the seats, nor anyone twice; STV fills every seat."""
    ballots, seats = box
    r = count(ballots, method, seats)
    assert len(r.winners) <= seats
    assert len(set(r.winners)) == len(r.winners)
    if method in STV:
        assert len(r.winners) == seats


@given(ballot_boxes())
def test_meek_and_scottish_agree_when_no_transfers_happen(box: tuple[Ballots, int]) -> None:
    """When the Scottish count fills every seat at the first stage, Meek elects the same."""
    ballots, seats = box
    scottish = scottish_stv(ballots, seats)
    assume(len(scottish.stages) == 1 and not scottish.lots)
    meek = meek_stv(ballots, seats)
    assert sorted(meek.winners) == sorted(scottish.winners)


@given(ballot_boxes(max_candidates=5))
def test_transfer_free_counts_are_found(box: tuple[Ballots, int]) -> None:
    """Companion to the agreement property: many boxes have a first-stage-only count."""
    ballots, seats = box
    r = scottish_stv(ballots, seats)
    assert r.stages[0].action == "first-preferences"


def _schulze_reference(d: list[list[int]], cands: list[int]) -> set[int]:
    """Schulze's winners by the textbook triple loop over every candidate (no Smith set)."""
    p = {(i, j): (d[i][j] if d[i][j] > d[j][i] else 0) for i in cands for j in cands if i != j}
    for i in cands:
        for j in cands:
            for k in cands:
                if len({i, j, k}) == 3:
                    p[j, k] = max(p[j, k], min(p[j, i], p[i, k]))
    return {a for a in cands if all(p[a, b] >= p[b, a] for b in cands if b != a)}


@given(ballot_boxes(max_candidates=7, max_ballots=12))
def test_schulze_within_the_smith_set_finds_the_textbook_winners(box: tuple[Ballots, int]) -> None:
    """Strongest paths computed only among the Smith set give the full computation's winners."""
    ballots, _ = box
    d = pairwise(ballots).tolist()
    expected = _schulze_reference(d, ballots.contenders())
    result = schulze(ballots, seed=1)
    assert set(result.lots[0].tied if result.lots else result.winners) == expected


@given(
    st.lists(st.lists(st.integers(0, 3), min_size=4, max_size=4), min_size=1, max_size=12),
    st.booleans(),
)
def test_tie_look_back_that_jumps_unchanged_stages_picks_as_the_full_scan(
    history: list[list[int]], highest: bool
) -> None:
    """break_tie with ``since`` (skip stages where the tied totals are as now) decides exactly as
    the stage-by-stage look-back, lots included."""
    import random

    from communard.count._ties import break_tie

    now = history[-1]
    tied = [c for c in range(4) if now[c] == now[0]]
    since = []
    for c in range(4):
        s = len(history) - 1
        while s > 0 and history[s - 1][c] == now[c]:
            s -= 1
        since.append(s)
    picks = []
    for hint in (None, since):
        lots: list[object] = []
        pick = break_tie(
            tied,
            history,
            highest=highest,
            purpose="exclusion",
            stage=1,
            rng=random.Random(5),
            lots=lots,  # type: ignore[arg-type]
            since=hint,
        )
        picks.append((pick, lots))
    assert picks[0] == picks[1]
