"""Meeting rules: calling a meeting, quorum, support, and the motion workflow."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communard.constitution import ConstitutionError, parse_constitution
from communard.constitution.meetings import (
    FROZEN,
    NEXT,
    MeetingRules,
    MotionState,
    may_amend,
    may_call_meeting,
    may_check_in,
    may_forward,
    may_move,
    may_support,
    may_vote_now,
    quorum_needed,
    share_of,
)
from communard.constitution.permissions import Refusal

shares = st.builds(Fraction, st.integers(1, 20), st.integers(1, 20)).filter(lambda f: f <= 1)
states = st.sampled_from(MotionState)


def rule(refusal: Refusal | None) -> str | None:
    return None if refusal is None else refusal.rule


@given(shares, st.integers(0, 10_000))
def test_share_of_is_the_smallest_whole_share(share: Fraction, size: int) -> None:
    """share_of gives at least the share, and one fewer would fall short (never below one)."""
    n = share_of(share, size)
    assert n >= 1 and n >= share * size
    assert n == 1 or n - 1 < share * size


@given(shares, st.integers(1, 500), st.integers(0, 500))
def test_may_vote_now_exactly_from_the_quorum(quorum: Fraction, size: int, present: int) -> None:
    """A vote is allowed exactly when the checked-in reach the quorum share of the body."""
    rules = MeetingRules(quorum=quorum)
    refusal = may_vote_now(rules, present=present, size=size)
    assert (refusal is None) == (present >= quorum_needed(rules, size))
    if refusal is not None:
        assert refusal.rule == "quorum" and f"{present} of {size} checked in" in refusal.reason


def test_may_call_meeting_needs_the_chair_or_the_share() -> None:
    """The chair calls alone; otherwise a fifth of 12 (3) must ask together."""
    rules = MeetingRules(call_share=Fraction(1, 5))
    assert may_call_meeting(rules, is_chair=True, supporters=0, size=12) is None
    assert may_call_meeting(rules, is_chair=False, supporters=3, size=12) is None
    refusal = may_call_meeting(rules, is_chair=False, supporters=2, size=12)
    assert refusal is not None and refusal.reason == (
        "a meeting is called by the chair or by 3 of the body's 12 (1/5 of it); "
        "2 asked for this one")


@given(states, states, st.integers(0, 5))
def test_may_move_follows_the_workflow(current: MotionState, to: MotionState,
                                       supporters: int) -> None:
    """Only listed steps are allowed; admission needs the supporters; decided is final."""
    rules = MeetingRules(motion_supporters=2)
    refusal = may_move(rules, current, to, supporters=supporters)
    allowed = to in NEXT[current] and (to is not MotionState.ADMITTED or supporters >= 2)
    assert (refusal is None) == allowed
    if current in {MotionState.ADOPTED, MotionState.REJECTED, MotionState.REFERRED}:
        assert refusal is not None and "it is decided" in refusal.reason


def test_may_move_to_voted_needs_quorum() -> None:
    """The quorum's refusal stops a debated motion being put to the vote."""
    rules = MeetingRules()
    no_quorum = may_vote_now(rules, present=1, size=10)
    assert may_move(rules, MotionState.DEBATED, MotionState.VOTED, supporters=0,
                    quorum=no_quorum) == no_quorum
    assert may_move(rules, MotionState.DEBATED, MotionState.VOTED, supporters=0) is None


@given(states)
def test_amend_and_support_refused_once_voted(state: MotionState) -> None:
    """Amendments and support end when the motion is put to the vote."""
    frozen = state in FROZEN
    assert (may_amend(state, eligible=True) is not None) == frozen
    assert (may_support(state, is_mover=False, supported=False, eligible=True)
            is not None) == frozen


def test_support_refusals_name_the_reason() -> None:
    """Twice, one's own, or from outside the body: each refused with its reason."""
    s = MotionState.SUBMITTED
    assert rule(may_support(s, is_mover=False, supported=True, eligible=True)) == "supported-twice"
    assert rule(may_support(s, is_mover=True, supported=False, eligible=True)) == "own-motion"
    assert rule(may_support(s, is_mover=False, supported=False, eligible=False)) == "not-in-body"


def test_check_in_and_forward_refusals() -> None:
    """Checking in from outside the body, twice or after the close; forwarding undecided."""
    assert rule(may_check_in(sits_in_body=False, checked_in=False, is_open=True)) == "not-in-body"
    assert rule(may_check_in(sits_in_body=True, checked_in=True, is_open=True)) == "checked-in-twice"
    assert rule(may_check_in(sits_in_body=True, checked_in=False, is_open=False)) == "meeting-closed"
    assert may_check_in(sits_in_body=True, checked_in=False, is_open=True) is None
    assert rule(may_forward(MotionState.VOTED, is_neighbour=True)) == "forward-undecided"
    assert rule(may_forward(MotionState.ADOPTED, is_neighbour=False)) == "forward-neighbour"
    assert may_forward(MotionState.ADOPTED, is_neighbour=True) is None


TIERS = """
[[tiers]]
key = "w"
[[tiers]]
key = "c"
"""


def test_constitution_reads_its_meetings_section() -> None:
    """[meetings] sets the shares and supporters; absent, the defaults apply."""
    c = parse_constitution('[meetings]\ncall_share = "1/3"\nquorum = "2/3"\n'
                           'motion_supporters = 5\nchair_office = "convenor"\n' + TIERS)
    assert c.meetings == MeetingRules("convenor", Fraction(1, 3), Fraction(2, 3), 5)
    assert parse_constitution(TIERS).meetings == MeetingRules()


@pytest.mark.parametrize(("text", "message"), [
    ('quorum = 0.5', r"meetings\.quorum: a share .* not 0\.5"),
    ('quorum = "3/2"', r"meetings\.quorum: a share .* not '3/2'"),
    ('call_share = "x"', r"meetings\.call_share: a share"),
    ('motion_supporters = -1', r"meetings\.motion_supporters: must be a whole number"),
    ('speakers = 3', r"meetings: unknown setting\(s\) speakers"),
])
def test_constitution_meetings_errors_name_the_field(text: str, message: str) -> None:
    """A malformed [meetings] section is refused, naming the source and the field."""
    with pytest.raises(ConstitutionError, match="fed: " + message):
        parse_constitution("[meetings]\n" + text + "\n" + TIERS, source="fed")


def test_secret_matters_make_their_votes_secret_whatever_is_asked() -> None:
    """[meetings] secret_matters: a personnel motion's vote is secret even if a roll call is
    asked; other matters follow the presiding member's choice."""
    from communard.constitution.meetings import parse_meetings, vote_is_secret

    rules = parse_meetings({"secret_matters": ["personnel"]}, "[meetings]")
    assert vote_is_secret(rules, "personnel", asked=False)
    assert not vote_is_secret(rules, "budget", asked=False)
    assert not vote_is_secret(rules, "", asked=False)
    assert vote_is_secret(rules, "", asked=True)


@pytest.mark.parametrize(("value", "error"), [
    ("personnel", r"\[meetings\].secret_matters: a list"),
    (["Personnel"], r"\[meetings\].secret_matters\[0\]: a matter is a lower-case word"),
    ([3], r"secret_matters\[0\]"),
])
def test_malformed_secret_matters_are_named(value: object, error: str) -> None:
    from communard.constitution.meetings import MeetingsError, parse_meetings

    with pytest.raises(MeetingsError, match=error):
        parse_meetings({"secret_matters": value}, "[meetings]")
