"""Sessions and logins, each read with one plain query.

Every logged-in request loads its session and then its user. Through the ORM, compiling those two
queries was a third of a ballot's CPU time on the server (bench/cast_bench.py, about 2 ms of 6).
The statements below are the same two lookups, written once. Everything else stays Django's own
code: how sessions are made, saved, cycled, flushed and expired, and how a login's session hash
is checked against the current password (``django.contrib.auth.get_user``).

Sessions live in ``core.LoginSession``: Django's session table plus the login's user id, so that
a hot path can read the session and its user in the query it makes anyway, and hand both over
(``preloaded_session``, ``preloaded_login``) instead of two more round trips.

Enabled by ``SESSION_ENGINE = "communard.web.core.sessions"`` and ``AUTHENTICATION_BACKENDS``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from communard.web.core.models import LoginSession
from communard.web.core.prepared import prepared_cursor
from communard.web.core.rows import model_from_row


class SessionStore(db.SessionStore):
    """Django's database sessions in ``LoginSession``; the read of a session is a plain
    statement, and saving one also writes its login's user id."""

    @classmethod
    def get_model_class(cls) -> type[LoginSession]:
        return LoginSession

    def create_model_instance(self, data: dict[str, Any]) -> LoginSession:
        session: LoginSession = super().create_model_instance(data)
        session.user_id = user_pk(data.get(SESSION_KEY))
        return session

    def _get_session_from_db(self) -> LoginSession | None:
        key = self.session_key  # None unless it is a well-formed key (SessionBase checks)
        if key is None:
            return None
        preloaded = _preloaded_session.get()
        if preloaded is not None and preloaded[0] == key:
            data = preloaded[1]
        else:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            with prepared_cursor() as cursor:
                cursor.execute(_sql()["session"], [key, now])
                row = cursor.fetchone()
            data = None if row is None else row[0]
        if data is None:  # unknown or expired: Django's store then starts a fresh session
            self._session_key = None
            return None
        return LoginSession(session_key=key, session_data=data)


def user_pk(value: Any) -> Any:
    """The user model's primary key from a session's stored id, or None if it is not one."""
    if value is None:
        return None
    try:
        return get_user_model()._meta.pk.to_python(value)
    except ValidationError:
        return None


class LoginBackend(ModelBackend):
    """Django's ``ModelBackend``; only the per-request read of the logged-in user is plain SQL."""

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        model = get_user_model()
        pk = user_pk(user_id)
        if pk is None:
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
_preloaded_session: ContextVar[tuple[str, str | None] | None] = ContextVar(
    "preloaded_session", default=None
)


@contextlib.contextmanager
def preloaded_session(key: str, data: str | None) -> Iterator[None]:
    """Within the block, loading the session ``key`` takes ``data`` (its stored, signed data as
    read by the caller's own query; None: no such unexpired session) instead of reading it.
    Django decodes and checks the data as ever; a different key is read as usual."""
    token = _preloaded_session.set((key, data))
    try:
        yield
    finally:
        _preloaded_session.reset(token)


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
        "session": f"SELECT session_data FROM {q(LoginSession._meta.db_table)} "
        "WHERE session_key = %s AND expire_date > %s",
        "user": f"SELECT {user_columns('u')} FROM {q(user.db_table)} u "
        f"WHERE u.{q(user.pk.column)} = %s",
    }
