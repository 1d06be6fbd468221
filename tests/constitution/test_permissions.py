"""Permission rules: who may make logins, set passwords and seat anyone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communard.constitution.permissions import (
    Account,
    Actor,
    ClockActor,
    MemberActor,
    NotAllowed,
    OperatorActor,
    Refusal,
    check,
    may_accept_nomination,
    may_call_election,
    may_change_membership,
    may_change_powers,
    may_create_member_account,
    may_create_operator,
    may_found_federation,
    may_join_platform,
    may_nominate,
    may_run_poll_transition,
    may_set_password,
    may_take_census,
    may_vacate_seat,
)
from tests.strategies import accounts, actors


def _holds(actor: Actor, account: Account) -> bool:
    if isinstance(actor, MemberActor):
        return account.is_member and actor.account == account.username
    if isinstance(actor, OperatorActor):
        return account.is_operator and actor.username == account.username
    return False


@given(actors(), accounts())
def test_a_password_is_set_only_by_its_holder(actor: Actor, account: Account) -> None:
    """Whoever the actor and whatever the login, setting its password is allowed exactly when
    the actor is the one who signs in with it."""
    assert (may_set_password(actor, account) is None) == _holds(actor, account)


def test_an_operator_may_not_set_a_member_s_password() -> None:
    """The capture the rule is for: an operator setting a member's password to vote as them."""
    refusal = may_set_password(OperatorActor("op"), Account("ada", False, True))
    assert refusal is not None and refusal.rule == "own-password-only"
    assert "only by that member" in refusal.reason


@given(actors(), st.booleans())
def test_only_an_operator_gives_a_member_a_first_login(actor: Actor, has_one: bool) -> None:
    """Members and the clock never make logins; an operator makes a member's first one only."""
    allowed = may_create_member_account(actor, member_has_account=has_one) is None
    assert allowed == (isinstance(actor, OperatorActor) and not has_one)


@given(actors(), st.booleans())
def test_operators_are_made_by_operators_or_by_the_installer(actor: Actor, exist: bool) -> None:
    """Once an operator exists, only an operator makes another; the clock never does."""
    allowed = may_create_operator(actor, operators_exist=exist) is None
    if isinstance(actor, OperatorActor):
        assert allowed
    elif isinstance(actor, ClockActor):
        assert not allowed
    else:
        assert allowed == (not exist)


def test_nobody_changes_a_login_s_powers() -> None:
    assert may_change_powers().rule == "powers-fixed"


def test_check_raises_the_refusal_and_passes_an_allowance() -> None:
    check(None)
    refusal = Refusal("r", "because")
    with pytest.raises(NotAllowed) as caught:
        check(refusal)
    assert caught.value.refusal is refusal and str(caught.value) == "because"


# ------------------------------------------------------------------ membership, councils, platforms

MEMBERSHIP_KINDS = st.sampled_from(["admitted", "transferred", "lapsed", "expelled"])


@given(actors(), MEMBERSHIP_KINDS, st.booleans())
def test_membership_is_changed_by_operators_and_a_member_only_resigns(
    actor: Actor, kind: str, own: bool
) -> None:
    """An operator records any change of membership; a member only their own lapse (resigning);
    the clock none. Every refusal names its rule."""
    refusal = may_change_membership(actor, kind=kind, own=own)
    allowed = isinstance(actor, OperatorActor) or (
        isinstance(actor, MemberActor) and kind == "lapsed" and own)
    assert (refusal is None) == allowed
    if refusal is not None:
        assert refusal.rule in {"membership-by-operators", "no-membership-by-clock"}


@given(actors(), st.booleans())
def test_only_the_member_themself_joins_a_platform(actor: Actor, own: bool) -> None:
    """Nobody enrols a member in a platform: not an operator, not another member, not the clock."""
    refusal = may_join_platform(actor, own=own)
    assert (refusal is None) == (isinstance(actor, MemberActor) and own)
    assert refusal is None or refusal.rule == "members-join-platforms"


