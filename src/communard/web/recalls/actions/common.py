"""What the recall actions share: the acting member, the time, the petition's reference."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from communard.constitution.permissions import Actor, MemberActor, NotAllowed, Refusal
from communard.web.councils.models import Federation
from communard.web.members.models import Member
from communard.web.recalls.models import Notification, Petition


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


def notify(petition: Petition, member_ids: set[int] | list[int], text: str,
           at: dt.datetime) -> None:
    """A line on each member's page (in batches: a constituency may have 100,000 members)."""
    rows = (Notification(member_id=m, petition=petition, text=text[:300], created_at=at)
            for m in sorted(member_ids))
    Notification.objects.bulk_create(rows, batch_size=2000)
