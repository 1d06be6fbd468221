"""The polls audit (``communard verify``): each poll's row, options, result and ballot box
against its ``poll.called`` and ``poll.closed`` entries, as the elections audit does for
elections. It finds a poll re-timed or re-worded after its call, a closed poll re-opened or
counted twice, and a result that is not what the record counted or what a recount of the stored
box gives.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection

from communard.record import kinds as K
from communard.web.polls.box import tally
from communard.web.polls.models import Ballot, Poll, Result
from communard.web.records.audit import Divergence, audit, entries, memo, same_instant

_POLL, _RESULT, _BALLOT = "polls_poll", "polls_result", "polls_ballot"

#: The fields of ``poll.called`` the row keeps, as the entry writes them.
def _column(name: str) -> Callable[[Poll], Any]:
    return lambda p: getattr(p, name)


_MOMENTS = ("opens_at", "closes_at", "roll_at")


def _moment(name: str) -> Callable[[Poll], Any]:
    return lambda p: getattr(p, name).isoformat()


_CALLED: dict[str, Callable[[Poll], Any]] = {
    "electorate": lambda p: p.electorate.key,
    **{f: _column(f) for f in ("voters", "purpose", "subject", "title", "question", "method",
                               "seats", "secret", "majority", "turnout_floor")},
    **{f: _moment(f) for f in _MOMENTS},
    "options": lambda p: list(p.options.order_by("number").values_list("label", flat=True)),
    "roll_day": lambda p: None if p.roll_day is None else p.roll_day.isoformat(),  # version 2
}
_CLOSED = {"ballots": "ballots", "marks": "marks", "box_sha256": "box_sha256", "seed": "seed",
           "winners": "winners", "passed": "passed"}


def _same(field: str, recorded: Any, stored: Any) -> bool:
    """Whether the row keeps what the entry recorded; a moment is compared as an instant, so a
    poll called with times in the federation's zone is not reported as re-timed."""
    if field in _MOMENTS and isinstance(recorded, str):
        return same_instant(recorded, stored)
    return bool(recorded == stored)


def _by_poll(kind: K.Kind[Any]) -> dict[tuple[str, int], list[tuple[int, dict[str, Any]]]]:
    found: dict[tuple[str, int], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, _, body in entries(kind):
        found[(str(body.get("federation")), body.get("poll"))].append((index, body))
    return found


def _called(poll: Poll, row: str, called: list[tuple[int, dict[str, Any]]]
            ) -> Iterator[Divergence]:
    if not called:
        yield Divergence(_POLL, row, "a poll no poll.called entry called")
        return
    index, body = called[0]
    for field, value_of in _CALLED.items():
        if field in body and not _same(field, body[field], value_of(poll)):
            yield Divergence(_POLL, row, f"{field} is {value_of(poll)!r}; it was called with "
                             f"{body[field]!r}", index)


def _closed(poll: Poll, row: str, closed: list[tuple[int, dict[str, Any]]]
            ) -> Iterator[Divergence]:
    result = Result.objects.filter(poll=poll).first()
    if len(closed) > 1:
        yield Divergence(_POLL, row, f"closed {len(closed)} times on the record; a result is "
                         "never superseded by counting again", closed[1][0])
    if not closed:
        if poll.closed_at is not None:
            yield Divergence(_POLL, row, "closed with no poll.closed entry")
        if result is not None:
            yield Divergence(_RESULT, f"poll={poll.pk}", "a result no poll.closed entry recorded")
        return
    index, body = closed[0]
    if poll.closed_at is None:
        yield Divergence(_POLL, row, "re-opened: the record closed it but closed_at is empty",
                         index)
    if result is None:
        yield Divergence(_RESULT, f"poll={poll.pk}", "the record closed it but there is no "
                         "result row", index)
        return
    for field, column in _CLOSED.items():
        if field in body and body[field] != getattr(result, column):
            yield Divergence(_RESULT, f"poll={poll.pk}", f"{column} is "
                             f"{getattr(result, column)!r}; the record counted {body[field]!r}",
                             index)
    # A box whose every input is what an earlier run of an incremental audit recounted to this
    # entry's hash and winners is not counted again (a full run keeps no memo and recounts).
    known = memo()
    checked = [_box_inputs_digest(poll), body.get("box_sha256"), body.get("winners")]
    if known.get(f"polls.recounted:{poll.pk}") == checked:
        return
    recount = tally(poll)
    if recount.box_sha256 == body.get("box_sha256") and recount.winners == body.get("winners"):
        known[f"polls.recounted:{poll.pk}"] = checked
    if recount.box_sha256 != body.get("box_sha256"):
        yield Divergence(_BALLOT, f"poll={poll.pk}", f"the box rebuilt from the "
                         f"{recount.ballots} stored ballots hashes to {recount.box_sha256[:16]}…, "
                         f"the record counted {str(body.get('box_sha256'))[:16]}…", index)
    elif recount.winners != body.get("winners"):
        yield Divergence(_RESULT, f"poll={poll.pk}", f"a recount of the box chooses "
                         f"{recount.winners}; the record says {body.get('winners')}", index)


def _box_inputs_digest(poll: Poll) -> str:
    """A digest of everything the recount reads (title, seats, method, options, each stored
    ballot's code and choices), from the stored text: no row is parsed or made an object, so
    checking that a box is unchanged costs a fraction of recounting it. The digest is compared
    only with one made by an earlier run on the same database (the auditor's state file)."""
    labels = list(poll.options.order_by("number").values_list("label", flat=True))
    digest = hashlib.sha256(json.dumps(
        [poll.title, poll.seats, poll.method, labels]).encode())
    choices = "choices::text" if connection.vendor == "postgresql" else "choices"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tracking_code, {choices} FROM {Ballot._meta.db_table} "
                       "WHERE poll_id = %s", [poll.pk])
        for code, text in sorted(cursor.fetchall()):
            digest.update(f"{code}\0{text}\n".encode())
    return digest.hexdigest()


@audit
def audit_polls() -> Iterator[Divergence]:
    called, closed = _by_poll(K.POLL_CALLED), _by_poll(K.POLL_CLOSED)
    for poll in Poll.objects.select_related("federation", "electorate").order_by("pk"):
        key = (poll.federation.slug, poll.pk)
        row = f"id={poll.pk} ({poll.title})"
        yield from _called(poll, row, called.get(key, []))
        yield from _closed(poll, row, closed.get(key, []))
