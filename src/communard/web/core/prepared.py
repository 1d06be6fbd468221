"""Prepared statements for the few hot queries, on PostgreSQL.

Django binds parameters on the client by default: every query reaches PostgreSQL as new text, so
the server parses and plans it on every execution. For the casting path that planning was a third
of PostgreSQL's CPU time per ballot (the login read joins five tables and took 0.33 ms to plan
and 0.11 ms to run; bench/cast_bench.py with pg_stat_statements' track_planning).

``prepared_cursor()`` is Django's own cursor (error wrapping, query logging, thread checks) over a
server-binding psycopg cursor. psycopg prepares each statement on the connection the first time
it runs it (``prepare_threshold`` 0, set in ``config.database_settings``) and then only binds and
executes it. Django's ordinary cursors bind on the client and never prepare, so the ORM's
statements, whose text changes with every value, do not fill the connection's cache
(psycopg keeps at most 100 prepared statements per connection).

A server behind a connection pooler in transaction mode that cannot carry prepared statements
turns this off with ``COMMUNARD_DB_PREPARED=0``; the hot queries then run unprepared, as plain
server-bound statements. SQLite caches its compiled statements by itself: there this is Django's
ordinary cursor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor whose statements are prepared once per connection (PostgreSQL), used like
    ``connection.cursor()``. Statements take ``%s`` parameters, bound by the server; a
    parameter whose type the statement leaves open needs a cast in the SQL (``%s::jsonb``)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    # Django's own wrapping, as connection.cursor() does it.
    with (_LoggedCursor if connection.queries_logged else CursorWrapper)(raw, connection) as cursor:
        yield cursor


class _LoggedCursor(CursorDebugWrapper):
    """Django's debug cursor (DEBUG, ``CaptureQueriesContext``), logging each statement with
    its values in place, as Django's client-binding cursors show them: Django's own way of
    finding the server-bound text after the fact gives nothing for a statement that failed."""

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        with self.debug_sql(connection.ops.compose_sql(sql, params or ())):
            return CursorWrapper.execute(self, sql, params)
