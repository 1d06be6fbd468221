"""What the poll actions share: the record's reference to a poll, and reading it locked."""

from __future__ import annotations

import json
from typing import Any

from communard.record import kinds
from communard.web.polls.models import Poll
from communard.web.records.models import Entry, QueuedEntry


def ref(poll: Poll) -> dict[str, Any]:
    return {"federation": poll.federation.slug, "poll": poll.pk}


def locked(poll: Poll | int) -> Poll:
    """The poll's row, locked for the rest of the transaction and read afresh."""
    pk = poll if isinstance(poll, int) else poll.pk
    return (
        Poll.objects.select_for_update()
        .select_related("federation", "electorate", "electorate__federation")
        .get(pk=pk)
    )


def on_record(kind: kinds.Kind[Any], poll: Poll) -> str | None:
    """Which entry, sealed or queued, says ``kind`` happened to the poll: a row changed behind
    the record's back (clearing ``closed_at``) never makes a once-only step happen twice."""
    return recorded_where(kind, poll.federation.slug, "poll", poll.pk)


def recorded_where(kind: kinds.Kind[Any], federation: str, key: str, pk: int) -> str | None:
    """Which entry of ``kind`` (any version), sealed or still queued, has ``federation`` and
    ``key`` = ``pk`` in its body ("entry #12", "a queued entry"), or None."""
    stored = kinds.tags(kind.name)
    index = (
        Entry.objects.filter(kind__in=stored, body__federation=federation, **{f"body__{key}": pk})
        .values_list("index", flat=True)
        .first()
    )
    if index is not None:
        return f"entry #{index}"
    for body in QueuedEntry.objects.filter(kind__in=stored).values_list("body", flat=True):
        data = json.loads(body)
        if data.get("federation") == federation and data.get(key) == pk:
            return "a queued entry"
    return None


def recorded_count(kind: kinds.Kind[Any], poll: Poll) -> int:
    """How many entries of ``kind`` (any version), sealed or still queued, name the poll."""
    stored = kinds.tags(kind.name)
    federation = poll.federation.slug
    sealed = Entry.objects.filter(kind__in=stored, body__federation=federation,
                                  body__poll=poll.pk).count()
    queued = 0
    for body in QueuedEntry.objects.filter(kind__in=stored).values_list("body", flat=True):
        data = json.loads(body)
        queued += data.get("federation") == federation and data.get("poll") == poll.pk
    return sealed + queued
