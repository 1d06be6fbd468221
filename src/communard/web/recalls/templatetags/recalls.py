"""Recall sections other apps' pages show (a council's page), as inclusion tags: the councils
app need not import this one. (My page's section is registered in ``apps.py``: ``mine.py``.)"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from communard.web.recalls.models import Petition

register = template.Library()


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
