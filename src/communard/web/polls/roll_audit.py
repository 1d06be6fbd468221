"""The polls' rolls audit: who could vote in each poll (a recall vote, a motion's roll call, a
referendum), against the record.

A poll's roll rows are only ever inserted (the triggers refuse UPDATE and DELETE), so what an
operator can still do with SQL is *add* a voter, who can then vote, or freeze a roll from
membership rows changed behind the record's back. ``poll.roll_frozen`` records the roll's size
and the SHA-256 of its membership numbers; three checks hold the tables to it, each naming the
entry:

* **the rows against the freeze**: the roll on file gives the recorded size and digest, and so
  do the poll row's ``roll_size``/``roll_commitment``;
* **the roll against the record's own facts**, recomputed by the poll's rule
  (``polls/roll.py``): for a poll of members, those active beneath the electorate by the
  membership changes *recorded* before ``roll_at`` and claiming its day or earlier, replayed
  from the record (``members/replay.py``, the fold the members audit shares); for a poll of a
  council's delegates, those the record seats in the council when the roll was frozen (the
  tenure entries before ``poll.roll_frozen``: delegates' polls freeze their roll the moment they
  are put to the vote, ``roll_at`` being that moment). A voter on file whom this roll does not
  hold is named, and so is one it holds whom the file lacks;
* a roll on file, or a row saying it was frozen, with no ``poll.roll_frozen`` at all.

``poll.roll_frozen`` entries are read sealed and then queued (as the members' are), so a poll
opened beside a busy server, whose entry the sealer process has not taken yet, is not a finding.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from communard.record import kinds as K
from communard.web.councils.audit import Seat, delegates_before
from communard.web.councils.models import Council
from communard.web.members import replay as members
from communard.web.members.models import Member
from communard.web.polls.models import Poll, RollEntry, Voters
from communard.web.polls.roll import beneath
from communard.web.polls.roll_memo import forget, new_changes, recomputed, remember, remembered
from communard.web.records.audit import Divergence, audit, entries, shared
from communard.web.records.models import QueuedEntry

Frozen = tuple[int | None, dict[str, Any]]  # the entry's index (None: still queued), its body


def _frozen() -> dict[tuple[str, int], Frozen]:
    """Each poll's ``poll.roll_frozen``: sealed (read from the verified canonical JSON), then
    those still queued."""
    found: dict[tuple[str, int], Frozen] = {}
    for index, _, body in entries(K.POLL_ROLL_FROZEN):
        found.setdefault((str(body.get("federation")), body.get("poll")), (index, body))
    tags = K.tags(K.POLL_ROLL_FROZEN.name)
    for text in QueuedEntry.objects.filter(kind__in=tags).order_by("id").values_list(
            "body", flat=True):
        body = json.loads(text)
        found.setdefault((str(body.get("federation")), body.get("poll")), (None, body))
    return found


class _Order:
    """Membership numbers in the order the database sorts them, as ``roll_digest`` hashed them
    when the roll was frozen (its collation, not Python's), one query per federation."""

    def __init__(self) -> None:
        self._rank: dict[int, dict[str, int]] = {}

    def digest(self, federation_id: int, numbers: Iterable[str]) -> str:
        rank = self._rank.get(federation_id)
        if rank is None:
            ordered = Member.objects.filter(federation_id=federation_id).order_by(
                "number").values_list("number", flat=True)
            rank = self._rank[federation_id] = {n: i for i, n in enumerate(ordered)}
        # A number no member row has (a member the record knows and the table lost) sorts last.
        ranked = sorted(numbers, key=lambda n: (rank.get(n, len(rank)), n))
        return hashlib.sha256("\n".join(ranked).encode()).hexdigest()


def _row(poll: Poll) -> str:
    return f"poll {poll.pk} ({poll.federation.slug}: {poll.title})"


@audit
def audit_poll_rolls() -> Iterator[Divergence]:
    polls = list(Poll.objects.select_related("federation", "electorate").order_by("pk"))
    if not polls:
        return
    frozen = _frozen()
    on_file: dict[int, list[str]] = defaultdict(list)
    for poll_id, number in RollEntry.objects.values_list("poll_id", "member__number").iterator(
            chunk_size=5000):
        on_file[poll_id].append(number)
    replayed = _Replayed(polls, frozen)
    new_changes()  # notes, every run, the members' changes this run has seen (roll_memo.py)
    order = _Order()
    for poll in polls:
        entry = frozen.get((poll.federation.slug, poll.pk))
        numbers = on_file.get(poll.pk, [])
        if entry is None:
            if numbers or poll.roll_frozen_at is not None:
                yield Divergence("polls_rollentry", _row(poll), f"a roll of {len(numbers)} on "
                                 "file that no poll.roll_frozen froze")
            continue
        index, body = entry
        voters, digest = body.get("voters"), str(body.get("members_sha256"))
        held = (len(numbers), order.digest(poll.federation_id, numbers))
        # The rows are read and hashed on every run; only the recomputation from the record
        # is skipped, for rows still hashing to a sealed freeze an earlier run recomputed
        # (polls/roll_memo.py says why that is sound).
        key, facts = f"polls.roll_replayed:{poll.pk}", [index, voters, digest,
                                                         *replayed.inputs(poll)]
        counted_before = None if poll.voters == Voters.DELEGATES else poll.roll_at
        if index is not None and held == (voters, digest) and remembered(
                key, facts, poll.federation.slug, counted_before):
            expected = None
        else:
            expected = replayed.roll(poll, index)  # None: members imported as counts only
        if held != (voters, digest):
            yield Divergence("polls_rollentry", _row(poll),
                             f"the roll on file holds {held[0]} members hashing to "
                             f"{held[1][:16]}…; the record froze {voters} hashing to "
                             f"{digest[:16]}…{_difference(numbers, expected)}", index)
        if (poll.roll_size, poll.roll_commitment) != (voters, digest):
            yield Divergence("polls_poll", _row(poll),
                             f"roll_size {poll.roll_size} and roll_commitment "
                             f"{poll.roll_commitment[:16]}… are not the frozen roll's {voters} "
                             f"and {digest[:16]}…", index)
        if expected is None:
            continue  # members imported as counts only: their roll cannot be recomputed
        recomputed["polls"] += 1
        if order.digest(poll.federation_id, expected) == digest:
            if index is not None and held == (voters, digest):
                remember(key, facts)
        else:
            forget(key)
            rule = ("its delegates seated when the roll was frozen"
                    if poll.voters == Voters.DELEGATES
                    else f"its members by the changes recorded before {poll.roll_at.isoformat()}")
            yield Divergence("polls_rollentry", _row(poll),
                             f"the record gives a roll of {len(expected)} ({rule}); the roll "
                             f"frozen holds {voters}{_difference(numbers, expected)}", index)


def _difference(on_file: list[str], expected: set[str] | None) -> str:
    """Who is on the roll on file and not on the record's, and the other way round."""
    if expected is None:
        return ""
    extra, missing = sorted(set(on_file) - expected), sorted(expected - set(on_file))
    said = [f"; on file but not on the record's roll: member {', '.join(extra[:10])}"
            + ("…" if len(extra) > 10 else "")] if extra else []
    said += [f"; on the record's roll but not on file: member {', '.join(missing[:10])}"
             + ("…" if len(missing) > 10 else "")] if missing else []
    return "".join(said)


class _Replayed:
    """Each poll's roll as the record's facts give it, by the poll's rule. The members' changes
    are replayed once per run (shared with the members, councils and elections' rolls audits)
    and sorted once per federation (``Replay.standings``); the delegates are replayed once for
    all the polls of delegates."""

    def __init__(self, polls: list[Poll], frozen: dict[tuple[str, int], Frozen]) -> None:
        self._history: members.Replay | None = None
        self._councils: dict[int, dict[str, int]] = {}
        self._at = [i for p in polls if p.voters == Voters.DELEGATES
                    for i, _ in [frozen.get((p.federation.slug, p.pk), (None, {}))]
                    if i is not None]
        # Replayed at the first poll of delegates recomputed: not at all when the memo skips
        # them all.
        self._delegates: dict[int, Counter[Seat]] | None = None

    def _councils_of(self, poll: Poll) -> dict[str, int]:
        councils = self._councils.get(poll.federation_id)
        if councils is None:
            councils = self._councils[poll.federation_id] = dict(
                Council.objects.filter(federation_id=poll.federation_id).values_list("key", "pk"))
        return councils

    def _day(self, poll: Poll) -> dt.date:
        # An election's poll carries its cut-off day (roll_day, poll.called v2); others the
        # day of roll_at, as polls/roll.py member_roll freezes them.
        zone = zoneinfo.ZoneInfo(poll.federation.time_zone)
        return poll.roll_day or poll.roll_at.astimezone(zone).date()

    def inputs(self, poll: Poll) -> list[Any]:
        """What the poll's rule reads from the tables rather than the record (JSON)."""
        if poll.voters == Voters.DELEGATES:
            return [poll.voters, poll.federation.slug, poll.electorate.key]
        below = beneath(poll.electorate)
        keys = sorted(k for k, pk in self._councils_of(poll).items() if pk in below)
        return [poll.voters, poll.federation.slug, poll.federation.time_zone,
                self._day(poll).isoformat(), poll.roll_at.isoformat(), keys]

    def roll(self, poll: Poll, index: int | None) -> set[str] | None:
        if poll.voters == Voters.DELEGATES:
            if index is None:  # frozen moments ago: the tenures it saw are sealed, or queued
                return None
            if self._delegates is None:
                self._delegates = delegates_before(self._at) if self._at else {}
            seats = self._delegates.get(index, {})
            fed, council = poll.federation.slug, poll.electorate.key
            return {number for (f, c, _, number) in seats if (f, c) == (fed, council)}
        if self._history is None:
            self._history = shared("members.replay", members.replay)
        if self._history.unreplayable[poll.federation.slug]:
            return None
        standings, numbers = self._history.standings(poll.federation.slug,
                                                     self._councils_of(poll))
        on_roll = standings.roll(beneath(poll.electorate), self._day(poll), poll.roll_at)
        return {numbers[i - 1] for i in on_roll}  # changes() numbers members from 1, in order
