"""The mandate comparison: each delegate's roll-call vote against the mandate governing them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given

from communard.constitution.mandates import (
    Cast,
    Choice,
    Mandate,
    MandateError,
    RollCall,
    Stance,
    Verdict,
    compare,
    judge,
    scorecard,
)
from tests.strategies import mandate_cases

T0 = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def verdicts(mandates: list[Mandate], call: RollCall) -> dict[str, tuple[str, bool]]:
    return {j.delegate: (j.verdict.label, j.binding)
            for j in compare(mandates, [call]).judgements()}


def test_compare_verdicts_complied_deviated_absent() -> None:
    """Voting as told complies, otherwise deviates; on the roll without a vote is absent."""
    mandates = [Mandate("m", "north", Stance.FOR, True, at(-2))]
    call = RollCall("m", at(1), {"ann": "north", "bo": "north", "cy": "north"},
                    {"ann": Cast(Choice.FOR, at(0)), "bo": Cast(Choice.AGAINST, at(0))})
    assert verdicts(mandates, call) == {"ann": ("complied", True), "bo": ("deviated", True),
                                        "cy": ("absent", True)}


def test_compare_mandate_adopted_after_the_vote_binds_nothing() -> None:
    """A mandate adopted after a delegate voted does not judge that vote (nor one at the same
    instant); an absent delegate is judged at the roll call's close."""
    mandates = [Mandate("m", "north", Stance.FOR, True, at(0))]
    call = RollCall("m", at(1), {"ann": "north", "bo": "north", "cy": "north"},
                    {"ann": Cast(Choice.AGAINST, at(-1)), "bo": Cast(Choice.AGAINST, at(0))})
    assert verdicts(mandates, call) == {"cy": ("absent", True)}


def test_compare_free_and_other_constituencies_bind_nothing() -> None:
    """A free mandate binds nobody and supersedes an earlier instruction; another
    constituency's mandate, or one on another motion, does not bind."""
    mandates = [Mandate("m", "north", Stance.FOR, True, at(-3)),
                Mandate("m", "north", Stance.FREE, True, at(-2)),
                Mandate("m", "south", Stance.AGAINST, True, at(-2)),
                Mandate("other", "east", Stance.FOR, True, at(-2))]
    call = RollCall("m", at(1), {"ann": "north", "bo": "east", "cy": "south"},
                    {"ann": Cast(Choice.AGAINST, at(0)), "bo": Cast(Choice.AGAINST, at(0)),
                     "cy": Cast(Choice.AGAINST, at(0))})
    assert verdicts(mandates, call) == {"cy": ("complied", True)}


def test_compare_advisory_deviation_is_kept_apart() -> None:
    """An advisory mandate's deviation is a verdict with binding False; the assembly's last
    mandate before the vote is the one that counts."""
    mandates = [Mandate("m", "north", Stance.FOR, True, at(-3)),
                Mandate("m", "north", Stance.ABSTAIN, False, at(-1))]
    call = RollCall("m", at(1), {"ann": "north"}, {"ann": Cast(Choice.FOR, at(0))})
    found = compare(mandates, [call])
    assert verdicts(mandates, call) == {"ann": ("deviated", False)}
    assert found.counts()[(Verdict.DEVIATED, False)] == 1
    assert found.counts()[(Verdict.DEVIATED, True)] == 0


def test_compare_refuses_naive_times_and_votes_off_the_roll() -> None:
    """Bad input is named: a time without a zone, a vote by someone not on the roll."""
    naive = [Mandate("m", "north", Stance.FOR, True, dt.datetime(2026, 1, 1))]
    with pytest.raises(MandateError, match=r"mandate 0 \(m, north\).*no time zone"):
        compare(naive, [])
    call = RollCall("m", at(1), {"ann": "north"}, {"zed": Cast(Choice.FOR, at(0))})
    with pytest.raises(MandateError, match="roll call 0 .*zed voted but is not on its roll"):
        compare([], [call])


@given(mandate_cases())
def test_compare_is_judge_for_every_delegate(case: tuple[list[Any], list[Any]]) -> None:
    """The vectorised comparison gives exactly the verdicts of the plain rule."""
    mandates, calls = case
    expected = [j for r, call in enumerate(calls) for name in call.seats
                if (j := judge(mandates, call, name, r)) is not None]
    assert sorted(compare(mandates, calls).judgements(), key=repr) == sorted(expected, key=repr)


@given(mandate_cases())
def test_compare_mandates_after_every_vote_change_nothing(
        case: tuple[list[Any], list[Any]]) -> None:
    """Adding mandates adopted after every vote and close never changes a verdict."""
    mandates, calls = case
    later = [Mandate(m.motion, m.constituency, Stance(3 - int(m.stance)), not m.binding,
                     m.adopted_at + dt.timedelta(days=30)) for m in mandates]
    before = list(compare(mandates, calls).judgements())
    assert list(compare(mandates + later, calls).judgements()) == before


@given(mandate_cases())
def test_scorecard_counts_sum_to_its_verdicts(case: tuple[list[Any], list[Any]]) -> None:
    """A delegate's scorecard counts each of their verdicts once and lists every deviation."""
    mandates, calls = case
    for name in {n for call in calls for n in call.seats}:
        card = scorecard(name, mandates, calls)
        mine = [j for j in compare(mandates, calls).judgements() if j.delegate == name]
        assert sum(card.counts.values()) == len(mine)
        assert len(card.deviations) == sum(j.verdict is Verdict.DEVIATED for j in mine)
        for d in card.deviations:
            assert d.choice is not None and int(d.choice) != int(d.stance)


def test_scorecard_lists_the_breach() -> None:
    """The deviation names the motion, the mandate's stance and the vote."""
    mandates = [Mandate("m1", "north", Stance.AGAINST, True, at(-1))]
    calls = [RollCall("m1", at(1), {"ann": "north"}, {"ann": Cast(Choice.FOR, at(0))}),
             RollCall("m2", at(1), {"ann": "north"}, {"ann": Cast(Choice.FOR, at(0))})]
    card = scorecard("ann", mandates, calls)
    assert card.binding_deviations == 1
    (d,) = card.deviations
    assert (d.motion, d.stance, d.choice, d.binding) == ("m1", Stance.AGAINST, Choice.FOR, True)
