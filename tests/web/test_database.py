"""The suite really runs on the database it was asked for."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_is_the_one_selected(request: pytest.FixtureRequest) -> None:
    """``--db=postgres`` means a PostgreSQL connection; the default is SQLite."""
    wanted = {"sqlite": "sqlite", "postgres": "postgresql"}[request.config.getoption("--db")]
    assert connection.vendor == wanted
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_postgresql_connections_persist_without_an_age_limit() -> None:
    """A connection that Django closed at an age limit would be reopened by every server thread
    at about the same moment, each preparing its statements again: with CONN_MAX_AGE=60 the cast
    bench's slowest second came once a minute. SQLite's connections are a file opened in
    microseconds: Django's default (a new one per request) stays."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        assert connection.settings_dict["CONN_MAX_AGE"] is None
        assert connection.close_at is None  # Django never closes it for its age
    else:
        assert connection.settings_dict["CONN_MAX_AGE"] == 0
