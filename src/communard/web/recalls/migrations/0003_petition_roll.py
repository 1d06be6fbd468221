import django.db.models.deletion
from django.db import migrations, models

from communard.web.core.writeonce import guards, write_once


def freeze_rolls_of_live_petitions(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Petitions filed before the roll table existed get their roll now, replayed as signing
    replayed it then: the constituency by the record's time at the filing."""
    from communard.web.councils.models import Council
    from communard.web.recalls.facts import roll_at

    Petition = apps.get_model("recalls", "Petition")
    RollMember = apps.get_model("recalls", "RollMember")
    for petition in Petition.objects.filter(ended_at__isnull=True):
        members = roll_at(Council.objects.get(pk=petition.constituency_id), petition.filed_at)
        RollMember.objects.bulk_create(
            (RollMember(petition_id=petition.pk, member_id=m) for m in sorted(members)),
            batch_size=5000)


class Migration(migrations.Migration):
    """Each petition's roll, frozen at the filing into a table of its own (insert-only)."""

    dependencies = [
        ("members", "0003_write_once_guards"),
        ("recalls", "0002_write_once_guards"),
    ]

    operations = [
        migrations.CreateModel(
            name="RollMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("member", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                             related_name="+", to="members.member")),
                ("petition", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                               related_name="roll_rows",
                                               to="recalls.petition")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("petition", "member"),
                                                        name="one_roll_place_each")],
            },
        ),
        migrations.RunPython(freeze_rolls_of_live_petitions, migrations.RunPython.noop),
        guards(write_once("recalls.RollMember", "a petition's roll is frozen at its filing")),
    ]
