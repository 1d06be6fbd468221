from django.db import migrations

from communard.web.core.writeonce import fixed, guards, settled, write_once

TENURE = ("began_at", "source", "member", "council")
KEPT = ("DELETE", "TRUNCATE")  # a tenure is history: never deleted, ended or not


class Migration(migrations.Migration):
    """The database refuses to rewrite who held a seat or an office: a tenure's start, source,
    holder and council never change, an ended tenure never changes at all, and no tenure is
    deleted. Ending a current tenure (setting ``ended_at``) is the one change left."""

    dependencies = [
        ("core", "0002_write_once_function"),
        ("councils", "0003_office_holder"),
    ]

    operations = [
        guards(
            fixed("councils.Delegate", "tenure_fixed", (*TENURE, "constituency"),
                  "a mandate's holder, seat and start never change"),
            settled("councils.Delegate", "ended_at", "an ended mandate never changes",
                    events=["UPDATE"]),
            write_once("councils.Delegate", "mandates are history", events=KEPT),
            fixed("councils.OfficeHolder", "tenure_fixed", (*TENURE, "office"),
                  "an office's holder and start never change"),
            settled("councils.OfficeHolder", "ended_at", "an ended tenure never changes",
                    events=["UPDATE"]),
            write_once("councils.OfficeHolder", "office tenures are history", events=KEPT),
        )
    ]
