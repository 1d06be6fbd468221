"""Recall sections other apps' pages show (my page, a council's page), as inclusion tags: the
members and councils apps need not import this one."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from communard.constitution import recall as rules
from communard.web.recalls.models import Notification, Petition, Signature

register = template.Library()


@register.inclusion_tag("recalls/my_petitions.html")
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


@register.inclusion_tag("recalls/council_petitions.html")
def council_petitions(council: Any) -> dict[str, Any]:
    """Petitions and recall results against the delegates this council sends and the holders
    of its offices."""
    petitions = (Petition.objects.filter(Q(constituency=council) | Q(delegate__council=council)
                                         | Q(office_holder__council=council))
                 .select_related("delegate__member", "office_holder__member", "constituency")
                 .distinct()[:50])
    return {"petitions": list(petitions), "council": council,
            "delegates": list(council.delegates_sent.filter(ended_at__isnull=True)
                              .select_related("member"))
            if council.parent_id else []}
