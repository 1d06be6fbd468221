"""The login guard: a user row changes only inside the action that records the change.

Django's own paths to a login (the auth admin, ``createsuperuser``, ``changepassword``,
``user.set_password(); user.save()`` in a shell, ``User.objects.create_user``) all save the model,
so a ``pre_save`` and a ``pre_delete`` receiver sees every one of them. The receiver lets a save
through when the login's powers and password are unchanged (sign-ins update ``last_login``), or
when the action making the change has said so with :func:`permitted` for that very login, after
checking the permission rules and inside the transaction that appends its record entry.

What a receiver cannot see (``QuerySet.update``, plain SQL) it cannot refuse; the record can still
tell: every password set by an action is committed to on the record (:func:`credential`), and
``communard verify`` compares each login with its last commitment (``accounts.audit``).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_delete, pre_save

from communard.constitution.permissions import NotAllowed, Refusal, may_change_powers

#: Fields whose change makes a different login: who it is, what it can do, how it signs in.
POWERS = ("username", "is_staff", "is_superuser", "is_active")

_permitted: ContextVar[frozenset[tuple[str, str]]] = ContextVar(
    "permitted_login_changes", default=frozenset()
)


class LoginChangeRefused(NotAllowed):
    """A login was made, changed or deleted outside the action that records it."""


@contextlib.contextmanager
def permitted(username: str, *what: str) -> Iterator[None]:
    """Within the block, the login ``username`` may be ``"created"``, have its ``"password"``
    set, or be ``"rehashed"`` (the same password, hashed anew as its holder signs in)."""
    token = _permitted.set(_permitted.get() | {(username, w) for w in what})
    try:
        yield
    finally:
        _permitted.reset(token)


def _is_permitted(username: str, what: str) -> bool:
    return (username, what) in _permitted.get()


def credential(password_hash: str) -> str:
    """What the record commits to for a login's password: a digest of its stored hash.

    The commitment (salted, opening kept privately) lets ``verify`` see a hash replaced behind
    the record's back, without the record, or its openings, holding the hash itself.
    """
    return "sha256:" + hashlib.sha256(password_hash.encode()).hexdigest()


def _refuse(rule: str, reason: str) -> None:
    raise LoginChangeRefused(Refusal(rule, reason))


def check_save(sender: Any, instance: Any, update_fields: Any = None, **_: Any) -> None:
    """``pre_save`` of the user model: refuse a login made or changed without its action."""
    if update_fields is not None and not ({"password", *POWERS} & set(update_fields)):
        return  # a sign-in's last_login, and the like
    name = instance.get_username()
    if instance._state.adding or instance.pk is None:
        if not _is_permitted(name, "created"):
            _refuse(
                "logins-by-actions",
                "logins are made only by `communard manage createsuperuser` (operators) and by "
                "an operator giving a member their first login, each on the record",
            )
        return
    stored = type(instance)._default_manager.filter(pk=instance.pk).values(
        "password", *POWERS
    ).first()
    if stored is None:
        return  # Django is about to insert it after all (a save with an explicit new pk)
    changed = [f for f in POWERS if stored[f] != getattr(instance, f)]
    if changed and not _is_permitted(name, "created"):
        refusal = may_change_powers()
        raise LoginChangeRefused(Refusal(
            refusal.rule, f"a login's {', '.join(changed)} cannot be changed: {refusal.reason}"
        ))
    if stored["password"] != instance.password and not (
        _is_permitted(name, "password") or _is_permitted(name, "rehashed")
    ):
        _refuse(
            "own-password-only",
            "a password is set only by the one who signs in with it: members on their "
            "password page, operators with `communard manage changepassword` and the current "
            "password",
        )


def check_delete(sender: Any, instance: Any, **_: Any) -> None:
    """``pre_delete`` of the user model: a login is never deleted (a member's vote hangs on
    it, and the record names operators for good)."""
    _refuse("logins-kept", "logins are never deleted; membership ends by a recorded change")


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(check_save, sender=user_model, dispatch_uid="communard-login-guard")
    pre_delete.connect(check_delete, sender=user_model, dispatch_uid="communard-login-kept")