@given(actors(), st.sampled_from(["roll", "founding", "today"]))
def test_a_census_is_taken_only_by_the_calendar_or_at_founding(actor: Actor, reason: str) -> None:
    """The clock takes a roll's census, the founding operator the first; nobody else any."""
    refusal = may_take_census(actor, reason=reason)
    allowed = (reason == "roll" and isinstance(actor, ClockActor)) or (
        reason == "founding" and isinstance(actor, OperatorActor))
    assert (refusal is None) == allowed
    assert refusal is None or refusal.rule == "census-by-calendar"


@given(actors())
def test_only_an_operator_founds_or_imports_a_federation(actor: Actor) -> None:
    refusal = may_found_federation(actor)
    assert (refusal is None) == isinstance(actor, OperatorActor)


# ------------------------------------------------------------------ elections


@given(actors())
def test_an_election_is_called_by_an_operator_or_the_calendar(actor: Actor) -> None:
    """No member calls an election alone."""
    refusal = may_call_election(actor)
    assert (refusal is None) == (not isinstance(actor, MemberActor))
    assert refusal is None or refusal.rule == "elections-called-by-operator-or-calendar"


@given(actors(), st.booleans(), st.booleans())
def test_a_member_of_the_constituency_nominates_as_themself(
    actor: Actor, is_nominator: bool, in_constituency: bool
) -> None:
    """Allowed exactly for the nominator, signed in as themself, inside the constituency."""
    refusal = may_nominate(actor, is_nominator=is_nominator,
                           nominator_in_constituency=in_constituency)
    acts_as_self = isinstance(actor, MemberActor) and is_nominator
    assert (refusal is None) == (acts_as_self and in_constituency)
    if refusal is not None:
        expected = "nominator-in-constituency" if acts_as_self else "members-nominate-as-themselves"
        assert refusal.rule == expected


@given(actors(), st.booleans())
def test_only_the_nominee_accepts(actor: Actor, is_nominee: bool) -> None:
    refusal = may_accept_nomination(actor, is_nominee=is_nominee)
    assert (refusal is None) == (isinstance(actor, MemberActor) and is_nominee)


@given(actors())
def test_only_the_clock_opens_closes_and_counts(actor: Actor) -> None:
    refusal = may_run_poll_transition(actor)
    assert (refusal is None) == isinstance(actor, ClockActor)


@given(actors())
def test_no_member_vacates_a_seat(actor: Actor) -> None:
    """A seat falls vacant by an operator's record of a fact or a recall's result (the clock)."""
    refusal = may_vacate_seat(actor)
    assert (refusal is None) == (not isinstance(actor, MemberActor))


def test_early_close_refuses_secret_polls_and_needs_the_purpose_or_a_full_roll() -> None:
    """A roll call closes early by the purpose's presiding member or, all voted, by the clock;
    a secret poll never does, nor does an operator."""
    from communard.constitution.permissions import may_close_poll_early

    presiding = MemberActor("chair")
    open_named = {"secret": False, "voters": "delegates", "is_open": True, "all_voted": False,
                  "purpose": None}
    assert may_close_poll_early(presiding, **open_named) is None  # type: ignore[arg-type]
    refusals = {
        "secret members": (presiding, {**open_named, "secret": True, "voters": "members",
                                       "all_voted": True}),
        "secret delegates": (presiding, {**open_named, "secret": True}),
        "closed": (presiding, {**open_named, "is_open": False}),
        "clock early": (ClockActor(), open_named),
        "operator": (OperatorActor("root"), {**open_named, "all_voted": True}),
        "purpose says no": (presiding, {**open_named, "purpose": Refusal("x", "not presiding")}),
    }
    rules = {name: may_close_poll_early(actor, **facts)  # type: ignore[arg-type]
             for name, (actor, facts) in refusals.items()}
    assert {name: r.rule if r else None for name, r in rules.items()} == {
        "secret members": "secret-poll-runs-its-calendar",
        "secret delegates": "secret-poll-runs-its-calendar",
        "closed": "poll-not-open", "clock early": "poll-not-all-voted",
        "operator": "poll-closed-by-body", "purpose says no": "x"}
    assert may_close_poll_early(ClockActor(), **{**open_named, "all_voted": True}) is None  # type: ignore[arg-type]
