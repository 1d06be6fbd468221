import django.db.models.deletion
from django.db import migrations, models

from communard.web.core.writeonce import guards, write_once


class Migration(migrations.Migration):
    """Replacement candidates on a recall ballot (insert-only, as signatures are)."""

    dependencies = [
        ("members", "0003_write_once_guards"),
        ("recalls", "0003_petition_roll"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReplacementCandidate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("stood_at", models.DateTimeField()),
                ("member", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                             related_name="+", to="members.member")),
                ("petition", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                               related_name="replacement_candidates",
                                               to="recalls.petition")),
            ],
            options={
                "ordering": ["pk"],
                "constraints": [models.UniqueConstraint(fields=("petition", "member"),
                                                        name="one_candidacy_each")],
            },
        ),
        guards(write_once("recalls.ReplacementCandidate",
                          "a replacement candidacy is recorded once and never changed")),
    ]
