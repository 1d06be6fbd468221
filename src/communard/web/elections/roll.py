"""Who is on an election's frozen roll: a replay of recorded membership history.

A member votes in an election if, at the end of the cut-off day, they were an active member of a
base council beneath the constituency, by the changes recorded by then
(``constitution.membership.roll``). Whatever is recorded after the cut-off, whatever date it
claims — admissions, transfers, lapses, expulsions — does not change the roll.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from communard.constitution.membership import Change, end_of_day, roll
from communard.web.councils.models import Council
from communard.web.members.models import Member, MembershipEvent


def subtree_ids(council: Council) -> set[int]:
    """The council and every council beneath it."""
    ids = {council.pk}
    frontier = [council.pk]
    while frontier:
        frontier = list(Council.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return ids


def roll_member_ids(constituency: Council, cutoff: dt.date) -> list[int]:
    """Member ids on the roll of ``constituency`` as of the end of ``cutoff`` (in the
    federation's time zone), counting only changes recorded by then."""
    councils = subtree_ids(constituency)
    cutoff_end = end_of_day(cutoff, zoneinfo.ZoneInfo(constituency.federation.time_zone))
    # Anyone who was ever in one of these councils by the cut-off is a candidate for the roll.
    touched = set(
        MembershipEvent.objects.filter(
            council_id__in=councils, on__lte=cutoff, recorded_at__lt=cutoff_end
        ).values_list("member_id", flat=True)
    )
    events = MembershipEvent.objects.filter(member_id__in=touched).values_list(
        "member_id", "kind", "council_id", "on", "recorded_at", "id"
    )
    changes = (Change(m, kind, council, on, at, order) for m, kind, council, on, at, order in events)
    return sorted(roll(changes, councils, cutoff, cutoff_end))


def constituency_of(member: Member, constituency: Council) -> bool:
    """Whether the member belongs, now, to a base council beneath ``constituency``."""
    return member.council_id in subtree_ids(constituency)
