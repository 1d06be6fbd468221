import django.db.models.deletion
from django.db import migrations, models

from communard.web.core.writeonce import guards, write_once


class Migration(migrations.Migration):
    """Teller keys become insert-only (issue 16): a member may register several over time (a
    new row each, the newest counts), and no row is ever changed or deleted, by the
    application or by plain SQL. Before this a shell could empty the table before a poll's
    opening and the poll opened unsealed; ``communard verify`` now also audits the table
    against the ``teller.key_registered`` entries (web/polls/teller_key_audit.py)."""

    dependencies = [
        ("polls", "0003_sealing"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tellerkey",
            name="member",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                    related_name="teller_keys", to="members.member"),
        ),
        guards(
            write_once("polls.TellerKey", "a teller's key is registered once; a newer one is "
                       "a new row"),
        ),
    ]
