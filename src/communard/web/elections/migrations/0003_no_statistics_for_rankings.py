from django.db import migrations

from communard.web.core.statistics import without_statistics


class Migration(migrations.Migration):
    """No planner statistics for a ballot's ranking: nothing filters on it, and analysing it was
    most of autovacuum's ANALYZE work on the ballot table during a poll (core/statistics.py)."""

    dependencies = [("elections", "0002_candidates_standing")]

    operations = [without_statistics("elections.Ballot", ["ranking"])]
