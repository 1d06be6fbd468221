"""What my page (/me/) shows of meetings: the motions I can support, my assembly's mandates,
my delegates' scorecards, and where a delegate of mine broke a binding mandate (with a link to
petition for their recall, the breach as its grounds)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from communard.constitution.meetings import FROZEN
from communard.web.councils.models import Delegate
from communard.web.meetings.models import DeviationNotice, Mandate, Motion, MotionSupport
from communard.web.members.models import Member


def my_meetings(member: Member) -> dict[str, Any]:
    """Context for the meetings part of a member's page."""
    bodies = [member.council_id, *Delegate.objects.filter(
        member=member, ended_at__isnull=True).values_list("council_id", flat=True)]
    supported = MotionSupport.objects.filter(member=member).values_list("motion_id", flat=True)
    can_support = (Motion.objects.filter(council_id__in=bodies)
                   .exclude(state__in=[s.value for s in FROZEN]).exclude(mover=member)
                   .exclude(pk__in=supported).select_related("council"))
    mandates = (Mandate.objects.filter(constituency_id=member.council_id)
                .select_related("motion__council").order_by("-adopted_at"))
    delegates = Delegate.objects.filter(constituency_id=member.council_id,
                                        ended_at__isnull=True).select_related("member")
    notices = [{"text": n.text, "motion_id": n.motion_id, "delegate_id": n.delegate_id,
                "grounds": urlencode({"grounds": n.text}), "at": n.created_at}
               for n in DeviationNotice.objects.filter(member=member)[:20]]
    return {"can_support": can_support, "assembly_mandates": mandates,
            "scorecards": delegates, "deviations": notices}
