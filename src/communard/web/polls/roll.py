"""Who is on a poll's roll at its cut-off instant (``roll_at``).

Members: those active in a base council beneath the electorate by the membership changes
*recorded* before ``roll_at`` (``constitution.membership.roll``, the elections' rule, with an
instant in place of the end of a cut-off day): whatever is recorded later, whatever date it
claims, does not move anyone onto or off the roll. Delegates: those holding a seat in the
council at that instant.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo

from django.db.models import Q

from communard.constitution.membership import Change, roll
from communard.web.councils.models import Council, Delegate
from communard.web.members.models import Member, MembershipEvent


def beneath(council: Council) -> set[int]:
    """The council and every council beneath it."""
    ids = {council.pk}
    frontier = [council.pk]
    while frontier:
        frontier = list(Council.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return ids


def member_roll(electorate: Council, roll_at: dt.datetime, *, day: dt.date | None = None
                ) -> list[int]:
    """Member ids on the roll of the members beneath ``electorate`` at ``roll_at``: by the
    changes recorded before ``roll_at`` and claiming a date on or before ``day`` (by default
    ``roll_at``'s own day in the federation's time zone)."""
    councils = beneath(electorate)
    if day is None:
        day = roll_at.astimezone(zoneinfo.ZoneInfo(electorate.federation.time_zone)).date()
    touched = set(
        MembershipEvent.objects.filter(
            council_id__in=councils, on__lte=day, recorded_at__lt=roll_at
        ).values_list("member_id", flat=True)
    )
    events = MembershipEvent.objects.filter(member_id__in=touched).values_list(
        "member_id", "kind", "council_id", "on", "recorded_at", "id"
    )
    changes = (Change(m, kind, council, on, at, order) for m, kind, council, on, at, order in events)
    return sorted(roll(changes, councils, day, roll_at))


def delegate_roll(council: Council, roll_at: dt.datetime) -> list[int]:
    """Member ids of the delegates seated in ``council`` at ``roll_at``."""
    return sorted(set(
        Delegate.objects.filter(council=council, began_at__lte=roll_at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=roll_at))
        .values_list("member_id", flat=True)
    ))


def roll_digest(member_ids: list[int]) -> str:
    """The roll's commitment: SHA-256 of the members' numbers in order, one a line."""
    numbers = Member.objects.filter(pk__in=member_ids).order_by("number").values_list(
        "number", flat=True)
    return hashlib.sha256("\n".join(numbers).encode()).hexdigest()
