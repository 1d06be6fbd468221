from django.db import migrations

from communard.web.core.statistics import without_statistics


class Migration(migrations.Migration):
    """No planner statistics for the record's payloads: nothing filters on them, and analysing
    them was most of autovacuum's ANALYZE work during a poll (core/statistics.py)."""

    dependencies = [("records", "0003_queued_entry")]

    operations = [
        without_statistics("records.Entry", ["data", "leaf_hash"]),
        without_statistics("records.Node", ["hash"]),
        without_statistics("records.Checkpoint", ["note"]),
        without_statistics("records.QueuedEntry", ["body"]),
    ]
