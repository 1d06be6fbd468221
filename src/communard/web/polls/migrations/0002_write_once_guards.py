from django.db import migrations

from communard.web.core.statistics import without_statistics
from communard.web.core.writeonce import fixed, guards, settled, write_once

# What a poll is asked of, of whom and how it is decided never changes once called; the roll's
# size and commitment never change once frozen.
CALLED = ("federation", "electorate", "voters", "purpose", "subject", "question", "method",
          "seats", "secret", "majority", "turnout_floor", "roll_at", "opens_at", "closes_at",
          "title")
ROLL = ("roll_frozen_at", "roll_size", "roll_commitment")


class Migration(migrations.Migration):
    """The database refuses to change what a poll wrote once (docs/record/write-once.md):
    roll entries, marks, ballots, named votes and results are insert-only, a closed poll never
    changes or goes, a poll's terms are fixed at its call and its roll's once frozen, and an
    option's label and number never change."""

    dependencies = [
        ("core", "0002_write_once_function"),
        ("polls", "0001_initial"),
    ]

    operations = [
        guards(
            write_once("polls.Ballot", "ballots are written once"),
            write_once("polls.RollEntry", "a frozen roll is written once"),
            write_once("polls.Mark", "a roll's marks are written once"),
            write_once("polls.NamedVote", "a roll call's votes are written once"),
            write_once("polls.Result", "results are written once"),
            write_once("polls.Option", "a poll's options are fixed when it is called"),
            settled("polls.Poll", "closed_at", "a closed poll never changes"),
            fixed("polls.Poll", "terms_fixed", CALLED, "a poll's terms are fixed when it is called"),
            fixed("polls.Poll", "roll_fixed", ROLL, "a frozen roll's terms never change",
                  once="roll_frozen_at"),
        ),
        # Nothing filters on a ballot's choices (core/statistics.py, as for elections' rankings).
        without_statistics("polls.Ballot", ["choices"]),
    ]
