"""The rolls and candidacies audit: who could vote, and who stood, against the record.

Issue 13 asks that rolls and candidacies be folds of the record like everything else. Rows
are only ever inserted here (the triggers refuse UPDATE and DELETE), so what an operator can
still do with SQL is *add*: a roll entry for someone who was not on the roll (who can then
vote), or a candidacy nobody made. Three checks find it, each naming the entry:

An election that voted in a poll (issue 15) has one roll, its poll's: the rows read here are the
poll's, and the replay uses the poll's ``roll_at`` (the end of the cut-off day, or the poll's
opening if earlier) with the cut-off day.

* **the roll's rows against its freeze**: ``election.roll_frozen`` records the number of voters
  and the SHA-256 of their membership numbers; the stored roll must give both, and so must the
  election row's ``roll_size``/``roll_commitment``;
* **the roll against the membership record**: the same roll computed afresh from the members'
  histories as the record tells them (``members/replay.py``), by the rule that froze it
  (``constitution.membership.roll``: changes *recorded* by the end of the cut-off day), must
  hash to what was frozen — a roll frozen from rows an operator had changed is found here even
  if its own rows are untouched since. (Members imported before per-member entries cannot be
  replayed one by one; for such a federation this check is skipped, and the members audit
  counts them against their imports instead.)
* **candidacies**: every candidate row was nominated on the record (``candidate.nominated``,
  with its platform), accepted on the record if it says accepted, and numbered on the ballot as
  ``election.roll_frozen`` numbered it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from communard.constitution.membership import end_of_day
from communard.record import kinds as K
from communard.web.councils.models import Council
from communard.web.elections.models import Candidate, Election, RollEntry
from communard.web.members import replay as members
from communard.web.polls.models import RollEntry as PollRollEntry
from communard.web.polls.roll import beneath
from communard.web.polls.roll_memo import forget, new_changes, recomputed, remember, remembered
from communard.web.records.audit import Divergence, audit, entries, openings, shared


def _digest(numbers: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(numbers)).encode()).hexdigest()


def _row(election: Election) -> str:
    return f"election {election.pk} ({election.federation.slug})"


@audit
def audit_rolls_and_candidacies() -> Iterator[Divergence]:
    frozen = {(str(b["federation"]), b["election"]): (i, b)
              for i, _, b in entries(K.ELECTION_ROLL_FROZEN)}
    nominated: dict[tuple[str, int], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    accepted: dict[tuple[str, int], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for kind, into in ((K.CANDIDATE_NOMINATED, nominated), (K.CANDIDATE_ACCEPTED, accepted)):
        for i, _, b in entries(kind):
            into[(str(b["federation"]), b["election"])].append((i, b))
    opened = openings(
        [b["candidate"] for found in (nominated, accepted) for xs in found.values() for _, b in xs]
        + [c["member"] for _, b in frozen.values() for c in b["candidates"]])
    elections = list(Election.objects.select_related("federation", "constituency", "poll"))
    if not elections:
        return
    history = shared("members.replay", members.replay) if frozen else None
    if history is not None:
        new_changes()  # notes, every run, the members' changes this run has seen (roll_memo.py)
    for election in elections:
        key = (election.federation.slug, election.pk)
        yield from _roll(election, frozen.get(key), history)
        yield from _candidacies(election, nominated.get(key, []), accepted.get(key, []),
                                frozen.get(key), opened)


def _roll(election: Election, frozen: tuple[int, dict[str, Any]] | None,
          history: members.Replay | None) -> Iterator[Divergence]:
    if election.poll_id is not None:
        table = "polls_rollentry"
        numbers = list(PollRollEntry.objects.filter(poll_id=election.poll_id)
                       .values_list("member__number", flat=True))
    else:
        table = "elections_rollentry"
        numbers = list(RollEntry.objects.filter(election=election)
                       .values_list("member__number", flat=True))
    if frozen is None:
        if numbers or election.roll_frozen_at is not None:
            yield Divergence(table, _row(election),
                             f"a roll of {len(numbers)} on file that no election.roll_frozen froze")
        return
    index, body = frozen
    held = (len(numbers), _digest(numbers))
    if held != (body["voters"], body["members_sha256"]):
        yield Divergence(table, _row(election),
                         f"the roll on file holds {held[0]} members hashing to {held[1][:16]}…; "
                         f"the record froze {body['voters']} hashing to "
                         f"{body['members_sha256'][:16]}…", index)
    if (election.roll_size, election.roll_commitment) != (body["voters"], body["members_sha256"]):
        yield Divergence("elections_election", _row(election),
                         f"roll_size {election.roll_size} and roll_commitment "
                         f"{election.roll_commitment[:16]}… are not the frozen roll's "
                         f"{body['voters']} and {body['members_sha256'][:16]}…", index)
    if history is None or history.unreplayable[election.federation.slug]:
        return  # members imported as counts only: their roll cannot be recomputed
    # The rows were read and hashed above; only the recomputation from the record is skipped,
    # for rows still hashing to the freeze an earlier run recomputed (polls/roll_memo.py).
    key, facts = f"elections.roll_replayed:{election.pk}", [index, *held, *_inputs(election, body)]
    matches = held == (body["voters"], body["members_sha256"])
    if matches and remembered(key, facts, election.federation.slug,
                              _cutoff_end(election, body)):
        return
    expected = _replayed_roll(election, history, body)
    recomputed["elections"] += 1
    if _digest(expected) == body["members_sha256"]:
        if matches:
            remember(key, facts)
    else:
        forget(key)
        yield Divergence(table, _row(election),
                         f"the members' record gives a roll of {len(expected)} at the cut-off "
                         f"{body['cutoff']}; the roll frozen holds {body['voters']}", index)


def _inputs(election: Election, body: dict[str, Any]) -> list[Any]:
    """What the roll's rule reads from the tables rather than the record (JSON)."""
    councils, below = _councils(election), beneath(election.constituency)
    return [election.federation.slug, election.federation.time_zone,
            _cutoff_end(election, body).isoformat(),
            sorted(k for k, pk in councils.items() if pk in below)]


