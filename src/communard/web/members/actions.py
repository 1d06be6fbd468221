"""Use cases that change membership. Each checks its permission rule, then runs in one
transaction with its record entry, and updates the members counted beneath each council.

Seats do not move here: they follow a census (``councils.actions.do_take_census``), so that a
wave of admissions cannot re-apportion the pyramid from one day to the next (issue 13). The
event row's ``recorded_at`` is the entry's own time, which the members audit checks."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction
from django.utils import timezone

from communard.constitution.membership import backdating_refusal, is_backdated
from communard.constitution.permissions import Actor, check, may_change_membership
from communard.record.kinds import (
    MEMBER_ADMITTED_V2,
    MEMBER_EXPELLED_V2,
    MEMBER_LAPSED_V2,
    MEMBER_TRANSFERRED_V2,
)
from communard.web.core.actors import record_name
from communard.web.councils.models import Council, Federation
from communard.web.councils.pyramid import refresh_counts
from communard.web.members.models import EventKind, Member, MembershipEvent, Status
from communard.web.records import services as record


class MembershipError(ValueError):
    """The change asked for is not allowed; the message says why."""


def _lock(federation: Federation) -> Federation:
    # Membership changes of one federation are serialised so seat recounts never interleave.
    return Federation.objects.select_for_update().get(pk=federation.pk)


def _dated(federation: Federation, on: dt.date) -> dict[str, Any]:
    """When a change dated ``on`` goes on the record: refused beyond the constitution's window
    for backdating, marked as backdated within it. Returns the fields the event row keeps and
    what the entry says about its date.

    The time of recording is the clock's, never a parameter: a caller (a shell) that could say
    "recorded last month" would put members on rolls already cut off."""
    recorded_at = timezone.now()
    today = recorded_at.astimezone(zoneinfo.ZoneInfo(federation.time_zone)).date()
    refusal = backdating_refusal(on, today, federation.constitution.backdate_days)
    if refusal is not None:
        raise MembershipError(refusal.reason)
    return {"recorded_at": recorded_at, "backdated": is_backdated(on, today)}


def _base_council(federation: Federation, council: Council) -> Council:
    if council.federation_id != federation.pk:
        raise MembershipError(f"council {council.key!r} is not part of {federation.slug!r}")
    if not council.is_base:
        raise MembershipError(
            f"{council.name} is a {council.tier} council; members belong to a base council"
        )
    return council


def do_admit_member(
    federation: Federation,
    *,
    number: str,
    name: str,
    council: Council,
    admitted_on: dt.date,
    email: str = "",
    actor: Actor,
) -> Member:
    check(may_change_membership(actor, kind=EventKind.ADMITTED))
    with transaction.atomic(durable=True):
        federation = _lock(federation)
        _base_council(federation, council)
        dated = _dated(federation, admitted_on)
        if Member.objects.filter(federation=federation, number=number).exists():
            raise MembershipError(f"membership number {number!r} is already taken")
        member = Member.objects.create(
            federation=federation,
            number=number,
            name=name,
            email=email,
            council=council,
            admitted_on=admitted_on,
        )
        MembershipEvent.objects.create(
            member=member, kind=EventKind.ADMITTED, on=admitted_on, council=council,
            recorded_at=dated["recorded_at"],
        )
        record.append(
            MEMBER_ADMITTED_V2,
            {
                "federation": federation.slug,
                "member": record.personal(number),
                "council": council.key,
                "on": admitted_on.isoformat(),
                "backdated": dated["backdated"],
            },
            actor=record_name(actor),
            at=dated["recorded_at"],
        )
        refresh_counts(federation, moved={council.pk: 1})
    return member


def do_transfer_member(
    member: Member,
    *,
    to: Council,
    on: dt.date,
    actor: Actor,
    note: str = "",
) -> Member:
    check(may_change_membership(actor, kind=EventKind.TRANSFERRED))
    with transaction.atomic(durable=True):
        federation = _lock(member.federation)
        member = Member.objects.select_for_update().get(pk=member.pk)
        _base_council(federation, to)
        dated = _dated(federation, on)
        if not member.is_active:
            raise MembershipError(f"a {member.status} member cannot be transferred")
        if member.council_id == to.pk:
            raise MembershipError(f"the member already belongs to {to.name}")
        source = member.council
        member.council = to
        member.save(update_fields=["council"])
        MembershipEvent.objects.create(
            member=member, kind=EventKind.TRANSFERRED, on=on, council=to, note=note,
            recorded_at=dated["recorded_at"],
        )
        record.append(
            MEMBER_TRANSFERRED_V2,
            {
                "federation": federation.slug,
                "member": record.personal(member.number),
                "from": source.key,
                "to": to.key,
                "on": on.isoformat(),
                "backdated": dated["backdated"],
            },
            actor=record_name(actor),
            at=dated["recorded_at"],
        )
        refresh_counts(federation, moved={source.pk: -1, to.pk: 1})
    return member


def _end_membership(
    member: Member,
    *,
    status: Status,
    kind: EventKind,
    on: dt.date,
    actor: Actor,
    note: str,
) -> Member:
    check(may_change_membership(actor, kind=kind, own=member.is_acting(actor)))
    with transaction.atomic(durable=True):
        federation = _lock(member.federation)
        member = Member.objects.select_for_update().get(pk=member.pk)
        dated = _dated(federation, on)
        if not member.is_active:
            raise MembershipError(f"the member is already {member.status}")
        member.status = status
        member.save(update_fields=["status"])
        MembershipEvent.objects.create(
            member=member, kind=kind, on=on, council=member.council, note=note,
            recorded_at=dated["recorded_at"],
        )
        record.append(
            {EventKind.LAPSED: MEMBER_LAPSED_V2, EventKind.EXPELLED: MEMBER_EXPELLED_V2}[kind],
            {
                "federation": federation.slug,
                "member": record.personal(member.number),
                "council": member.council.key,
                "on": on.isoformat(),
                "backdated": dated["backdated"],
            },
            actor=record_name(actor),
            at=dated["recorded_at"],
        )
        refresh_counts(federation, moved={member.council_id: -1})
    return member


def do_lapse_member(
    member: Member, *, on: dt.date, actor: Actor, note: str = ""
) -> Member:
    return _end_membership(
        member, status=Status.LAPSED, kind=EventKind.LAPSED, on=on, actor=actor, note=note
    )


def do_expel_member(
    member: Member, *, on: dt.date, actor: Actor, note: str = ""
) -> Member:
    # Due process (charges, hearing, appeal) is a later issue; expulsion never changes a roll
    # that is already frozen: a roll counts only changes recorded by its cut-off.
    return _end_membership(
        member, status=Status.EXPELLED, kind=EventKind.EXPELLED, on=on, actor=actor, note=note
    )
