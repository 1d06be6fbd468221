"""The early closes' audit (``communard verify``, issue 17): a poll whose ``closed_at`` is
before its calendar's end was closed early on the record, by a ``poll.closed_early`` entry that
comes before its ``poll.closed`` and names the same instant. A close moved earlier with plain
SQL (to stop a count when it suited someone) has no such entry and is named."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from communard.record import kinds as K
from communard.web.polls.models import Poll
from communard.web.records.audit import Divergence, audit, entries, same_instant

_POLL = "polls_poll"


def _first_by_poll(kind: K.Kind[Any]) -> dict[tuple[str, int], tuple[int, dict[str, Any]]]:
    found: dict[tuple[str, int], tuple[int, dict[str, Any]]] = {}
    for index, _, body in entries(kind):
        found.setdefault((str(body.get("federation")), body.get("poll")), (index, body))
    return found


@audit
def audit_early_closes() -> Iterator[Divergence]:
    early, closed = _first_by_poll(K.POLL_CLOSED_EARLY), _first_by_poll(K.POLL_CLOSED)
    polls = (Poll.objects.select_related("federation").filter(closed_at__isnull=False)
             .order_by("pk"))
    for poll in polls:
        assert poll.closed_at is not None
        key = (poll.federation.slug, poll.pk)
        row = f"id={poll.pk} ({poll.title})"
        found = early.get(key)
        if poll.closed_at < poll.closes_at and found is None:
            yield Divergence(_POLL, row, f"closed at {poll.closed_at.isoformat()}, before its "
                             f"calendar's end {poll.closes_at.isoformat()}, with no "
                             "poll.closed_early entry")
            continue
        if found is None:
            continue
        index, body = found
        if not same_instant(body.get("at"), poll.closed_at):
            yield Divergence(_POLL, row, f"closed at {poll.closed_at.isoformat()}; the record "
                             f"closed it early at {body.get('at')}", index)
        count = closed.get(key)
        if count is not None and count[0] < index:
            yield Divergence(_POLL, row, "its early close is recorded after its count", index)
        if body.get("reason") == "all-voted" and body.get("marks") != body.get("voters"):
            yield Divergence(_POLL, row, f"closed by the clock as all voted with "
                             f"{body.get('marks')} of {body.get('voters')} marks", index)
