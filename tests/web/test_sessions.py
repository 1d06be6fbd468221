"""Sessions and logins read with plain SQL (core/sessions.py) keep every rule of Django's own:
expiry, logout, a password change ending other sessions, inactive accounts, forged keys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from communard.constitution.permissions import OperatorActor
from communard.web.accounts.actions import do_set_own_password
from communard.web.core.models import LoginSession
from communard.web.core.sessions import LoginBackend, SessionStore
from tests.web.factories import operator_login

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345-x"


def logged_in(username: str = "ada") -> tuple[Client, User]:
    user = User.objects.filter(username=username).first() or operator_login(username, PASSWORD)
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client, user


def is_logged_in(client: Client) -> bool:
    return client.get("/me/").status_code == 200  # the member's page needs a login


def test_a_login_is_recognised_on_later_requests() -> None:
    client, user = logged_in()
    assert is_logged_in(client)
    store = SessionStore(client.cookies["sessionid"].value)
    assert store.get("_auth_user_id") == str(user.pk)


def test_an_expired_session_is_not_a_login() -> None:
    client, _ = logged_in()
    LoginSession.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert not is_logged_in(client)


def test_logging_out_ends_the_session() -> None:
    client, _ = logged_in()
    key = client.cookies["sessionid"].value
    client.post("/logout/")
    assert not LoginSession.objects.filter(session_key=key).exists()
    stale = Client()
    stale.cookies["sessionid"] = key
    assert not is_logged_in(stale)


def test_a_password_change_ends_the_other_sessions() -> None:
    client, user = logged_in()
    do_set_own_password(user, password="another-pw-987", actor=OperatorActor(user.username))
    assert not is_logged_in(client)


def test_a_session_row_names_its_login_s_user() -> None:
    """``LoginSession.user`` follows the login: set at login, gone with logout, changed when
    someone else logs in with the same browser."""
    client, ada = logged_in("ada")
    assert list(LoginSession.objects.values_list("user_id", flat=True)) == [ada.pk]
    bob = operator_login("bob", PASSWORD)
    assert client.login(username="bob", password=PASSWORD)
    assert list(LoginSession.objects.values_list("user_id", flat=True)) == [bob.pk]
    client.logout()
    assert not LoginSession.objects.filter(user_id__isnull=False).exists()


def test_an_inactive_account_is_not_logged_in() -> None:
    client, user = logged_in()
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert not is_logged_in(client)
    assert LoginBackend().get_user(user.pk) is None


@pytest.mark.parametrize("key", ["", "short", "x" * 40, "'; DROP TABLE django_session; --"])
def test_forged_or_malformed_session_keys_are_anonymous(key: str) -> None:
    logged_in()
    client = Client()
    client.cookies["sessionid"] = key
    assert not is_logged_in(client)
    assert LoginSession.objects.count() == 1


@pytest.mark.parametrize("user_id", ["not-a-number", "999999", ""])
def test_a_session_naming_no_valid_user_is_no_login(user_id: str) -> None:
    assert LoginBackend().get_user(user_id) is None


def test_the_login_backend_loads_the_same_user_as_the_orm() -> None:
    """Every field, with the ORM's conversions (SQLite keeps datetimes as text)."""
    _, user = logged_in()
    loaded = LoginBackend().get_user(str(user.pk))
    orm = User.objects.get(pk=user.pk)
    assert loaded is not None
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(orm, field.attname), field.attname
    assert loaded.last_login is not None and loaded.last_login.tzinfo is not None


def test_rows_become_models_whatever_the_column_order() -> None:
    """`model_from_row` places each value on its field, converted as the ORM would."""
    from communard.web.core.rows import model_from_row

    _, user = logged_in()
    orm = User.objects.get(pk=user.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_login, username, id FROM auth_user WHERE id = %s", [user.pk])
        loaded = model_from_row(User, ["last_login", "username", "id"], cursor.fetchone())
    assert (loaded.pk, loaded.username, loaded.last_login) == (orm.pk, orm.username,
                                                               orm.last_login)
    assert loaded.get_deferred_fields() >= {"password", "email"}


def test_a_preloaded_login_is_used_only_for_its_own_user() -> None:
    """`preloaded_login` spares the query for the user it holds, and only for that one; the
    backend's own checks (an inactive account) still apply to it."""
    from django.test.utils import CaptureQueriesContext

    from communard.web.core.sessions import preloaded_login

    _, ada = logged_in("ada")
    _, bob = logged_in("bob")
    with preloaded_login(ada), CaptureQueriesContext(connection) as queries:
        assert LoginBackend().get_user(str(ada.pk)) is ada
    assert len(queries) == 0
    with preloaded_login(ada), CaptureQueriesContext(connection) as queries:
        found = LoginBackend().get_user(str(bob.pk))
    assert found is not None and found.pk == bob.pk and len(queries) == 1
    ada.is_active = False
    with preloaded_login(ada):
        assert LoginBackend().get_user(str(ada.pk)) is None
