from django.db import migrations

from communard.web.core.writeonce import pg_function


class Migration(migrations.Migration):
    """PostgreSQL: the trigger function every write-once guard calls (core/writeonce.py). The
    apps' guard migrations depend on this one. SQLite's triggers need no function."""

    dependencies = [("core", "0001_login_session")]

    operations = [pg_function()]
