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
