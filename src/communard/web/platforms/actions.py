"""Platforms: any group of members may form one, publish to the body and run a slate."""

from __future__ import annotations

from django.db import transaction

from communard.constitution.permissions import Actor, check, may_join_platform
from communard.record.kinds import PLATFORM_JOINED
from communard.web.core.actors import record_name
from communard.web.members.models import Member
from communard.web.platforms.models import Platform
from communard.web.records import services as record


class PlatformError(ValueError):
    """The platform change asked for is not allowed; the message says why."""


def do_join_platform(platform: Platform, member: Member, *, actor: Actor) -> None:
    """A member joins a platform, themself. The record shows who joined only by a commitment
    (the members audit opens it to compare the platform's members with the record)."""
    check(may_join_platform(actor, own=member.is_acting(actor)))
    with transaction.atomic(durable=True):
        if member.federation_id != platform.federation_id:
            raise PlatformError(f"{member.name} is not a member of {platform.federation}")
        if not member.is_active:
            raise PlatformError(f"a {member.status} member cannot join a platform")
        if platform.members.filter(pk=member.pk).exists():
            raise PlatformError(f"{member.name} already belongs to {platform.name}")
        platform.members.add(member)
        record.append(
            PLATFORM_JOINED,
            {"federation": platform.federation.slug, "platform": platform.slug,
             "member": record.personal(member.number)},
            actor=record_name(actor),
        )
