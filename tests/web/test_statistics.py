"""``core.statistics``: the wide payloads no query filters on get no planner statistics on
PostgreSQL, so autovacuum's frequent ANALYZE of the ballot and record tables during a poll skips
them; every other column keeps its statistics. On SQLite the migration step does nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from communard.web.core.statistics import without_statistics
from communard.web.members.models import Member
from communard.web.records import services as record
from tests.web.elections_helpers import NOW, cast_ballot, open_election
from tests.web.factories import small_federation

pytestmark = pytest.mark.django_db

# (table, columns without statistics, a column that keeps them)
PAYLOADS = [
    ("polls_ballot", {"choices"}, "poll_id"),  # an election's ballots are its poll's
    ("records_entry", {"data", "leaf_hash"}, "kind"),
    ("records_node", {"hash"}, "level"),
    ("records_checkpoint", {"note"}, "size"),
]


def analysed_columns(table: str) -> set[str]:
    """ANALYZE the table now and return the columns PostgreSQL keeps statistics for."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        cursor.execute("SELECT attname FROM pg_stats WHERE tablename = %s", [table])
        return {name for (name,) in cursor.fetchall()}


def test_analyze_skips_the_payloads_and_keeps_the_rest(tmp_path: Path) -> None:
    fed = small_federation(tmp_path, {"w1": 4})
    election = open_election(fed, "w1", ["1", "2"])
    for number, ranking in (("1", [1, 2]), ("2", [2]), ("3", [2, 1])):
        cast_ballot(election, Member.objects.get(number=number), ranking, now=NOW)
    record.seal()
    if connection.vendor != "postgresql":
        # SQLite has no per-column statistics target: the migration step left it alone, and the
        # tables it names are there and in use.
        with connection.cursor() as cursor:
            for table, _, _ in PAYLOADS:
                cursor.execute(f"SELECT count(*) FROM {table}")
                assert cursor.fetchone()[0] > 0, table
        return
    for table, skipped, kept in PAYLOADS:
        columns = analysed_columns(table)
        assert kept in columns, (table, columns)
        assert not columns & skipped, (table, columns)


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor refuses to run in a transaction
def test_the_step_reverses_to_the_default() -> None:
    """Migrating back restores PostgreSQL's default target; forward again sets it to 0. On
    SQLite both directions run and change nothing."""
    step = without_statistics("elections.Ballot", ["ranking"])

    def target() -> int | None:
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attstattarget FROM pg_attribute "
                "WHERE attrelid = 'elections_ballot'::regclass AND attname = 'ranking'"
            )
            return int(cursor.fetchone()[0])

    expected = (None, None) if connection.vendor != "postgresql" else (-1, 0)
    with connection.schema_editor() as editor:
        step.reverse_code(apps, editor)
    back = target()
    with connection.schema_editor() as editor:
        step.code(apps, editor)
    assert (back, target()) == expected
