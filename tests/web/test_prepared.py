"""``core.prepared``: the hot queries are prepared once per PostgreSQL connection, and the cursor
behaves as Django's own otherwise (errors, query logging, SQLite)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from communard.web.core.prepared import prepared_cursor
from tests.web.factories import operator_login

pytestmark = pytest.mark.django_db

LOOKUP = "SELECT username FROM auth_user WHERE id = %s"


def prepared_statements() -> list[str]:
    """The statements PostgreSQL holds prepared for this connection (SQLite has no such list:
    it keeps its compiled statements to itself, and there the cursor is Django's own)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_is_prepared_once_and_reused() -> None:
    ada = operator_login("ada", "pw-12345-x")
    for _ in range(3):
        with prepared_cursor() as cursor:
            cursor.execute(LOOKUP, [ada.pk])
            assert cursor.fetchone() == ("ada",)
    held = [s for s in prepared_statements() if "FROM auth_user WHERE id = $1" in s]
    assert len(held) == (1 if connection.vendor == "postgresql" else 0), held


def test_django_s_own_queries_are_not_prepared() -> None:
    """The ORM's text changes with its values; preparing it would only fill the cache."""
    operator_login("ada", "pw-12345-x")
    assert User.objects.get(username="ada").username == "ada"
    assert not [s for s in prepared_statements() if "auth_user" in s]


def test_with_preparing_off_the_statement_still_runs_unprepared() -> None:
    """COMMUNARD_DB_PREPARED=0 (``prepare_threshold`` None): for a pooler that drops them."""
    ada = operator_login("ada", "pw-12345-x")
    connection.ensure_connection()
    raw = connection.connection
    threshold = getattr(raw, "prepare_threshold", None)  # psycopg's; SQLite has none
    if connection.vendor == "postgresql":
        raw.prepare_threshold = None
    try:
        with prepared_cursor() as cursor:
            cursor.execute(LOOKUP, [ada.pk])
            assert cursor.fetchone() == ("ada",)
    finally:
        if connection.vendor == "postgresql":
            raw.prepare_threshold = threshold
    assert not [s for s in prepared_statements() if "auth_user" in s]


def test_errors_are_django_s_and_the_query_is_logged() -> None:
    """Both databases: a unique violation is Django's IntegrityError, the transaction rolls
    back whole, and the statement shows in Django's query log like any other."""
    operator_login("ada", "pw-12345-x")
    sql = "INSERT INTO auth_user (username, password, is_superuser, first_name, last_name, " \
          "email, is_staff, is_active, date_joined) " \
          "SELECT %s, '', false, '', '', '', false, true, CURRENT_TIMESTAMP"
    with (CaptureQueriesContext(connection) as queries, pytest.raises(IntegrityError),
          transaction.atomic(), prepared_cursor() as cursor):
        cursor.execute(sql, ["bob"])
        cursor.execute(sql, ["ada"])
    assert [q["sql"] for q in queries if "INSERT INTO auth_user" in q["sql"]]
    assert not User.objects.filter(username="bob").exists()
    with prepared_cursor() as cursor:  # the connection is usable after the error
        cursor.execute(sql, ["bob"])
    assert User.objects.filter(username="bob").exists()


def test_the_cursor_is_kept_for_its_connection_and_survives_errors() -> None:
    """On PostgreSQL one cursor serves every statement of its connection, also after a
    statement failed; SQLite gets Django's own cursor each time."""
    ada = operator_login("ada", "pw-12345-x")
    sql = "INSERT INTO auth_user (username, password, is_superuser, first_name, last_name, " \
          "email, is_staff, is_active, date_joined) " \
          "SELECT %s, '', false, '', '', '', false, true, CURRENT_TIMESTAMP"
    with prepared_cursor() as first:
        first.execute(LOOKUP, [ada.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(sql, ["ada"])
    with prepared_cursor() as again:
        again.execute(LOOKUP, [ada.pk])
        assert again.fetchone() == ("ada",)
    assert (again is first) == (connection.vendor == "postgresql")


@pytest.mark.django_db(transaction=True)  # closes the connection, which a test transaction forbids
def test_a_new_connection_gets_a_new_cursor() -> None:
    ada = operator_login("ada", "pw-12345-x")
    with prepared_cursor() as before:
        before.execute(LOOKUP, [ada.pk])
    connection.close()
    with prepared_cursor() as after:
        after.execute(LOOKUP, [ada.pk])
        assert after.fetchone() == ("ada",)
    assert after is not before
