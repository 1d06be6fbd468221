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

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def prepared_cursor() -> AbstractContextManager[CursorWrapper]:
    """A cursor whose statements are prepared once per connection (PostgreSQL), used like
    ``connection.cursor()``: ``with prepared_cursor() as cursor``. Statements take ``%s``
    parameters, bound by the server; a parameter whose type the statement leaves open needs a
    cast in the SQL (``%s::jsonb``).

    On PostgreSQL the cursor is kept with its connection and reused by every later call on
    that connection (a new connection gets a new one): making a cursor and looking up the
    thread's connection again were a third of the client's CPU for each hot statement
    (``bench/cast_bench.py``). So fetch a statement's rows inside its ``with`` block: the next
    block on the same connection runs on the same cursor. Logged queries (DEBUG,
    ``CaptureQueriesContext``) get a fresh cursor each time."""
    db = connections[DEFAULT_DB_ALIAS]  # the thread's connection, looked up once
    if db.vendor != "postgresql":
        return db.cursor()
    db.ensure_connection()
    db.validate_thread_sharing()
    if db.queries_logged:
        return _LoggedCursor(_server_binding_cursor(db), db)
    kept: tuple[Any, _KeptCursor] | None = db.__dict__.get(_KEPT)
    if kept is None or kept[0] is not db.connection:
        kept = (db.connection, _KeptCursor(_server_binding_cursor(db), db))
        setattr(db, _KEPT, kept)
    return kept[1]


_KEPT = "_communard_prepared_cursor"  # the connection wrapper's attribute holding the cursor


def _server_binding_cursor(db: Any) -> Any:
    from django.db.backends.postgresql.base import ServerBindingCursor

    with db.wrap_database_errors:
        return ServerBindingCursor(db.connection)


class _KeptCursor(CursorWrapper):
    """Django's cursor wrapper (error translation, thread checks) that stays open when its
    ``with`` block ends, for the next statement on the same connection."""

    def __exit__(self, *exc: object) -> None:
        return None


class _LoggedCursor(CursorDebugWrapper):
    """Django's debug cursor (DEBUG, ``CaptureQueriesContext``), logging each statement with
    its values in place, as Django's client-binding cursors show them: Django's own way of
    finding the server-bound text after the fact gives nothing for a statement that failed."""

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params or ())):
            return CursorWrapper.execute(self, sql, params)
