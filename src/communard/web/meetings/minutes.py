"""Minutes generated from what a meeting put on the record: its call, check-ins, speakers,
motions moved and mandates adopted, in record order, each line with its entry's index (so a
reader can check it against the public log). People appear by name only to those the page
shows names to; the record itself holds commitments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from communard.record import kinds as K
from communard.web.meetings.models import Meeting
from communard.web.records.models import Entry


@dataclass(frozen=True)
class Minute:
    index: int
    at: Any
    text: str


def _line(kind: str, body: dict[str, Any]) -> str:
    if kind == K.MEETING_CALLED.name:
        by = "its chair" if body["by"] == "chair" else f"{body['callers']} of its members"
        return (f"Called by {by}; {body['size']} seats or members, quorum {body['quorum']}; "
                f"agenda: {'; '.join(body['agenda']) or 'none'}.")
    if kind == K.MEETING_REQUESTED.name:
        return f"Asked for by a member; {body['needed']} of {body['size']} needed to call it."
    if kind == K.MEETING_CALL_JOINED.name:
        return "Another member asked for the meeting."
    if kind == K.MEETING_CHECKED_IN.name:
        return "A member checked in."
    if kind == K.MEETING_SPEAKER_ADDED.name:
        return "A member asked to speak."
    if kind == K.MEETING_CLOSED.name:
        return f"Closed with {body['present']} present."
    if kind == K.MOTION_STATE_CHANGED.name:
        present = f" ({body['present']} present)" if body.get("present") is not None else ""
        return f"Motion {body['motion']}: {body['from']} → {body['to']}{present}."
    if kind == K.MANDATE_ADOPTED.name:
        binding = "binding" if body["binding"] else "advisory"
        return f"Mandate on motion {body['motion']}: {body['stance']} ({binding})."
    return kind


def minutes(meeting: Meeting) -> list[Minute]:
    """The meeting's entries, in record order; a motion's steps count when taken at this
    meeting (its ``meeting`` and the time between the call and the close)."""
    names = [t for k in K.MEETINGS_KINDS for t in K.tags(k.name)]
    own = Entry.objects.filter(kind__in=names, body__meeting=meeting.pk,
                               body__federation=meeting.federation.slug)
    motion_ids = list(meeting.motions.values_list("pk", flat=True))
    steps = Entry.objects.filter(kind__in=K.tags(K.MOTION_STATE_CHANGED.name),
                                 body__motion__in=motion_ids,
                                 body__federation=meeting.federation.slug)
    if meeting.called_at is not None:
        steps = steps.filter(at__gte=meeting.called_at)
    if meeting.closed_at is not None:
        steps = steps.filter(at__lte=meeting.closed_at)
    rows = sorted({e.index: e for e in [*own, *steps]}.values(), key=lambda e: e.index)
    # Each line from the entry's hashed JSON, not the queryable copy of its body, which SQL
    # could change without touching the log.
    return [Minute(e.index, e.at, _line(K.kind_of(e.kind).name, e.parsed()["body"]))
            for e in rows]
