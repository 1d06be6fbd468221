"""How the record names whoever acted. Office-holders act in public; members by commitment."""

from __future__ import annotations

from typing import Any

from communard.constitution.permissions import Actor, ClockActor, MemberActor, OperatorActor
from communard.web.records import services as record

SYSTEM = "system"


def actor_of(user: Any) -> str:
    """The record's name for a logged-in user: operators by username, members by commitment."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    if user.is_staff:
        return f"operator:{user.get_username()}"
    return f"member:{record.personal(user.get_username())}"


def operator(name: str) -> str:
    """An operator acting from the command line (``communard import`` and the like)."""
    return f"operator:{name}"


def record_name(actor: Actor) -> str:
    """The record's name for a typed actor (``constitution.permissions``): operators by name,
    members by a fresh commitment to their login, the clock as itself."""
    if isinstance(actor, OperatorActor):
        return operator(actor.username)
    if isinstance(actor, MemberActor):
        return f"member:{record.personal(actor.account)}"
    assert isinstance(actor, ClockActor)
    return "clock"
