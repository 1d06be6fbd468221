"""What the recall actions share: the acting member, the time, the petition's reference."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from communard.constitution.permissions import Actor, MemberActor, NotAllowed, Refusal
from communard.web.councils.models import Federation
from communard.web.members.models import Member
from communard.web.recalls.models import Petition


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def acting_member(actor: Actor, federation: Federation) -> Member:
    """The member a member actor signs in as, in this federation; refused for anyone else."""
    member = None
    if isinstance(actor, MemberActor):
        member = (Member.objects.select_related("council")
                  .filter(federation=federation, user__username=actor.account).first())
    if member is None:
        raise NotAllowed(Refusal("members-only",
                                 f"only a member of {federation.name} signed in as themself "
                                 "petitions and signs"))
    return member


def ref(petition: Petition) -> dict[str, Any]:
    return {"federation": petition.federation.slug, "petition": petition.pk}

