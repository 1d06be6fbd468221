"""What my page (/me/) shows of recalls: open petitions I may sign, and my notifications."""

from __future__ import annotations

from typing import Any

from communard.constitution import recall as rules
from communard.web.recalls.models import Notification, Petition, Signature


def my_petitions(member: Any) -> dict[str, Any]:
    """Open petitions in the constituencies I belong to that I have not signed (whether I am on
    a petition's roll is the action's to say, with the reason), and my notifications."""
    mine = [c.pk for c in [member.council, *member.council.ancestors()]]
    signed = Signature.objects.filter(member=member).values("petition_id")
    petitions = (Petition.objects.filter(constituency_id__in=mine, state=rules.OPEN)
                 .exclude(pk__in=signed)
                 .exclude(delegate__member=member).exclude(office_holder__member=member)
                 .select_related("delegate__member", "office_holder__member", "constituency"))
    notes = Notification.objects.filter(member=member)[:20]
    return {"petitions": list(petitions), "notifications": list(notes)}
