"""Sessions and logins, each read with one plain query.

Every logged-in request loads its session and then its user. Through the ORM, compiling those two
queries was a third of a ballot's CPU time on the server (bench/cast_bench.py, about 2 ms of 6).
The statements below are the same two lookups, written once. Everything else stays Django's own
code: how sessions are made, saved, cycled, flushed and expired, and how a login's session hash
is checked against the current password (``django.contrib.auth.get_user``).

Enabled by ``SESSION_ENGINE = "communard.web.core.sessions"`` and ``AUTHENTICATION_BACKENDS``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from communard.web.core.prepared import prepared_cursor
from communard.web.core.rows import model_from_row


class SessionStore(db.SessionStore):
    """Django's database sessions; only the read of a session is a plain statement."""

    def _get_session_from_db(self) -> Session | None:
        key = self.session_key  # None unless it is a well-formed key (SessionBase checks)
        if key is None:
            return None
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with prepared_cursor() as cursor:
            cursor.execute(_sql()["session"], [key, now])
            row = cursor.fetchone()
        if row is None:  # unknown or expired: Django's store then starts a fresh session
            self._session_key = None
            return None
        return Session(session_key=key, session_data=row[0])


class LoginBackend(ModelBackend):
    """Django's ``ModelBackend``; only the per-request read of the logged-in user is plain SQL."""

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = _preloaded.get()
        if user is None or user.pk != pk:
            with prepared_cursor() as cursor:
                cursor.execute(_sql()["user"], [pk])
                row = cursor.fetchone()
            if row is None:
                return None
            user = model_from_row(model, user_fields(), row)
        return user if self.user_can_authenticate(user) else None


_preloaded: ContextVar[AbstractBaseUser | None] = ContextVar("preloaded_login", default=None)


@contextlib.contextmanager
def preloaded_login(user: AbstractBaseUser | None) -> Iterator[None]:
    """Within the block, ``LoginBackend.get_user`` takes ``user`` (if it is the one asked for)
    instead of reading it: for a hot path that reads the login's row in the same query as what
    it needs anyway (the ballot endpoint). Django's checks of the session run on it as ever."""
    token = _preloaded.set(user)
    try:
        yield
    finally:
        _preloaded.reset(token)


@functools.cache
def user_fields() -> tuple[str, ...]:
    """The user model's fields, in the order of :func:`user_columns`."""
    return tuple(f.attname for f in get_user_model()._meta.concrete_fields)


def user_columns(table: str) -> str:
    """The select list for :func:`user_fields` of the user table aliased ``table``."""
    q = connection.ops.quote_name
    return ", ".join(f"{table}.{q(f.column)}" for f in get_user_model()._meta.concrete_fields)


@functools.cache
def _sql() -> dict[str, str]:
    q = connection.ops.quote_name
    user = get_user_model()._meta
    return {
        "session": f"SELECT session_data FROM {q(Session._meta.db_table)} "
        "WHERE session_key = %s AND expire_date > %s",
        "user": f"SELECT {user_columns('u')} FROM {q(user.db_table)} u "
        f"WHERE u.{q(user.pk.column)} = %s",
    }
