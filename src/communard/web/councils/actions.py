"""Use cases that change federations and councils. Each is one transaction with its record entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from communard.constitution import CouncilNode, check_tree, parse_constitution
from communard.record.kinds import FEDERATION_FOUNDED
from communard.web.councils.models import Council, Federation
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
    actor: str,
) -> Federation:
    """Found a federation with its constitution and its tree of councils."""
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
    actor: str,
) -> Federation:
    """The body of :func:`do_create_federation`, for actions that found one as part of more."""
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
        actor=actor,
    )
    return federation


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
