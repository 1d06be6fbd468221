from django.db import migrations

from communard.web.core.writeonce import fixed, guards, write_once


class Migration(migrations.Migration):
    """The database refuses to rewrite membership history: a member's admission date (what
    puts them on a roll), number and federation never change, and membership events are
    insert-only (docs/record/write-once.md)."""

    dependencies = [
        ("core", "0002_write_once_function"),
        ("members", "0002_membershipevent_recorded_at"),
    ]

    operations = [
        guards(
            fixed("members.Member", "admission_fixed", ("admitted_on", "number", "federation"),
                  "a member's admission date, number and federation never change"),
            write_once("members.MembershipEvent", "membership events are written once"),
        )
    ]
