"""Amendments voted and folded into the motion's text: the fold (Hypothesis) and the rules of
putting an amendment to the vote."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from communard.constitution.amendments import (
    AmendmentState,
    Change,
    amended,
    fold,
    may_amend_amendment,
    may_put_amendment_to_vote,
    paragraphs,
)
from communard.constitution.meetings import MotionState
from communard.constitution.permissions import Refusal
from tests.strategies import amendment_cases

A = AmendmentState


def _last_to(paragraph: int, adopted: list[Change]) -> Change | None:
    named = [c for c in adopted if c.paragraph == paragraph]
    return named[-1] if named else None


@given(st.text(max_size=60))
def test_fold_without_adopted_amendments_keeps_the_text_exactly(text: str) -> None:
    """No adopted amendment: the text byte for byte (its digest unchanged)."""
    assert fold(text, []) == text


@given(amendment_cases())
def test_fold_changes_only_the_paragraphs_amended(case: tuple[str, list[Any]]) -> None:
    """Each paragraph is its last adopted amendment's text as amended, or else the original."""
    text, adopted = case
    before, after = paragraphs(text), paragraphs(fold(text, adopted))
    assert len(after) == len(before)
    for n, (old, new) in enumerate(zip(before, after, strict=True), start=1):
        last = _last_to(n, adopted)
        assert new == (old if last is None else amended(last, adopted).strip())


@given(amendment_cases())
def test_fold_is_idempotent(case: tuple[str, list[Any]]) -> None:
    """Folding the amended text again with the same amendments changes nothing more."""
    text, adopted = case
    once = fold(text, adopted)
    assert fold(once, adopted) == once


@given(amendment_cases(), st.randoms(use_true_random=False))
def test_fold_depends_only_on_the_order_within_a_paragraph(
        case: tuple[str, list[Any]], rnd: Any) -> None:
    """Interleaving amendments to different paragraphs differently gives the same text: only
    the adoption order of those to one paragraph (or one amendment) matters."""
    text, adopted = case
    keyed: dict[object, list[Change]] = {}
    for c in adopted:
        keyed.setdefault((c.paragraph, c.amends), []).append(c)
    queues = [list(q) for q in keyed.values()]
    shuffled: list[Change] = []
    while queues:
        q = rnd.choice(queues)
        shuffled.append(q.pop(0))
        if not q:
            queues.remove(q)
    assert fold(text, shuffled) == fold(text, adopted)


def test_an_adopted_sub_amendment_changes_the_amendment_before_it_is_folded() -> None:
    """Amendment 1 to paragraph 2, amended by 2 (adopted first): paragraph 2 is 2's text."""
    adopted = [Change(2, None, 1, "strike on Monday"), Change(1, 2, None, "strike on Friday")]
    assert fold("Demand a raise.\n\nStrike.", adopted) == "Demand a raise.\n\nstrike on Monday"


def test_the_later_of_two_amendments_to_one_paragraph_replaces_the_earlier() -> None:
    """Conflicting adopted amendments to one paragraph: the later adoption stands."""
    adopted = [Change(1, 1, None, "first"), Change(2, 1, None, "second")]
    assert fold("Old.\n\nKeep.", adopted) == "second\n\nKeep."


def _put(**facts: Any) -> Refusal | None:
    given_facts = {"motion": MotionState.DEBATED, "state": A.PROPOSED, "amends": None,
                   "open_beneath": (), "quorum": None} | facts
    return may_put_amendment_to_vote(**given_facts)


def test_put_to_vote_refusals_name_the_rule() -> None:
    """Once, in the debate, before what it amends, after its sub-amendments' votes, quorate."""
    no_quorum = Refusal("quorum", "no quorum")
    assert _put() is None
    assert _rule(_put(motion=MotionState.VOTED)) == "amendment-motion-state"
    assert _rule(_put(motion=MotionState.ADMITTED)) == "amendment-motion-state"
    assert _rule(_put(state=A.VOTED)) == "amendment-state"
    assert _rule(_put(state=A.ADOPTED)) == "amendment-state"
    assert _rule(_put(amends=A.VOTED)) == "amendment-target-voted"
    refused = _put(open_beneath=(7, 3))
    assert refused is not None and "3, 7" in refused.reason
    assert _put(quorum=no_quorum) == no_quorum


def test_an_amendment_put_to_the_vote_takes_no_more_amendments() -> None:
    """Sub-amendments are proposed only while the amendment is still proposed."""
    assert may_amend_amendment(A.PROPOSED) is None
    for state in (A.VOTED, A.ADOPTED, A.REJECTED, A.LAPSED):
        assert _rule(may_amend_amendment(state)) == "amendment-target-voted"


def _rule(refusal: Refusal | None) -> str | None:
    return refusal.rule if refusal is not None else None
