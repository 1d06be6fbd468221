from django.db import migrations

from communard.web.core.writeonce import fixed, guards, settled, write_once

# What a petition was filed with never changes: against whom, by whom, why, when, and the roll
# and threshold frozen at filing (a lowered threshold would recall on fewer signatures).
TERMS = ("federation", "delegate", "office_holder", "constituency", "grounds", "opened_by",
         "filed_at", "deadline", "roll_size", "threshold")


class Migration(migrations.Migration):
    """The database refuses to rewrite a petition's history: its terms are fixed, an ended
    petition never changes, none is deleted, and signatures and withdrawals are insert-only
    (docs/record/write-once.md)."""

    dependencies = [
        ("core", "0002_write_once_function"),
        ("recalls", "0001_initial"),
    ]

    operations = [
        guards(
            fixed("recalls.Petition", "terms_fixed", TERMS, "a petition's terms never change"),
            settled("recalls.Petition", "ended_at", "an ended petition never changes",
                    events=["UPDATE"]),
            write_once("recalls.Petition", "petitions are history", events=("DELETE", "TRUNCATE")),
            write_once("recalls.Signature", "signatures are written once"),
            write_once("recalls.Withdrawal", "withdrawals are written once"),
        )
    ]
