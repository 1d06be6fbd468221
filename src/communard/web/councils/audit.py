"""The councils audit: each federation's tree, constitution, seats and sitting delegates and
office-holders against the record.

It finds what issue 13 saw an operator do with SQL: a workplace moved to another district, the
constitution's text edited, a council's seat count raised, a delegate row added or an
office-holder put in office "by decree". The tree and the constitution are compared with
``federation.founded`` (nothing else changes them yet: amendments are a later issue); seats with
the last census (``seats.apportioned.v2``): its count against the members replayed from the
record at its instant, its seats against the constitution's rule; tenures with a replay of the
entries that begin and end them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from communard.constitution import CouncilNode, apportion_pyramid, parse_constitution
from communard.constitution.census import members_by_council
from communard.constitution.rules import ConstitutionError
from communard.record import kinds as K
from communard.web.councils.models import Council, Delegate, Federation, OfficeHolder
from communard.web.members.replay import Replay, recorded_entries, replay
from communard.web.records.audit import Divergence, audit, entries, openings, shared

Seat = tuple[str, str, str, str]  # federation, council, constituency (or office), member number


def _founded() -> dict[str, tuple[int, dict[str, Any]]]:
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, _, body in entries(K.FEDERATION_FOUNDED):
        found.setdefault(str(body.get("federation")), (index, body))
    return found


def _tree(federation: Federation, index: int, body: dict[str, Any]) -> Iterator[Divergence]:
    if federation.constitution_text != body.get("constitution"):
        yield Divergence("councils_federation", f"{federation.slug}",
                         "its constitution is not the text the record adopted", index)
    recorded = {c["key"]: c for c in body.get("councils", [])}
    for council in Council.objects.filter(federation=federation).select_related("parent"):
        row = f"{federation.slug}/{council.key}"
        spec = recorded.pop(council.key, None)
        if spec is None:
            yield Divergence("councils_council", row, "a council no entry founded")
            continue
        parent = council.parent.key if council.parent else None
        if (council.tier, parent) != (spec.get("tier"), spec.get("parent")):
            yield Divergence("councils_council", row,
                             f"tier {council.tier!r} under {parent!r}; the record founded it as "
                             f"{spec.get('tier')!r} under {spec.get('parent')!r}", index)
    for key in sorted(recorded):
        yield Divergence("councils_council", f"{federation.slug}/{key}",
                         "founded on the record but missing", index)


def _last_apportioned() -> tuple[dict[tuple[str, str], tuple[int | None, int]],
                                 dict[str, tuple[int | None, dict[str, Any]]]]:
    """The last recorded seats of each council (any version), and each federation's last
    census (``seats.apportioned.v2``), sealed or still queued (index None).

    Queued too, as the members' replay reads them: the census's rows change in the same
    transaction that queues its entry, so beside a busy server (a sealer process) the tables
    can hold a census whose entry is not sealed yet. Compared with the last *sealed* census
    those rows were a false divergence; compared with the queued one they match, and a row
    changed behind it is still named (against the census "still queued")."""
    last: dict[tuple[str, str], tuple[int | None, int]] = {}
    census: dict[str, tuple[int | None, dict[str, Any]]] = {}
    for index, tag, body, _ in recorded_entries(K.SEATS_APPORTIONED):
        fed = str(body.get("federation"))
        for key, seats in (body.get("seats") or {}).items():
            last[(fed, key)] = (index, seats)
        if K.kind_of(tag).version >= 2:
            census[fed] = (index, body)
    return last, census


def _seats(federation: Federation, founded_body: dict[str, Any],
           last: dict[tuple[str, str], tuple[int | None, int]],
           census: tuple[int | None, dict[str, Any]] | None,
           replayed: Replay) -> Iterator[Divergence]:
    """Seats as the last census fixed them: the census's count against the members replayed
    from the record at its instant, its seats against the recorded constitution's rule applied
    to that count, and the council rows against its seats."""
    try:
        constitution = parse_constitution(str(founded_body.get("constitution")))
    except ConstitutionError:
        return  # the founding entry's own text is checked when it is appended
    councils = list(Council.objects.filter(federation=federation).order_by("id"))
    if census is None:  # founded before censuses: the rows keep the last recorded seats
        for council in councils:
            index, recorded = last.get((federation.slug, council.key), (None, 0))
            if council.seats_in_parent != recorded:
                yield Divergence("councils_council", f"{federation.slug}/{council.key}",
                                 f"seats_in_parent is {council.seats_in_parent}; the record last "
                                 f"apportioned {recorded}", index)
        return
    index, body = census
    # A census still queued has no index yet: name it by its day, and say so.
    named = f"the census of {body.get('census_day')}" + (" (still queued)" if index is None
                                                          else "")
    ids = {c.key: c.id for c in councils}
    keys = {c.id: c.key for c in councils}
    counted: dict[str, int] = {k: int(n) for k, n in (body.get("members") or {}).items()}
    if not replayed.unreplayable[federation.slug]:
        day = dt.date.fromisoformat(str(body.get("census_day")))
        end = dt.datetime.fromisoformat(str(body.get("census")))
        by_id = members_by_council(replayed.changes(federation.slug, ids), day, end)
        for c in councils:
            if c.level == 0 and by_id.get(c.id, 0) != counted.get(c.key, 0):
                yield Divergence("councils_council", f"{federation.slug}/{c.key}",
                                 f"{named} counted {counted.get(c.key, 0)} members; "
                                 f"the record's members replay to {by_id.get(c.id, 0)}", index)
    nodes = [CouncilNode(c.key, c.tier, keys.get(c.parent_id)) for c in councils]
    base = {c.key: counted.get(c.key, 0) for c in councils if c.level == 0}
    try:
        by_rule = apportion_pyramid(constitution, nodes, base)
    except (ConstitutionError, ValueError) as e:
        yield Divergence("councils_council", federation.slug, f"the tree breaks the rules: {e}")
        return
    fixed = body.get("seats") or {}
    for council in councils:
        row = f"{federation.slug}/{council.key}"
        rule = by_rule.get(council.key, 0)
        if council.parent_id is not None and fixed.get(council.key) != rule:
            yield Divergence("councils_council", row,
                             f"{named} recorded {fixed.get(council.key)} seats; the "
                             f"constitution's rule gives {rule} from its count", index)
        if council.seats_in_parent != rule:
            yield Divergence("councils_council", row,
                             f"seats_in_parent is {council.seats_in_parent}; {named} gives "
                             f"{rule}", index)


def delegates_before(indices: Iterable[int]) -> dict[int, Counter[Seat]]:
    """The sitting delegates as the record has them just before each of these entries (a
    poll of a council's delegates froze its roll at one: ``polls/roll_audit.py``)."""
    return _replayed_tenures(indices)[3]


def _replayed_tenures(snapshots: Iterable[int] = ()) -> tuple[
        Counter[Seat], Counter[Seat], dict[Seat, int], dict[int, Counter[Seat]]]:
    """Who sits where by the record: delegates and office-holders, and the entry that seated
    each; and the delegates as they sat just before each entry in ``snapshots``. Elections are
    read from ``election.called`` (by-elections replace nobody)."""
    called = {(str(b.get("federation")), b.get("election")): b
              for _, _, b in entries(K.ELECTION_CALLED)}
    delegates: Counter[Seat] = Counter()
    offices: Counter[Seat] = Counter()
    seated_by: dict[Seat, int] = {}
    declared = (K.DELEGATE_FOUNDING, K.DELEGATES_SEATED, K.DELEGATE_VACATED, K.ELECTION_COUNTBACK,
                K.OFFICE_FILLED, K.OFFICE_VACATED, K.RECALL_REPLACEMENT_SEATED,
                K.RECALL_OFFICE_REPLACEMENT_SEATED)
    found = list(entries(*declared))
    opened = openings(
        c
        for _, _, body in found
        for c in [body.get("member"), body.get("successor"), *(body.get("members") or [])]
    )

    def opening(commitment: Any) -> str | None:
        return opened.get(commitment) if isinstance(commitment, str) else None

    wanted = sorted(set(snapshots), reverse=True)
    before: dict[int, Counter[Seat]] = {}
    for index, kind, body in found:
        while wanted and wanted[-1] <= index:
            before[wanted.pop()] = +delegates
        fed = str(body.get("federation"))
        # A recall's replacement question seats its winner as a founding seats a delegate.
        if kind in (K.DELEGATE_FOUNDING.name, K.DELEGATE_VACATED.name,
                    K.RECALL_REPLACEMENT_SEATED.name):
            number = opening(body.get("member"))
            seat = (fed, str(body.get("council")), str(body.get("constituency")), str(number))
            if kind == K.DELEGATE_VACATED.name:
                delegates[seat] -= 1
            else:
                delegates[seat] += 1
                seated_by[seat] = index
        elif kind == K.DELEGATES_SEATED.name:
            council, constituency = str(body.get("council")), str(body.get("constituency"))
            election = called.get((fed, body.get("election")), {})
            if election.get("fills_vacancy_of") is None:
                for seat in [s for s in delegates if s[:3] == (fed, council, constituency)]:
                    del delegates[seat]
            for commitment in body.get("members", []):
                seat = (fed, council, constituency, str(opening(commitment)))
                delegates[seat] += 1
                seated_by[seat] = index
        elif kind == K.ELECTION_COUNTBACK.name:
            election = called.get((fed, body.get("election")), {})
            if body.get("successor") is not None:
                seat = (fed, str(election.get("council")), str(election.get("constituency")),
                        str(opening(body["successor"])))
                delegates[seat] += 1
                seated_by[seat] = index
        elif kind == K.OFFICE_VACATED.name:  # a recalled office-holder (web/recalls)
            number = opening(body.get("member"))
            offices[(fed, str(body.get("council")), str(body.get("office")), str(number))] -= 1
        elif kind == K.RECALL_OFFICE_REPLACEMENT_SEATED.name:  # a recall's replacement question
            seat = (fed, str(body.get("council")), str(body.get("office")),
                    str(opening(body.get("member"))))
            offices[seat] += 1
            seated_by[seat] = index
        else:  # office.filled
            council, office = str(body.get("council")), str(body.get("office"))
            for seat in [s for s in offices if s[:3] == (fed, council, office)]:
                del offices[seat]
            for commitment in body.get("members", []):
                seat = (fed, council, office, str(opening(commitment)))
                offices[seat] += 1
                seated_by[seat] = index
    before.update((i, +delegates) for i in wanted)
    return +delegates, +offices, seated_by, before


def _compare_tenures(table: str, held: Counter[Seat], replayed: Counter[Seat],
                     seated_by: dict[Seat, int], what: str) -> Iterator[Divergence]:
    for seat in sorted((held - replayed).elements()):
        fed, council, where, number = seat
        yield Divergence(table, f"{fed}/{council}: member {number} ({what} {where})",
                         "sits with no recorded result or founding that seated them")
    for seat in sorted((replayed - held).elements()):
        fed, council, where, number = seat
        yield Divergence(table, f"{fed}/{council}: member {number} ({what} {where})",
                         "the record seats them but no current row does", seated_by.get(seat))


@audit
def audit_councils() -> Iterator[Divergence]:
    founded = _founded()
    last, censuses = _last_apportioned()
    replayed = shared("members.replay", replay)
    for federation in Federation.objects.order_by("slug"):
        if federation.slug not in founded:
            yield Divergence("councils_federation", federation.slug,
                             "a federation no federation.founded entry founded")
            continue
        index, body = founded[federation.slug]
        yield from _tree(federation, index, body)
        yield from _seats(federation, body, last, censuses.get(federation.slug), replayed)
    delegates, offices, seated_by, _ = _replayed_tenures()
    held_delegates: Counter[Seat] = Counter(
        (f, c, k, n) for f, c, k, n in Delegate.objects.filter(ended_at__isnull=True).values_list(
            "council__federation__slug", "council__key", "constituency__key", "member__number"))
    held_offices: Counter[Seat] = Counter(
        (f, c, o, n) for f, c, o, n in OfficeHolder.objects.filter(ended_at__isnull=True)
        .values_list("council__federation__slug", "council__key", "office", "member__number"))
    yield from _compare_tenures("councils_delegate", held_delegates, delegates, seated_by,
                                "for")
    yield from _compare_tenures("councils_officeholder", held_offices, offices, seated_by,
                                "as")
