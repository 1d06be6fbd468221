"""A petition's roll, frozen at the filing into ``RollMember`` rows, and what is done with it:
who may sign is one lookup by key, and the notifications to the whole roll are one
``INSERT … SELECT`` each (a constituency may have 100,000 members: no row leaves the
database to be written back)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db import connection

from communard.web.recalls.models import Notification, Petition, RollMember


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def freeze(petition: Petition, member_ids: Collection[int]) -> None:
    """Write the roll in one statement on PostgreSQL (the ids as one array parameter); on
    SQLite, whose statements take at most 32,766 parameters, in Django's batches."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_q(RollMember._meta.db_table)} (petition_id, member_id) "
                "SELECT %s, m FROM unnest(%s::bigint[]) AS m ORDER BY m",
                [petition.pk, sorted(member_ids)])
        return
    RollMember.objects.bulk_create(
        RollMember(petition_id=petition.pk, member_id=m) for m in sorted(member_ids))


def is_on_roll(petition_id: int, member_id: int) -> bool:
    return RollMember.objects.filter(petition_id=petition_id, member_id=member_id).exists()


def notify_roll(petition: Petition, text: str, at: dt.datetime, *,
                but: int | None = None) -> int:
    """A line on the page of every member of the petition's roll (``but`` one of them, the
    delegate), in one statement; returns how many."""
    sql = (f"INSERT INTO {_q(Notification._meta.db_table)} "
           "(member_id, petition_id, text, created_at) "
           f"SELECT member_id, petition_id, %s, %s FROM {_q(RollMember._meta.db_table)} "
           "WHERE petition_id = %s AND member_id <> %s ORDER BY member_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [text[:300], connection.ops.adapt_datetimefield_value(at),
                             petition.pk, -1 if but is None else but])
        return cursor.rowcount
