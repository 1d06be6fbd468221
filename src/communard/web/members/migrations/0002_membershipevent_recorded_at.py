"""Membership changes carry the time they were recorded. Changes made before this existed are
taken as recorded at the start of the day they claim, which is how rolls counted them so far."""

import datetime as dt

from django.db import migrations, models


def claimed_day(apps, schema_editor):  # type: ignore[no-untyped-def]
    event = apps.get_model("members", "MembershipEvent")
    batch = []
    for row in event.objects.filter(recorded_at__isnull=True).only("id", "on").iterator():
        row.recorded_at = dt.datetime.combine(row.on, dt.time(), tzinfo=dt.UTC)
        batch.append(row)
        if len(batch) >= 2000:
            event.objects.bulk_update(batch, ["recorded_at"])
            batch = []
    event.objects.bulk_update(batch, ["recorded_at"])


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="membershipevent",
            name="recorded_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(claimed_day, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="membershipevent",
            name="recorded_at",
            field=models.DateTimeField(),
        ),
    ]
