from django.db import migrations

from communard.web.core.writeonce import PG_PARENT_FUNCTION, pg_function


class Migration(migrations.Migration):
    """PostgreSQL: the trigger function of guards settled by another row (a candidate, once its
    election's roll is frozen), which a trigger's WHEN cannot read (core/writeonce.py)."""

    dependencies = [("core", "0002_write_once_function")]

    operations = [pg_function(PG_PARENT_FUNCTION)]
