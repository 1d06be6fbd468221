"""Who is on an election's frozen roll: pure replay of recorded membership history.

A member votes in an election if, at the end of the cut-off day, they were an active member of a
base council beneath the constituency. Whatever happens after the cut-off — admissions,
transfers, lapses, expulsions — does not change the roll.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from communard.web.councils.models import Council
from communard.web.members.models import EventKind, Member, MembershipEvent


def subtree_ids(council: Council) -> set[int]:
    """The council and every council beneath it."""
    ids = {council.pk}
    frontier = [council.pk]
    while frontier:
        frontier = list(Council.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return ids


def roll_member_ids(constituency: Council, cutoff: dt.date) -> list[int]:
    """Member ids on the roll of ``constituency`` as of the end of ``cutoff``."""
    councils = subtree_ids(constituency)
    # Anyone who was ever in one of these councils by the cut-off is a candidate for the roll.
    touched = set(
        MembershipEvent.objects.filter(council_id__in=councils, on__lte=cutoff).values_list(
            "member_id", flat=True
        )
    )
    events = (
        MembershipEvent.objects.filter(member_id__in=touched, on__lte=cutoff)
        .order_by("member_id", "on", "id")
        .values_list("member_id", "kind", "council_id")
    )
    return sorted(_replay(events, councils))


def _replay(events: Iterable[tuple[int, str, int]], councils: set[int]) -> set[int]:
    state: dict[int, tuple[bool, int]] = {}  # member → (active, council)
    for member_id, kind, council_id in events:
        if kind in (EventKind.ADMITTED, EventKind.TRANSFERRED):
            state[member_id] = (True, council_id)
        elif kind in (EventKind.LAPSED, EventKind.EXPELLED):
            state[member_id] = (False, state.get(member_id, (False, council_id))[1])
    return {m for m, (active, council) in state.items() if active and council in councils}


def constituency_of(member: Member, constituency: Council) -> bool:
    """Whether the member belongs, now, to a base council beneath ``constituency``."""
    return member.council_id in subtree_ids(constituency)
