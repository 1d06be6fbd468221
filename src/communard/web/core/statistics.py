"""Columns PostgreSQL's planner needs no statistics for, and the migration step that says so.

Autovacuum analyses a table each time a tenth of it is new, so during a poll it analyses the
ballot and record tables about once a minute. ANALYZE samples up to 30,000 rows and builds
statistics for every column; for the wide payloads that no query filters, joins or sorts on (a
ballot's ranking; an entry's canonical JSON and leaf hash, a node's hash, a checkpoint's signed
note, a queued entry's body) that was most of its work and bought nothing. ``SET STATISTICS 0``
skips those columns; the others keep theirs. bench/cast_bench.py found these analyses in the
seconds whose ballots waited longest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations

DEFAULT_TARGET = -1  # PostgreSQL: use default_statistics_target


def without_statistics(model: str, fields: list[str]) -> migrations.RunPython:
    """A migration operation: no planner statistics for ``fields`` of ``model``
    (``"app_label.Model"``); reversed, the default again. Other databases: nothing to do."""

    def set_target(target: int) -> Callable[[Any, Any], None]:
        def run(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor != "postgresql":
                return
            meta = apps.get_model(model)._meta
            q = schema_editor.quote_name
            columns = ", ".join(
                f"ALTER COLUMN {q(meta.get_field(f).column)} SET STATISTICS {target}"
                for f in fields
            )
            schema_editor.execute(f"ALTER TABLE {q(meta.db_table)} {columns}")

        return run

    return migrations.RunPython(set_target(0), set_target(DEFAULT_TARGET))
