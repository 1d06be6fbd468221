"""Recall rules: the [recall] section, who may petition and sign, thresholds, the vote."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communard.constitution import ConstitutionError, parse_constitution
from communard.constitution.membership import ADMITTED, EXPELLED, Change
from communard.constitution.permissions import Actor, ClockActor
from communard.constitution.recall import (
    LAPSED,
    LIVE,
    OPEN,
    REPLACEMENTS,
    STATES,
    THRESHOLD_MET,
    AssemblyRecallFacts,
    MandateFacts,
    RecallRules,
    RecallRulesError,
    SignerFacts,
    StandingFacts,
    is_lapsed,
    is_threshold_met,
    may_decide_recall,
    may_open_petition,
    may_put_recall_at_assembly,
    may_sign,
    may_stand,
    may_withdraw,
    petition_deadline,
    recall_outcome,
    recall_rules_from_dict,
    replacement_rule,
    signers_roll,
    threshold_signatures,
    vote_calendar,
)
from communard.constitution.rules import DEFAULT_CONSTITUTION_TOML
from tests.strategies import actors, recall_tables

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 30, 12, tzinfo=UTC)
DAY = dt.timedelta(days=1)
SEATED = MandateFacts(is_current=True, began_at=NOW - DAY, constituency_is_base=True,
                      last_failed_recall_at=None, has_open_petition=False)
SIGNER = SignerFacts(on_roll=True, has_signed=False, has_withdrawn=False)


def test_defaults_are_the_issues() -> None:
    """With no [recall] section: 20% within 30 days, vote within 7 days for 3, simple majority,
    no floor, no wait after an election, 90 days' cool-off, the elections' vacancy rule."""
    rules = parse_constitution(DEFAULT_CONSTITUTION_TOML).recall
    assert rules == RecallRules()
    assert (rules.threshold, rules.window_days, rules.vote_opens_within_days, rules.vote_days) == (
        Fraction(1, 5), 30, 7, 3)
    assert (rules.majority, rules.turnout_floor, rules.after_election_days,
            rules.cool_off_days, rules.replacement, rules.assembly_vote) == (
        "simple", 0, 0, 90, "vacancy-rule", False)


@given(recall_tables())
def test_every_valid_table_reads_back_its_settings(table: dict[str, Any]) -> None:
    rules = recall_rules_from_dict(table)
    for key, value in table.items():
        if key == "threshold_percent":
            assert rules.threshold == Fraction(value, 100)
        elif key == "turnout_floor_percent":
            assert rules.turnout_floor == Fraction(value, 100)
        else:
            assert getattr(rules, key) == value


@pytest.mark.parametrize(("table", "field"), [
    ({"threshold_percent": 0}, "recall.threshold_percent"),
    ({"threshold_percent": 101}, "recall.threshold_percent"),
    ({"threshold_percent": True}, "recall.threshold_percent"),
    ({"window_days": 0}, "recall.window_days"),
    ({"cool_off_days": -1}, "recall.cool_off_days"),
    ({"majority": "most"}, "recall.majority"),
    ({"replacement": "appointment"}, "recall.replacement"),
    ({"assembly_vote": "yes"}, "recall.assembly_vote"),
    ({"turnout_floor_percent": 150}, "recall.turnout_floor_percent"),
    ({"threshold": 20}, "unknown setting(s) threshold"),
    ({"replacement": "replacement-question", "vote_opens_within_days": 0},
     "recall.vote_opens_within_days: a replacement question needs at least 1 day"),
])
def test_a_bad_setting_is_refused_naming_its_field(table: dict[str, Any], field: str) -> None:
    with pytest.raises(RecallRulesError, match=field.replace("(", r"\(").replace(")", r"\)")):
        recall_rules_from_dict(table)


def test_a_bad_recall_section_is_a_constitution_error_naming_the_source() -> None:
    text = DEFAULT_CONSTITUTION_TOML + "\n[recall]\nwindow_days = 0\n"
    with pytest.raises(ConstitutionError, match=r"^fed: recall.window_days"):
        parse_constitution(text, source="fed")


@given(st.integers(1, 100), st.integers(0, 200_000))
def test_the_threshold_is_the_share_rounded_up_and_never_below_one(
        percent: int, size: int) -> None:
    rules = RecallRules(threshold=Fraction(percent, 100))
    needed = threshold_signatures(rules, size)
    assert needed >= 1
    assert needed * 100 >= percent * size  # enough ...
    assert needed == 1 or (needed - 1) * 100 < percent * size  # ... and no more than that


def test_the_default_threshold_of_a_100000_member_constituency_is_20000() -> None:
    assert threshold_signatures(RecallRules(), 100_000) == 20_000
    assert threshold_signatures(RecallRules(), 11) == 3


@given(st.integers(0, 50), st.integers(1, 50))
def test_threshold_met_exactly_at_the_threshold(signatures: int, threshold: int) -> None:
    assert is_threshold_met(signatures, threshold) == (signatures >= threshold)


def test_a_petition_against_nobody_in_office_is_refused() -> None:
    ended = MandateFacts(**{**SEATED.__dict__, "is_current": False})
    refusal = may_open_petition(RecallRules(), ended, opener_may_sign=True, grounds="g", now=NOW)
    assert refusal is not None and refusal.rule == "no-seat"


def test_only_the_constituency_opens_a_petition() -> None:
    refusal = may_open_petition(RecallRules(), SEATED, opener_may_sign=False, grounds="g", now=NOW)
    assert refusal is not None and refusal.rule == "not-in-constituency"


def test_a_second_open_petition_is_refused() -> None:
    busy = MandateFacts(**{**SEATED.__dict__, "has_open_petition": True})
    refusal = may_open_petition(RecallRules(), busy, opener_may_sign=True, grounds="g", now=NOW)
    assert refusal is not None and refusal.rule == "one-open-petition"


def test_grounds_are_required() -> None:
    refusal = may_open_petition(RecallRules(), SEATED, opener_may_sign=True, grounds=" ", now=NOW)
    assert refusal is not None and refusal.rule == "grounds-required"


def test_no_wait_after_an_election_by_default() -> None:
    """A delegate seated a second ago can be petitioned against: revocable at short terms."""
    fresh = MandateFacts(**{**SEATED.__dict__, "began_at": NOW})
    assert may_open_petition(RecallRules(), fresh, opener_may_sign=True, grounds="g",
                             now=NOW) is None
    waiting = RecallRules(after_election_days=10)
    refusal = may_open_petition(waiting, fresh, opener_may_sign=True, grounds="g", now=NOW)
    assert refusal is not None and refusal.rule == "after-election"


@given(st.integers(0, 365), st.integers(0, 400))
def test_the_cool_off_applies_only_after_a_failed_recall(cool_off: int, days_since: int) -> None:
    rules = RecallRules(cool_off_days=cool_off)
    failed = MandateFacts(**{**SEATED.__dict__,
                             "last_failed_recall_at": NOW - days_since * DAY})
    refusal = may_open_petition(rules, failed, opener_may_sign=True, grounds="g", now=NOW)
    assert (refusal is not None) == (days_since < cool_off)
    if refusal is not None:
        assert refusal.rule == "cool-off"
    assert may_open_petition(rules, SEATED, opener_may_sign=True, grounds="g", now=NOW) is None


def test_an_assembly_vote_constitution_takes_base_recalls_to_the_meeting() -> None:
    rules = RecallRules(assembly_vote=True)
    refusal = may_open_petition(rules, SEATED, opener_may_sign=True, grounds="g", now=NOW)
    assert refusal is not None and refusal.rule == "recall-at-assembly"
    upper = MandateFacts(**{**SEATED.__dict__, "constituency_is_base": False})
    assert may_open_petition(rules, upper, opener_may_sign=True, grounds="g", now=NOW) is None


@given(st.sampled_from(STATES), st.booleans(), st.booleans(), st.booleans(),
       st.integers(-5, 5))
def test_signing_is_allowed_exactly_for_a_fresh_roll_member_of_an_open_petition(
        state: str, on_roll: bool, signed: bool, withdrawn: bool, days_left: int) -> None:
    deadline = NOW + days_left * DAY
    refusal = may_sign(state, deadline, SignerFacts(on_roll, signed, withdrawn), NOW)
    allowed = on_roll and not signed and not withdrawn and state == OPEN and days_left > 0
    assert (refusal is None) == allowed


def test_each_bad_signature_names_its_rule() -> None:
    deadline = NOW + DAY
    cases = {
        "not-in-constituency": may_sign(OPEN, deadline, SignerFacts(False, False, False), NOW),
        "already-signed": may_sign(OPEN, deadline, SignerFacts(True, True, False), NOW),
        "signature-withdrawn": may_sign(OPEN, deadline, SignerFacts(True, True, True), NOW),
        "past-deadline": may_sign(OPEN, NOW, SIGNER, NOW),
        "petition-not-open": may_sign(LAPSED, deadline, SIGNER, NOW),
    }
    assert {rule: r.rule if r else None for rule, r in cases.items()} == {
        rule: rule for rule in cases}


@given(st.sampled_from(STATES), st.booleans(), st.booleans())
def test_a_signature_is_withdrawable_only_while_the_petition_is_open(
        state: str, signed: bool, withdrawn: bool) -> None:
    refusal = may_withdraw(state, SignerFacts(True, signed, withdrawn))
    assert (refusal is None) == (signed and not withdrawn and state == OPEN)
    if signed and not withdrawn and state == THRESHOLD_MET:
        assert refusal is not None and refusal.rule == "threshold-met"


@given(st.sampled_from(STATES), st.integers(-40, 40))
def test_only_an_open_petition_past_its_deadline_lapses(state: str, hours: int) -> None:
    deadline = NOW + dt.timedelta(hours=hours)
    assert is_lapsed(state, deadline, NOW) == (state == OPEN and hours <= 0)
    assert LAPSED not in LIVE


def test_the_deadline_is_the_window_after_filing() -> None:
    assert petition_deadline(RecallRules(window_days=30), NOW) == NOW + 30 * DAY


@st.composite
def histories(draw: st.DrawFn) -> list[Change]:
    out = []
    for order in range(draw(st.integers(0, 20))):
        recorded = NOW + dt.timedelta(hours=draw(st.integers(-24 * 60, 24 * 60)))
        claimed = recorded.date() - dt.timedelta(days=draw(st.integers(0, 10)))
        out.append(Change(draw(st.integers(1, 5)), draw(st.sampled_from([ADMITTED, EXPELLED])),
                          draw(st.integers(1, 2)), claimed, recorded, order))
    return out


@given(histories(), histories())
def test_changes_recorded_after_filing_never_change_who_may_sign(
        before: list[Change], after: list[Change]) -> None:
    """A mass intake (or a backdated expulsion) rushed through after a petition is filed moves
    nobody onto or off its roll of signers."""
    early = [c for c in before if c.recorded_at < NOW]
    late = [Change(c.member, c.kind, c.council, c.on, max(c.recorded_at, NOW), c.order)
            for c in after]
    assert signers_roll(early + late, {1}, NOW) == signers_roll(early, {1}, NOW)


def test_a_member_admitted_before_filing_signs() -> None:
    admitted = Change(1, ADMITTED, 1, NOW.date() - 3 * DAY, NOW - 3 * DAY)
    rushed = Change(2, ADMITTED, 1, NOW.date(), NOW + dt.timedelta(seconds=1))
    assert signers_roll([admitted, rushed], {1}, NOW) == {1}


@given(st.integers(0, 3), st.integers(0, 20), st.integers(0, 3))
def test_the_vote_opens_within_its_days_and_runs_its_length(within: int, later: int,
                                                            days: int) -> None:
    rules = RecallRules(vote_opens_within_days=within, vote_days=days + 1)
    planned = vote_calendar(rules, NOW, NOW + dt.timedelta(hours=later * 12))
    if later * 12 <= within * 24:
        assert planned == (NOW + dt.timedelta(hours=later * 12),
                           NOW + dt.timedelta(hours=later * 12) + (days + 1) * DAY)
    else:
        assert not isinstance(planned, tuple) and planned.rule == "vote-calendar"
    assert vote_calendar(rules, NOW) == (NOW, NOW + (days + 1) * DAY)


@given(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100))
def test_a_simple_majority_is_more_yes_than_no(yes: int, no: int, abstain: int) -> None:
    outcome = recall_outcome(RecallRules(), yes=yes, no=no, abstain=abstain,
                             roll_size=yes + no + abstain)
    assert outcome.passed == (yes > no)
    assert str(yes) in outcome.reason


@given(st.integers(0, 60), st.integers(0, 60), st.integers(1, 100))
def test_below_the_turnout_floor_nothing_passes(yes: int, no: int, floor: int) -> None:
    rules = RecallRules(turnout_floor=Fraction(floor, 100), majority="two-thirds")
    outcome = recall_outcome(rules, yes=yes, no=no, abstain=0, roll_size=120)
    enough = (yes + no) * 100 >= floor * 120
    assert outcome.passed == (enough and yes + no > 0 and 3 * yes >= 2 * (yes + no))


def test_the_replacement_follows_the_vacancy_rule_unless_set() -> None:
    assert replacement_rule(RecallRules(), "by-election") == "by-election"
    assert replacement_rule(RecallRules(replacement="countback"), "by-election") == "countback"


@given(actors())
def test_only_a_recorded_vote_decides_a_recall(actor: Actor) -> None:
    refusal = may_decide_recall(actor)
    assert (refusal is None) == isinstance(actor, ClockActor)


@pytest.mark.parametrize(("grounds", "rule"), [
    ("", "grounds-required"), ("  \n", "grounds-required"), ("x" * 2001, "grounds-too-long"),
    ("a\x00b", "grounds-not-text"), ("a\ud800", "grounds-not-text"),
])
def test_bad_grounds_are_refused(grounds: str, rule: str) -> None:
    refusal = may_open_petition(RecallRules(), SEATED, opener_may_sign=True, grounds=grounds,
                                now=NOW)
    assert refusal is not None and refusal.rule == rule
    assert may_open_petition(RecallRules(), SEATED, opener_may_sign=True, grounds="x" * 2000,
                             now=NOW) is None


@given(majority=st.sampled_from(["simple", "two-thirds", "three-fifths"]),
       floor=st.integers(0, 100), yes=st.integers(0, 60), no=st.integers(0, 60),
       abstain=st.integers(0, 20), absent=st.integers(0, 60))
def test_the_recall_poll_decides_as_the_recall_rules_do(majority: str, floor: int, yes: int,
                                                        no: int, abstain: int,
                                                        absent: int) -> None:
    """The recall vote is a poll decided by the polls' majority rule: the rule made from
    ``[recall]`` (``vote_majority``) passes exactly the tallies ``recall_outcome`` passes."""
    from dataclasses import replace

    from communard.constitution.majority import YesNoTally, decide
    from communard.constitution.recall import RecallRules, recall_outcome, vote_majority

    rules = replace(RecallRules(), majority=majority, turnout_floor=Fraction(floor, 100))
    roll = yes + no + abstain + absent
    ours = decide(vote_majority(rules), rules.turnout_floor, YesNoTally(yes, no, abstain), roll)
    assert ours.passed == recall_outcome(rules, yes=yes, no=no, abstain=abstain,
                                         roll_size=roll).passed


QUESTION = RecallRules(replacement="replacement-question")
FRESH = StandingFacts(on_roll=True, is_recalled_member=False, already_standing=False,
                      holds_a_seat_there=False)


def test_with_a_replacement_question_the_vote_opens_as_late_as_allowed() -> None:
    """Candidates stand until the vote opens: it opens vote_opens_within_days after the
    threshold (without the question, at once)."""
    assert vote_calendar(QUESTION, NOW) == (NOW + 7 * DAY, NOW + 10 * DAY)
    assert vote_calendar(RecallRules(), NOW) == (NOW, NOW + 3 * DAY)


@given(st.sampled_from(STATES), st.booleans(), st.booleans(), st.booleans(), st.booleans(),
       st.integers(-3, 3), st.sampled_from(REPLACEMENTS))
def test_standing_is_allowed_exactly_for_a_fresh_roll_member_before_the_vote(
        state: str, on_roll: bool, recalled: bool, standing: bool, seated: bool, hours: int,
        replacement: str) -> None:
    facts = StandingFacts(on_roll=on_roll, is_recalled_member=recalled,
                          already_standing=standing, holds_a_seat_there=seated)
    rules = RecallRules(replacement=replacement)
    opens = NOW + dt.timedelta(hours=hours)
    allowed = (replacement == "replacement-question" and on_roll and not recalled
               and not standing and not seated and state == THRESHOLD_MET and opens > NOW)
    assert (may_stand(rules, state, opens, facts, NOW) is None) == allowed


def test_each_bad_candidacy_names_its_rule() -> None:
    opens = NOW + DAY
    cases = [
        (RecallRules(), THRESHOLD_MET, FRESH, "no-replacement-question"),
        (QUESTION, THRESHOLD_MET, StandingFacts(False, False, False, False),
         "not-in-constituency"),
        (QUESTION, THRESHOLD_MET, StandingFacts(True, True, False, False),
         "recalled-member-stands"),
        (QUESTION, THRESHOLD_MET, StandingFacts(True, False, True, False), "already-standing"),
        (QUESTION, THRESHOLD_MET, StandingFacts(True, False, False, True), "already-seated"),
        (QUESTION, OPEN, FRESH, "standing-closed"),
    ]
    for rules, state, facts, rule in cases:
        refusal = may_stand(rules, state, opens, facts, NOW)
        assert refusal is not None and refusal.rule == rule


ASSEMBLY = RecallRules(assembly_vote=True)
QUORATE = AssemblyRecallFacts(is_base_assembly=True, sits_for_it=True, quorum=None,
                              presiding=None, has_pending_vote=False, last_failed_recall_at=None)


def test_each_refusal_of_an_assembly_recall_names_its_rule() -> None:
    """The constitution must allow it; a base assembly, its own delegate, presided and
    quorate (the meetings' own refusals pass through), one vote at a time, the cool-off."""
    from communard.constitution.permissions import Refusal

    no_quorum, not_presiding = Refusal("quorum", "q"), Refusal("chair-presides", "p")
    cases = [
        (RecallRules(), QUORATE, "no-assembly-vote"),
        (ASSEMBLY, replace(QUORATE, is_base_assembly=False), "not-a-base-assembly"),
        (ASSEMBLY, replace(QUORATE, sits_for_it=False), "no-seat"),
        (ASSEMBLY, replace(QUORATE, presiding=not_presiding), "chair-presides"),
        (ASSEMBLY, replace(QUORATE, quorum=no_quorum), "quorum"),
        (ASSEMBLY, replace(QUORATE, has_pending_vote=True), "one-open-petition"),
        (ASSEMBLY, replace(QUORATE, last_failed_recall_at=NOW - DAY), "cool-off"),
    ]
    for rules, facts, rule in cases:
        refusal = may_put_recall_at_assembly(rules, facts, NOW)
        assert refusal is not None and refusal.rule == rule
    assert may_put_recall_at_assembly(ASSEMBLY, QUORATE, NOW) is None
    after = replace(QUORATE, last_failed_recall_at=NOW - 90 * DAY)
    assert may_put_recall_at_assembly(ASSEMBLY, after, NOW) is None
