from django.db import migrations

from communard.web.core.writeonce import fixed, guards, settled

# A standing candidate's number is the published ballot box's name for them: once the roll is
# frozen (and the candidates numbered, in the same transaction), a ballot's "1" must go on
# meaning the same member. Their statement stays editable: it is not in the box.
STANDING = ("election", "member", "number", "accepted", "platform")


class Migration(migrations.Migration):
    """The database refuses to change or remove a candidate of an election whose roll is frozen
    (docs/record/write-once.md)."""

    dependencies = [
        ("core", "0003_write_once_if_settled"),
        ("elections", "0004_write_once_guards"),
    ]

    operations = [
        guards(
            fixed("elections.Candidate", "standing_fixed", STANDING,
                  "a candidate stands as numbered once the roll is frozen",
                  once="election.roll_frozen_at"),
            settled("elections.Candidate", "election.roll_frozen_at",
                    "a candidate stands once the roll is frozen", events=["DELETE"]),
        )
    ]