def _councils(election: Election) -> dict[str, int]:
    return dict(Council.objects.filter(federation=election.federation).values_list("key", "pk"))


def _cutoff_end(election: Election, body: dict[str, Any]) -> dt.datetime:
    if election.poll is not None:  # the poll's cut-off instant (elections/poll.py)
        return election.poll.roll_at
    zone = zoneinfo.ZoneInfo(election.federation.time_zone)
    return end_of_day(dt.date.fromisoformat(body["cutoff"]), zone)


def _replayed_roll(election: Election, history: members.Replay,
                   body: dict[str, Any]) -> list[str]:
    fed = election.federation.slug
    below = beneath(election.constituency)
    # sorted once for every election
    standings, numbers = history.standings(fed, _councils(election))
    cutoff = dt.date.fromisoformat(body["cutoff"])
    on_roll = standings.roll(below, cutoff, _cutoff_end(election, body))
    return [numbers[i - 1] for i in on_roll]  # changes() numbers members from 1, in this order


def _candidacies(election: Election, nominated: list[tuple[int, dict[str, Any]]],
                 accepted: list[tuple[int, dict[str, Any]]],
                 frozen: tuple[int, dict[str, Any]] | None,
                 opened: dict[str, str]) -> Iterator[Divergence]:
    made = {opened.get(b["candidate"]): (i, b) for i, b in nominated}
    took = {opened.get(b["candidate"]): i for i, b in accepted}
    numbered = ({opened.get(c["member"]): c["number"] for c in frozen[1]["candidates"]}
                if frozen else {})
    rows = Candidate.objects.filter(election=election).select_related("member", "platform")
    for c in rows:
        where = f"{_row(election)}: candidate {c.member.number}"
        entry = made.get(c.member.number)
        if entry is None:
            yield Divergence("elections_candidate", where, "a candidacy no entry nominated")
            continue
        index, body = entry
        platform = c.platform.slug if c.platform else None
        if platform != body["platform"]:
            yield Divergence("elections_candidate", where,
                             f"stands for {platform!r}; nominated for {body['platform']!r}", index)
        if c.accepted and not (body["accepted"] or c.member.number in took):
            yield Divergence("elections_candidate", where,
                             "accepted, but no entry says the nominee accepted", index)
        if frozen and c.number != numbered.get(c.member.number):
            yield Divergence("elections_candidate", where,
                             f"number {c.number} on the ballot; the roll's freeze numbered them "
                             f"{numbered.get(c.member.number)}", frozen[0])
