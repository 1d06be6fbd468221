"""The elections audit: each election's row, result and ballot box against its entries.

An election that voted in a poll (every election since issue 15) is checked against its poll:
the poll must be the election's own (purpose "election", subject "election:<id>", the same
federation), and ``election.closed`` must say what the poll's result says. The poll's box is
recounted by the polls audit (``polls/audit.py``), not twice. An election closed before then
has its result and box in the elections' own tables and is recounted here.

It finds what issue 13 saw an operator do with SQL: a poll re-timed after it was called, a
closed election re-opened (``closed_at`` cleared), its ballots rewritten and counted again (a
second ``election.closed``), and a result row that is not what the record counted or what a
recount of the stored box gives.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from communard.record import kinds as K
from communard.web.elections.actions import box_inputs, tally
from communard.web.elections.models import Election, Result
from communard.web.polls.models import Result as PollResult
from communard.web.records.audit import Divergence, audit, entries, memo, same_instant

#: The fields of ``election.called`` that the row keeps, as the row's value is written there.
_CALLED = {
    "kind": lambda e: e.kind,
    "constituency": lambda e: e.constituency.key,
    "council": lambda e: e.council.key,
    "office": lambda e: e.office,
    "seats": lambda e: e.seats,
    "method": lambda e: e.method,
    "nominations_open_at": lambda e: e.nominations_open_at,
    "poll_opens_at": lambda e: e.poll_opens_at,
    "poll_closes_at": lambda e: e.poll_closes_at,
    "roll_cutoff": lambda e: e.roll_cutoff.isoformat(),
    "fills_vacancy_of": lambda e: e.fills_vacancy_of_id,
}
#: The moments among them: compared with the entry's text as instants (``same_instant``).
_MOMENTS = ("nominations_open_at", "poll_opens_at", "poll_closes_at")
#: ``election.closed`` fields and the result's column holding each.
_CLOSED = {"ballots": "ballots", "marks": "marks", "box_sha256": "box_sha256", "seed": "seed",
           "winners": "winners"}


def _by_election(kind: K.Kind[Any]) -> dict[tuple[str, int], list[tuple[int, dict[str, Any]]]]:
    found: dict[tuple[str, int], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, _, body in entries(kind):
        found[(str(body.get("federation")), body.get("election"))].append((index, body))
    return found


def _called(election: Election, row: str, called: list[tuple[int, dict[str, Any]]]
            ) -> Iterator[Divergence]:
    if not called:
        yield Divergence("elections_election", row, "an election no election.called entry called")
        return
    index, body = called[0]
    for field, value_of in _CALLED.items():
        if field not in body:
            continue
        value = value_of(election)
        same = (same_instant(body[field], value) if field in _MOMENTS
                else body[field] == value)
        if not same:
            shown = value.isoformat() if field in _MOMENTS else value
            yield Divergence("elections_election", row,
                             f"{field} is {shown!r}; it was called with {body[field]!r}", index)


def _closed(election: Election, row: str, closed: list[tuple[int, dict[str, Any]]],
            result: Result | PollResult | None) -> Iterator[Divergence]:
    if len(closed) > 1:
        yield Divergence("elections_election", row,
                         f"closed {len(closed)} times on the record; a result is never "
                         "superseded by counting again", closed[1][0])
    if closed and election.closed_at is None:
        yield Divergence("elections_election", row,
                         "re-opened: the record closed it but closed_at is empty", closed[0][0])
    if not closed:
        if election.closed_at is not None:
            yield Divergence("elections_election", row,
                             "closed with no election.closed entry")
        if result is not None:
            yield Divergence("elections_result", f"election={election.pk}",
                             "a result no election.closed entry recorded")
        return
    index, body = closed[0]
    if result is None:
        yield Divergence("elections_result", f"election={election.pk}",
                         "the record closed it but there is no result row", index)
        return
    if isinstance(result, PollResult):
        yield from _as_polled(election, body, index, result)
        return
    for field, column in _CLOSED.items():
        if field in body and body[field] != getattr(result, column):
            yield Divergence("elections_result", f"election={election.pk}",
                             f"{column} is {getattr(result, column)!r}; the record counted "
                             f"{body[field]!r}", index)
    yield from _recount(election, body, index)


def _as_polled(election: Election, body: dict[str, Any], index: int, result: PollResult
               ) -> Iterator[Divergence]:
    """``election.closed`` against the poll's result (which the polls audit recounts)."""
    held = {"ballots": result.ballots, "marks": result.marks, "box_sha256": result.box_sha256,
            "seed": result.seed, "winners": list(result.winners) if result.passed else []}
    for field, value in held.items():
        if field in body and body[field] != value:
            yield Divergence("polls_result", f"poll={result.poll_id}",
                             f"{field} is {value!r}; the record closed election "
                             f"{election.pk} with {body[field]!r}", index)


def _poll_link(election: Election, row: str) -> Iterator[Divergence]:
    poll = election.poll
    if poll is None:
        return
    expected = ("election", f"election:{election.pk}", election.federation_id)
    if (poll.purpose, poll.subject, poll.federation_id) != expected:
        yield Divergence("elections_election", row,
                         f"votes in poll {poll.pk} ({poll.purpose} {poll.subject!r}), which is "
                         "not this election's poll")


def _recount(election: Election, body: dict[str, Any], index: int) -> Iterator[Divergence]:
    """Rebuild the published box from the stored ballots and count it again, as the close did.

    A box whose every input (title, seats, method, candidates, rankings in order) is what an
    earlier run of an incremental audit rebuilt and recounted to this entry's hash and winners
    is not counted again: the count is a function of those inputs (``memo``; a full run has
    none and recounts every box)."""
    inputs = box_inputs(election)
    candidates, rankings = inputs
    digest = hashlib.sha256(json.dumps(
        [election.title, election.seats, election.method,
         [(c.number, c.member_id, c.member.name) for c in candidates], rankings]
    ).encode()).hexdigest()  # the rankings as stored text: hashed, not parsed
    known = memo()
    checked = [digest, body.get("box_sha256"), body.get("winners")]
    if known.get(f"elections.recounted:{election.pk}") == checked:
        return
    recount = tally(election, inputs)
    if recount.box_sha256 != body.get("box_sha256"):
        yield Divergence("elections_ballot", f"election={election.pk}",
                         f"the box rebuilt from the {len(recount.ballots)} stored ballots and "
                         f"their candidates hashes to {recount.box_sha256[:16]}…, the record "
                         f"counted {str(body.get('box_sha256'))[:16]}…", index)
    elif recount.winners != body.get("winners"):
        yield Divergence("elections_result", f"election={election.pk}",
                         f"a recount of the box elects {recount.winners}; the record says "
                         f"{body.get('winners')}", index)
    else:
        known[f"elections.recounted:{election.pk}"] = checked


@audit
def audit_elections() -> Iterator[Divergence]:
    called = _by_election(K.ELECTION_CALLED)
    closed = _by_election(K.ELECTION_CLOSED)
    results = {r.election_id: r for r in Result.objects.defer("sheet")}  # one query, not one each
    polled = {r.poll_id: r for r in PollResult.objects.filter(poll__purpose="election")
              .defer("sheet")}
    for election in Election.objects.select_related(
        "federation", "constituency", "council", "poll"
    ).order_by("pk"):
        key = (election.federation.slug, election.pk)
        row = f"id={election.pk} ({election.title})"
        yield from _called(election, row, called.get(key, []))
        yield from _poll_link(election, row)
        result = (results.get(election.pk) if election.poll_id is None
                  else polled.get(election.poll_id))
        yield from _closed(election, row, closed.get(key, []), result)
