"""What an operator with the power to change the schema can do, for tests only.

The application ships no way to lift its write-once guards (``core/writeonce.py``). A database
superuser can (PostgreSQL's ``session_replication_role = replica`` skips ordinary triggers; the
suite's throwaway server runs as a superuser), and so can whoever holds the SQLite file (it
drops the triggers). Tests use this to clean up between tests and to play the operator whom
``communard verify`` must catch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection as default_connection
from django.db import transaction


@contextmanager
def guards_lifted(connection: Any = default_connection) -> Iterator[None]:
    """Inside one transaction: the write-once triggers do not fire (they are back after)."""
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
            else:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE type = 'trigger' AND name LIKE 'communard_%'"
                )
                triggers = cursor.fetchall()
                for name, _ in triggers:
                    cursor.execute(f'DROP TRIGGER "{name}"')
        yield
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = origin")
            else:
                for _, sql in triggers:
                    cursor.execute(sql)


def flushing_with_guards_lifted(flush: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """Django's ``execute_sql_flush`` (which empties every table after a transactional test)
    run with the guards lifted: a test database is emptied the way its superuser would."""

    def execute_sql_flush(ops: Any, sql_list: Any) -> None:
        with guards_lifted(ops.connection):
            flush(ops, sql_list)

    return execute_sql_flush
