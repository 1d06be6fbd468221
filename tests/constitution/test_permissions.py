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
    may_change_powers,
    may_create_member_account,
    may_create_operator,
    may_set_password,
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
