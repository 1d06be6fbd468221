from django.db import migrations

from communard.web.core.writeonce import fixed, guards, settled, write_once


class Migration(migrations.Migration):
    """The database refuses to rewrite what a body said and decided (docs/meetings.md):
    attendance, calls, the agenda, support, amendments, mandates and the steps of a motion's
    history are insert-only; a motion's text, mover, council and origin never change; a
    meeting's body, size and quorum never change, nor its call once made, and a closed meeting
    does not change at all."""

    dependencies = [
        ("core", "0002_write_once_function"),
        ("meetings", "0001_initial"),
    ]

    operations = [
        guards(
            write_once("meetings.AgendaItem", "a meeting's agenda is written once"),
            write_once("meetings.MeetingCaller", "who asked for a meeting is written once"),
            write_once("meetings.Attendance", "attendance is written once"),
            write_once("meetings.Speaker", "the list of speakers is written once"),
            write_once("meetings.MotionSupport", "support for a motion is written once"),
            write_once("meetings.MotionStep", "a motion's history is written once"),
            write_once("meetings.Amendment", "amendments are written once"),
            write_once("meetings.Mandate", "mandates are written once"),
            fixed("meetings.Motion", "text_fixed",
                  ("federation", "council", "title", "text", "reasons", "mover",
                   "forwarded_from", "submitted_at"),
                  "a motion's text, mover, council and origin never change"),
            fixed("meetings.Meeting", "body_fixed",
                  ("federation", "council", "size", "call_needed", "quorum", "requested_at"),
                  "a meeting's body, size and quorum never change"),
            fixed("meetings.Meeting", "call_fixed", ("called_at", "called_by", "starts_at",
                                                      "title"),
                  "a meeting's call never changes once made", once="called_at"),
            settled("meetings.Meeting", "closed_at", "a closed meeting never changes",
                    events=("UPDATE",)),
            write_once("meetings.Motion", "motions are never deleted", events=("DELETE",
                                                                               "TRUNCATE")),
            write_once("meetings.Meeting", "meetings are never deleted", events=("DELETE",
                                                                                 "TRUNCATE")),
        )
    ]
