"""Use cases that change federations and councils. Each is one transaction with its record entry."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from communard.constitution import CouncilNode, check_tree, parse_constitution
from communard.constitution.census import census_day
from communard.constitution.permissions import Actor, check, may_found_federation, may_take_census
from communard.record.kinds import FEDERATION_FOUNDED
from communard.web.core.actors import record_name
from communard.web.councils.models import Council, Federation
from communard.web.councils.pyramid import take_census
from communard.web.records import services as record


@dataclass(frozen=True)
class CouncilSpec:
    key: str
    name: str
    tier: str
    parent: str | None


def do_create_federation(
    *,
    slug: str,
    name: str,
    time_zone: str,
    constitution_text: str,
    councils: Sequence[CouncilSpec],
    actor: Actor,
) -> Federation:
    """Found a federation with its constitution and its tree of councils."""
    check(may_found_federation(actor))
    with transaction.atomic(durable=True):
        return create_federation(
            slug=slug,
            name=name,
            time_zone=time_zone,
            constitution_text=constitution_text,
            councils=councils,
            actor=actor,
        )


def create_federation(
    *,
    slug: str,
    name: str,
    time_zone: str,
    constitution_text: str,
    councils: Sequence[CouncilSpec],
    actor: Actor,
) -> Federation:
    """The body of :func:`do_create_federation`, for actions that found one as part of more."""
    check(may_found_federation(actor))
    constitution = parse_constitution(constitution_text, source=f"federation {slug}")
    check_tree(constitution, [CouncilNode(c.key, c.tier, c.parent) for c in councils])
    federation = Federation.objects.create(
        slug=slug, name=name, time_zone=time_zone, constitution_text=constitution_text
    )
    _create_councils(federation, councils)
    record.append(
        FEDERATION_FOUNDED,
        {
            "federation": slug,
            "name": name,
            "time_zone": time_zone,
            "constitution": constitution_text,
            "councils": [
                {"key": c.key, "name": c.name, "tier": c.tier, "parent": c.parent} for c in councils
            ],
        },
        actor=record_name(actor),
    )
    return federation


def do_take_census(
    federation: Federation, *, cutoff: dt.date | None, reason: str, actor: Actor
) -> dict[str, int]:
    """Fix every council's seats from the members recorded at a census (``constitution/
    census.py``): for a roll cut off on ``cutoff`` (reason ``roll``), the day the constitution's
    census rule gives; when the federation is founded (``founding``, ``cutoff`` None), now.
    Runs inside the caller's transaction when there is one (a roll being frozen, an import).
    Returns the seats that changed."""
    check(may_take_census(actor, reason=reason))
    with transaction.atomic():
        federation = Federation.objects.select_for_update().get(pk=federation.pk)
        now = timezone.now()
        if cutoff is None:
            day = now.astimezone(zoneinfo.ZoneInfo(federation.time_zone)).date()
        else:
            day = census_day(federation.constitution.census, cutoff)
        return take_census(federation, day=day, now=now, reason=reason,
                           actor=record_name(actor))


def _create_councils(federation: Federation, councils: Sequence[CouncilSpec]) -> None:
    constitution = federation.constitution
    made: dict[str, Council] = {}
    # Parents first: create top tier downwards so every parent exists before its children.
    for spec in sorted(councils, key=lambda c: -constitution.level(c.tier)):
        made[spec.key] = Council.objects.create(
            federation=federation,
            key=spec.key,
            name=spec.name,
            tier=spec.tier,
            level=constitution.level(spec.tier),
            parent=made[spec.parent] if spec.parent else None,
        )
