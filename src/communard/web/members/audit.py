"""The members audit: every member, every step of their history and every platform membership
in the tables is what the record's entries make of them (``replay.py``).

What it finds (issue 13): a member's council, status or admission date changed by SQL; an event
row inserted with an old ``recorded_at`` (to put someone on a roll already cut off) or its date
moved; a member or a platform membership inserted with no entry; a member's name changed where
the record commits to it (imports); an opening edited or removed, so that an entry no longer
names anyone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

from communard.constitution.membership import ADMITTED, TRANSFERRED
from communard.web.members.models import Member, MembershipEvent, Status
from communard.web.members.replay import Replay, Step, Who, replay
from communard.web.platforms.models import Platform
from communard.web.records.audit import Divergence, audit, shared

#: Entries made before an action's event row and its entry took one reading of the clock
#: (before issue 13's members audit) have the entry's time a moment after ``recorded_at``;
#: since then they are equal. An event claimed "recorded" days earlier is far outside this.
SLACK = dt.timedelta(seconds=2)

Event = tuple[int, str, dt.date, str, dt.datetime]  # id, kind, on, council key, recorded_at


def _is_on_time(step: Step, recorded_at: dt.datetime) -> bool:
    if step.recorded_at != step.entry_time:  # a founding import's claimed day: exactly that
        return recorded_at == step.recorded_at
    return dt.timedelta(0) <= step.recorded_at - recorded_at <= SLACK


def _state(steps: list[Step]) -> tuple[str, str, dt.date | None, dict[str, int | None]]:
    """Council, status and admission date after a history, and the entry behind each."""
    council, status, admitted = "", "", None
    source: dict[str, int | None] = {}
    for s in steps:
        if s.kind in (ADMITTED, TRANSFERRED):
            council, status = s.council, Status.ACTIVE.value
            source["council"] = source["status"] = s.index
            if s.kind == ADMITTED and admitted is None:
                admitted, source["admitted_on"] = s.on, s.index
        else:
            status, source["status"] = s.kind, s.index
    return council, status, admitted, source


def _member(row: str, steps: list[Step], council: str, status: str,
            admitted_on: dt.date) -> Iterator[Divergence]:
    want_council, want_status, want_admitted, source = _state(steps)
    for name, have, want in (("council", council, want_council), ("status", status, want_status),
                             ("admitted_on", admitted_on, want_admitted)):
        if have != want:
            yield Divergence("members_member", row, f"{name} is {have}; the record says {want}",
                             source.get(name))


def _events(row: str, steps: list[Step], events: list[Event]) -> Iterator[Divergence]:
    """Each recorded step has its event row, recorded when its entry was; no other row."""
    left = list(events)
    for s in steps:
        match = next((e for e in left if (e[1], e[2], e[3]) == (s.kind, s.on, s.council)), None)
        if match is None:
            yield Divergence("members_membershipevent", row,
                             f"the record's {s.kind} on {s.on} in {s.council} has no event row",
                             s.index)
            continue
        left.remove(match)
        if not _is_on_time(s, match[4]):
            yield Divergence("members_membershipevent", f"id={match[0]} ({row})",
                             f"recorded_at {match[4].isoformat()}; its entry was recorded at "
                             f"{s.recorded_at.isoformat()}", s.index)
    for event_id, kind, on, council, recorded_at in left:
        yield Divergence("members_membershipevent", f"id={event_id} ({row})",
                         f"{kind} on {on} in {council}, recorded_at {recorded_at.isoformat()}: "
                         "no entry records it")


def _members(replayed: Replay) -> Iterator[Divergence]:
    events: dict[int, list[Event]] = {}
    for event_id, member_id, kind, on, council, at in MembershipEvent.objects.values_list(
        "id", "member_id", "kind", "on", "council__key", "recorded_at"
    ).iterator(chunk_size=5000):
        events.setdefault(member_id, []).append((event_id, kind, on, council, at))
    budget = Counter(replayed.unreplayable)
    seen: set[Who] = set()
    rows = Member.objects.order_by("federation__slug", "number").values_list(
        "id", "federation__slug", "number", "name", "council__key", "status", "admitted_on")
    for pk, fed, number, name, council, status, admitted_on in rows.iterator(chunk_size=5000):
        who, row = (fed, number), f"{fed}/{number}"
        steps = replayed.histories.get(who)
        if steps is None:
            if budget[fed] > 0:  # one of an import recorded before per-member entries
                budget[fed] -= 1
                continue
            yield Divergence("members_member", row, "a member no entry admitted")
            continue
        seen.add(who)
        yield from _member(row, steps, council, status, admitted_on)
        yield from _events(row, steps, events.get(pk, []))
        recorded_name, index = replayed.names.get(who, (None, None))
        if index is not None and recorded_name != name:
            yield Divergence("members_member", row,
                             "its name is not the one the record commits to", index)
    for who in sorted(replayed.histories.keys() - seen):
        yield Divergence("members_member", f"{who[0]}/{who[1]}",
                         "admitted on the record but missing", replayed.histories[who][0].index)


def _platforms(replayed: Replay) -> Iterator[Divergence]:
    budget = Counter(replayed.unreplayable_joins)
    held = set(Platform.members.through.objects.values_list(
        "platform__federation__slug", "platform__slug", "member__number"))
    for fed, platform, number in sorted(held - replayed.joined.keys()):
        if budget[(fed, platform)] > 0:
            budget[(fed, platform)] -= 1
            continue
        yield Divergence("platforms_platform_members", f"{fed}/{platform}: member {number}",
                         "a platform membership no entry recorded")
    for joined in sorted(replayed.joined.keys() - held):
        fed, platform, number = joined
        yield Divergence("platforms_platform_members", f"{fed}/{platform}: member {number}",
                         "joined on the record but not in the table", replayed.joined[joined])


@audit
def audit_members() -> Iterator[Divergence]:
    replayed = shared("members.replay", replay)
    for index, where, commitment in replayed.unopened:
        yield Divergence("records_opening", commitment,
                         f"no genuine opening of the entry's {where}: it names nobody now", index)
    yield from _members(replayed)
    yield from _platforms(replayed)
