"""Keeping a federation's derived numbers (members beneath each council, seats) true to its rules.

Called only from inside ``do_*`` actions, in their transaction, after membership changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db.models import Count

from communard.constitution import CouncilNode, apportion_pyramid, membership_totals
from communard.record.kinds import SEATS_APPORTIONED
from communard.web.councils.models import Council, Federation
from communard.web.members.models import Member, Status
from communard.web.records import services as record


def council_nodes(councils: Iterable[Council]) -> list[CouncilNode]:
    by_id = {c.id: c.key for c in councils}
    return [CouncilNode(c.key, c.tier, by_id.get(c.parent_id)) for c in councils]


def refresh_seats(
    federation: Federation, *, actor: str, moved: Mapping[int, int] | None = None
) -> dict[str, int]:
    """Update the members beneath every council, reapportion seats, record what changed.

    ``moved`` (base council id → change in active members) is what a single membership action
    did: the stored counts are adjusted by it, so an admission costs the same in a federation of
    a million as in one of a hundred. Without it (imports) the member rows are counted afresh.
    Either way the caller holds the federation's lock, so counts cannot interleave.
    Returns the seats that changed (council key → new seats).
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
    nodes = council_nodes(councils)
    totals = membership_totals(nodes, base_members)
    seats = apportion_pyramid(federation.constitution, nodes, base_members)
    changed: dict[str, int] = {}
    dirty = []
    for c in councils:
        new_seats = seats.get(c.key, 0)
        if c.members_count != totals[c.key] or c.seats_in_parent != new_seats:
            if c.seats_in_parent != new_seats:
                changed[c.key] = new_seats
            c.members_count = totals[c.key]
            c.seats_in_parent = new_seats
            dirty.append(c)
    Council.objects.bulk_update(dirty, ["members_count", "seats_in_parent"])
    if changed:
        record.append(
            SEATS_APPORTIONED,
            {
                "federation": federation.slug,
                "seats": changed,
                "members": {c.key: totals[c.key] for c in councils if c.key in changed},
            },
            actor=actor,
        )
    return changed
