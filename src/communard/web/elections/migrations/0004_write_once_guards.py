from django.db import migrations

from communard.web.core.writeonce import fixed, guards, settled, write_once

# Once the roll is frozen, what it was frozen for and from never changes: who votes (the
# constituency and the cut-off), the roll's size and commitment, the candidates standing, and
# the seats and method the count will use.
ROLL = (
    "roll_frozen_at", "roll_size", "roll_commitment", "candidates_standing", "roll_cutoff",
    "constituency", "council", "kind", "office", "seats", "method",
)


class Migration(migrations.Migration):
    """The database refuses to change what an election wrote once: ballots, roll entries,
    marks and results are insert-only, a closed election never changes or goes, and a frozen
    roll's terms stay as frozen (docs/record/write-once.md)."""

    dependencies = [
        ("core", "0002_write_once_function"),
        ("elections", "0003_no_statistics_for_rankings"),
    ]

    operations = [
        guards(
            write_once("elections.Ballot", "ballots are written once"),
            write_once("elections.RollEntry", "a frozen roll is written once"),
            write_once("elections.Mark", "a roll's marks are written once"),
            write_once("elections.Result", "results are written once"),
            settled("elections.Election", "closed_at", "a closed election never changes"),
            fixed("elections.Election", "roll_fixed", ROLL,
                  "a frozen roll's terms never change", once="roll_frozen_at"),
        )
    ]
