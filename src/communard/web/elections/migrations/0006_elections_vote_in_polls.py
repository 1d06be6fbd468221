from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from communard.web.core.writeonce import fixed, guards, write_once

# Elections vote in polls from here on (issue 15): the elections' own roll, marks, ballots and
# results keep what elections closed before hold, and take no new rows.
LEGACY = "elections vote in polls now; this table keeps only the votes held before"


def refuse_open_polls(apps: Any, schema_editor: Any) -> None:
    Election = apps.get_model("elections", "Election")
    open_ = list(Election.objects.filter(roll_frozen_at__isnull=False, closed_at__isnull=True)
                 .values_list("pk", "title"))
    if open_:
        names = "; ".join(f"election {pk} ({title})" for pk, title in open_)
        raise RuntimeError(
            f"cannot upgrade while an election's poll is open in the old tables: {names}. "
            "Let it close (communard tick) with the version that opened it, then upgrade.")


class Migration(migrations.Migration):
    """An election's vote is a poll (``Election.poll``, fixed once set); the elections' own
    vote tables become read-only: the database refuses new rows in them (docs/elections.md).

    An election whose poll is open in those tables (its roll frozen, not yet closed) could
    neither take its remaining ballots nor be counted: the migration refuses to run then, and
    says which, rather than strand it. Upgrade between elections (docs/elections.md)."""

    dependencies = [
        ("elections", "0005_candidates_fixed"),
        ("polls", "0007_poll_roll_day"),
    ]

    operations = [
        migrations.RunPython(refuse_open_polls, migrations.RunPython.noop),
        migrations.AddField(
            model_name="election",
            name="poll",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="polls.poll"),
        ),
        migrations.AlterField(  # the accessor's name only: nothing changes in the database
            model_name="result",
            name="election",
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                       related_name="legacy_result", to="elections.election"),
        ),
        guards(
            fixed("elections.Election", "poll_fixed", ["poll"],
                  "an election votes in one poll", once="poll"),
            *(write_once(model, LEGACY, events=["INSERT"]) for model in (
                "elections.RollEntry", "elections.Mark", "elections.Ballot", "elections.Result")),
        ),
    ]
