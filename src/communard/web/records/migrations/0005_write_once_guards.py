from django.db import migrations

from communard.web.core.writeonce import guards, never_smaller, write_once


class Migration(migrations.Migration):
    """The database refuses to change the sealed record: entries, subtree nodes and signed
    checkpoints are insert-only, an opening is never altered (deleting one stays possible: it
    is how a member's personal data is forgotten), and the head's size never goes back. The
    queue stays a queue: sealing deletes the entries it moved into the tree, so only UPDATE of
    a queued entry is refused (docs/record/write-once.md)."""

    dependencies = [
        ("core", "0002_write_once_function"),
        ("records", "0004_no_statistics_for_payloads"),
    ]

    operations = [
        guards(
            write_once("records.Entry", "the record's entries are written once"),
            write_once("records.Node", "the record's tree nodes are written once"),
            write_once("records.Checkpoint", "signed checkpoints are written once"),
            write_once("records.Opening", "an opening never changes", events=["UPDATE"]),
            write_once("records.QueuedEntry", "a queued entry never changes", events=["UPDATE"]),
            never_smaller("records.Head", "size", "the record's tree never shrinks"),
        )
    ]
