"""Members' histories as the record tells them: a fold of the membership entries.

Every admission (one by one, or each member of an import), transfer, lapse, expulsion and
platform joining is read from the entries' canonical JSON (sealed, then queued), in record
order, and followed member by member through the openings the database holds
(``records.audit.openings``, which checks each opening against its commitment). The members
audit compares the tables with this; the councils audit counts a census from it.

Imports recorded before ``members.imported.v3`` hold counts, not members: their members cannot
be replayed one by one, and are only counted (``Replay.unreplayable``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from communard.constitution.membership import ADMITTED, EXPELLED, LAPSED, TRANSFERRED, Change
from communard.constitution.rolls import Standings
from communard.record import kinds as K
from communard.web.records.audit import openings
from communard.web.records.models import Entry, QueuedEntry

#: A step of a history: (federation, membership number).
Who = tuple[str, str]
#: A platform membership: (federation, platform, membership number).
Joined = tuple[str, str, str]

_ENDED = {K.MEMBER_LAPSED.name: LAPSED, K.MEMBER_EXPELLED.name: EXPELLED}


@dataclass(frozen=True)
class Step:
    """One recorded change of a member: what, claimed when, in which base council, recorded
    when (what the event row's ``recorded_at`` must say), by which entry."""

    kind: str
    on: dt.date
    council: str
    recorded_at: dt.datetime
    index: int | None  # None: an entry still queued
    #: The entry's own time, when ``recorded_at`` is a founding import's claimed day instead.
    entry_time: dt.datetime


@dataclass
class Replay:
    histories: dict[Who, list[Step]] = field(default_factory=dict)
    names: dict[Who, tuple[str | None, int | None]] = field(default_factory=dict)
    joined: dict[Joined, int | None] = field(default_factory=dict)
    #: Members per federation admitted by imports recorded before per-member entries.
    unreplayable: Counter[str] = field(default_factory=Counter)
    unreplayable_joins: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Commitments no genuine opening opens: (entry index, field, what the entry says).
    unopened: list[tuple[int | None, str, str]] = field(default_factory=list)
    _standings: dict[tuple[str, tuple[tuple[str, int], ...]], tuple[Standings, list[str]]] = \
        field(default_factory=dict)

    def standings(self, federation: str, councils: dict[str, int]) -> tuple[Standings,
                                                                             list[str]]:
        """The federation's histories sorted once for many rolls (``constitution.rolls``), and
        the membership number of each member as ``changes`` numbers them (from 1): what the
        rolls audits ask of every election and poll, made once per federation and run."""
        key = (federation, tuple(sorted(councils.items())))
        if key not in self._standings:
            numbers = [number for (fed, number) in self.histories if fed == federation]
            self._standings[key] = (Standings(self.changes(federation, councils)), numbers)
        return self._standings[key]

    def changes(self, federation: str, councils: dict[str, int]) -> list[Change]:
        """The federation's histories as ``constitution.membership`` reads them (members
        numbered in first-seen order, councils by ``councils``' ids)."""
        out: list[Change] = []
        numbered = 0
        for (fed, _), steps in self.histories.items():
            if fed != federation:
                continue
            numbered += 1
            for order, s in enumerate(steps):
                out.append(Change(numbered, s.kind, councils.get(s.council, -1), s.on,
                                  s.recorded_at, order))
        return out


def recorded_entries(*declared: K.Kind[Any]) -> Iterator[tuple[int | None, str, dict[str, Any],
                                                                 dt.datetime]]:
    """(index, stored kind, body, time) of the entries of these kinds, every version: the
    sealed ones in record order from their canonical JSON, then those still queued (index
    None), so that an audit run beside a busy server does not call their rows unrecorded."""
    stored = [tag for name in {k.name for k in declared} for tag in K.tags(name)]
    # msgspec, not json: an import's entry of 500 members is ~100 kB, and 200 of them make a
    # 100,000-member federation.
    decode = msgspec.json.decode
    sealed = Entry.objects.filter(kind__in=stored).order_by("index").values_list("index", "data")
    for index, data in sealed.iterator(chunk_size=500):
        parsed = decode(data)
        yield index, parsed["kind"], parsed["body"], _time(parsed["time"])
    queued = QueuedEntry.objects.filter(kind__in=stored).order_by("id")
    for kind, time, body in queued.values_list("kind", "time", "body").iterator(chunk_size=500):
        yield None, kind, decode(body), _time(time)


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _day(text: Any) -> dt.date:
    return dt.date.fromisoformat(str(text))


def replay() -> Replay:
    """Fold every membership entry of the record into members' histories."""
    zones = {str(b.get("federation")): zoneinfo.ZoneInfo(str(b.get("time_zone")))
             for _, _, b, _ in recorded_entries(K.FEDERATION_FOUNDED)}
    found = list(recorded_entries(K.MEMBER_ADMITTED, K.MEMBER_TRANSFERRED, K.MEMBER_LAPSED,
                                  K.MEMBER_EXPELLED, K.MEMBERS_IMPORTED, K.PLATFORM_JOINED))
    opened = openings(c for _, _, body, _ in found for c in _commitments(body))
    out = Replay()

    def who(index: int | None, fed: str, commitment: Any, what: str) -> Who | None:
        number = opened.get(commitment) if isinstance(commitment, str) else None
        if number is None:
            out.unopened.append((index, what, str(commitment)))
            return None
        return (fed, number)

    for index, tag, body, time in found:
        kind = K.kind_of(tag)
        fed = str(body.get("federation"))
        if kind.name == K.MEMBERS_IMPORTED.name:
            if kind.version < 3:
                out.unreplayable[fed] += int(body.get("added", 0))
                for platform, n in (body.get("by_platform") or {}).items():
                    out.unreplayable_joins[(fed, platform)] += int(n)
                continue
            zone = zones.get(fed, zoneinfo.ZoneInfo("UTC"))
            for n, item in enumerate(body.get("members", []), start=1):
                member = who(index, fed, item.get("member"), f"members[{n}].member")
                if member is None:
                    continue
                _import_steps(out, member, item, time, index, zone if body.get("founding") else None)
                out.names[member] = (opened.get(item.get("name")), index)
                for platform in item.get("platforms", []):
                    out.joined[(fed, str(platform), member[1])] = index
            continue
        member = who(index, fed, body.get("member"), "member")
        if member is None:
            continue
        if kind.name == K.PLATFORM_JOINED.name:
            out.joined[(fed, str(body.get("platform")), member[1])] = index
            continue
        if kind.name == K.MEMBER_ADMITTED.name:
            step_kind, council = ADMITTED, body.get("council")
        elif kind.name == K.MEMBER_TRANSFERRED.name:
            step_kind, council = TRANSFERRED, body.get("to")
        else:
            step_kind, council = _ENDED[kind.name], body.get("council")
        out.histories.setdefault(member, []).append(
            Step(step_kind, _day(body.get("on")), str(council), time, index, time))
    return out


def _import_steps(out: Replay, member: Who, item: dict[str, Any], time: dt.datetime,
                  index: int | None, founding_zone: zoneinfo.ZoneInfo | None) -> None:
    """An imported member's admission and, if the file said so, their lapse or expulsion. A
    founding import's changes count as recorded at the start of the day each claims."""

    def recorded(on: dt.date) -> dt.datetime:
        if founding_zone is None:
            return time
        return dt.datetime.combine(on, dt.time(), tzinfo=founding_zone)

    steps = out.histories.setdefault(member, [])
    on = _day(item.get("on"))
    council = str(item.get("council"))
    steps.append(Step(ADMITTED, on, council, recorded(on), index, time))
    status = item.get("status")
    if status in (LAPSED, EXPELLED) and item.get("status_on"):
        ended = _day(item["status_on"])
        steps.append(Step(str(status), ended, council, recorded(ended), index, time))


def _commitments(body: dict[str, Any]) -> Iterator[Any]:
    yield body.get("member")
    for item in body.get("members", []) if isinstance(body.get("members"), list) else []:
        if isinstance(item, dict):
            yield item.get("member")
            yield item.get("name")
