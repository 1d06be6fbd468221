"""Keeping a federation's derived numbers true to its rules: the members beneath each council
(live, after every change of membership) and the seats (only at a census).

Called only from inside ``do_*`` actions, in their transaction, after membership changed.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping

from django.db.models import Count

from communard.constitution import CouncilNode, apportion_pyramid, membership_totals
from communard.constitution.census import members_by_council
from communard.constitution.membership import Change, end_of_day
from communard.record.kinds import SEATS_APPORTIONED_V2
from communard.web.councils.models import Council, Federation
from communard.web.members.models import Member, MembershipEvent, Status
from communard.web.records import services as record


def council_nodes(councils: Iterable[Council]) -> list[CouncilNode]:
    by_id = {c.id: c.key for c in councils}
    return [CouncilNode(c.key, c.tier, by_id.get(c.parent_id)) for c in councils]


def refresh_counts(federation: Federation, *, moved: Mapping[int, int] | None = None) -> None:
    """Update the members beneath every council (what the pages show); seats do not move.

    ``moved`` (base council id → change in active members) is what a single membership action
    did: the stored counts are adjusted by it, so an admission costs the same in a federation of
    a million as in one of a hundred. Without it (imports) the member rows are counted afresh.
    Either way the caller holds the federation's lock, so counts cannot interleave.
    """
    councils = list(Council.objects.filter(federation=federation).order_by("id"))
    if moved is None:
        counted = dict(
            Member.objects.filter(federation=federation, status=Status.ACTIVE)
            .values_list("council__key")
            .annotate(n=Count("id"))
            .values_list("council__key", "n")
        )
    else:
        counted = {c.key: c.members_count + moved.get(c.pk, 0) for c in councils if c.level == 0}
    base_members = {c.key: counted.get(c.key, 0) for c in councils if c.level == 0}
    totals = membership_totals(council_nodes(councils), base_members)
    dirty = []
    for c in councils:
        if c.members_count != totals[c.key]:
            c.members_count = totals[c.key]
            dirty.append(c)
    Council.objects.bulk_update(dirty, ["members_count"])


def take_census(
    federation: Federation, *, day: dt.date, now: dt.datetime, reason: str, actor: str
) -> dict[str, int]:
    """Count the members whose changes claim ``day`` or earlier and were recorded by the end of
    it (as a roll counts them; never after ``now``, so that a census of today counts exactly
    what is on the record already), apportion every council's seats from that count, and
    record the census. Returns the seats that changed (council key → new seats). The caller
    holds the federation's lock."""
    end = min(end_of_day(day, zoneinfo.ZoneInfo(federation.time_zone)), now)
    councils = list(Council.objects.filter(federation=federation).order_by("id"))
    events = MembershipEvent.objects.filter(
        member__federation=federation, on__lte=day, recorded_at__lt=end
    ).values_list("member_id", "kind", "council_id", "on", "recorded_at", "id")
    changes = (Change(m, k, c, on, at, order) for m, k, c, on, at, order in events.iterator(
        chunk_size=20000))
    counted = members_by_council(changes, day, end)
    base = {c.key: counted.get(c.pk, 0) for c in councils if c.level == 0}
    seats = apportion_pyramid(federation.constitution, council_nodes(councils), base)
    changed: dict[str, int] = {}
    for c in councils:
        if c.seats_in_parent != seats.get(c.key, 0):
            c.seats_in_parent = changed[c.key] = seats.get(c.key, 0)
    Council.objects.bulk_update([c for c in councils if c.key in changed], ["seats_in_parent"])
    record.append(
        SEATS_APPORTIONED_V2,
        {
            "federation": federation.slug,
            "census_day": day.isoformat(),
            "census": end.isoformat(),
            "reason": reason,
            "seats": {c.key: seats.get(c.key, 0) for c in councils if c.parent_id is not None},
            "members": base,
        },
        actor=actor,
    )
    return changed
