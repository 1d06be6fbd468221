"""Use cases for logins: an operator gives a member their first login; operators are made in
public; a password is set only by its holder. Each checks the permission rules, then changes the
login inside :func:`guard.permitted`, then appends its record entry, in one transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from communard.constitution.permissions import (
    Account,
    Actor,
    MemberActor,
    OperatorActor,
    check,
    may_create_member_account,
    may_create_operator,
    may_set_password,
)
from communard.record.kinds import (
    MEMBER_ACCOUNT_CREATED_V2,
    MEMBER_PASSWORD_SET,
    OPERATOR_CREATED_V2,
    OPERATOR_PASSWORD_SET,
)
from communard.web.accounts import guard
from communard.web.core.actors import record_name
from communard.web.members.models import Member
from communard.web.records import services as record


def account_of(user: Any) -> Account:
    """The rules' view of a login."""
    return Account(
        username=user.get_username(),
        is_operator=bool(user.is_staff or user.is_superuser),
        is_member=Member.objects.filter(user_id=user.pk).exists(),
    )


def actor_for(user: Any) -> Actor:
    """The actor a signed-in login acts as."""
    if user.is_staff or user.is_superuser:
        return OperatorActor(user.get_username())
    return MemberActor(user.get_username())


def do_create_member_account(
    member: Member, *, username: str, password: str | None, actor: Actor
) -> Any:
    """Give a member their first login. The record shows that an account exists, not who holds
    it, and commits to its password so a later change behind the record's back shows.
    ``password=None``: a login that cannot sign in with a password (yet)."""
    with transaction.atomic():
        member = Member.objects.select_for_update().select_related("federation").get(pk=member.pk)
        check(may_create_member_account(actor, member_has_account=member.user_id is not None))
        with guard.permitted(username, "created"):
            user = get_user_model().objects.create_user(username=username, password=password)
        member.user = user
        member.save(update_fields=["user"])
        record.append(
            MEMBER_ACCOUNT_CREATED_V2,
            {
                "federation": member.federation.slug,
                "member": record.personal(member.number),
                "credential": record.personal(guard.credential(user.password)),
            },
            actor=record_name(actor),
        )
    return user


def do_create_operator(*, username: str, password: str, actor: Actor) -> Any:
    """An operator runs the installation; who holds that power is public."""
    user_model = get_user_model()
    with transaction.atomic():
        operators_exist = user_model.objects.filter(is_staff=True).exists()
        check(may_create_operator(actor, operators_exist=operators_exist))
        with guard.permitted(username, "created"):
            user = user_model.objects.create_superuser(username=username, password=password)
        record.append(
            OPERATOR_CREATED_V2,
            {
                "username": username,
                "credential": record.personal(guard.credential(user.password)),
            },
            actor=record_name(actor),
        )
    return user


def do_set_own_password(user: Any, *, password: str, actor: Actor) -> None:
    """The holder of a login sets its password (having proved the current one, at the page or
    the command that calls this). Members are named on the record by commitment."""
    with transaction.atomic():
        user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
        account = account_of(user)
        check(may_set_password(actor, account))
        user.set_password(password)
        with guard.permitted(account.username, "password"):
            user.save(update_fields=["password"])
        body: dict[str, Any] = {"credential": record.personal(guard.credential(user.password))}
        if account.is_member:
            member = Member.objects.select_related("federation").get(user_id=user.pk)
            body |= {"federation": member.federation.slug, "member": record.personal(member.number)}
            kind = MEMBER_PASSWORD_SET
        else:
            body |= {"username": account.username}
            kind = OPERATOR_PASSWORD_SET
        record.append(kind, body, actor=record_name(actor))
