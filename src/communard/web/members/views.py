"""My page: my assembly, and my delegates at every tier above me."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from communard.web.core.me_sections import render_me_sections
from communard.web.councils.models import Delegate
from communard.web.members.models import Member


@login_required
def me(request: HttpRequest) -> HttpResponse:
    member = (
        Member.objects.select_related("council", "federation").filter(user=request.user).first()
    )
    if member is None:
        return render(request, "members/me.html", {"member": None})
    # Walk up from my assembly: at each tier, the delegates that the constituency I belong to
    # there sends to the council above it.
    chain = []
    constituency = member.council
    while constituency.parent_id is not None:
        parent = constituency.parent
        assert parent is not None
        delegates = list(
            Delegate.objects.filter(constituency=constituency, ended_at__isnull=True)
            .select_related("member")
            .order_by("member__name")
        )
        chain.append({"constituency": constituency, "council": parent, "delegates": delegates})
        constituency = parent
    mandates = Delegate.objects.filter(member=member, ended_at__isnull=True).select_related(
        "council", "constituency"
    )
    context = {
        "member": member,
        "chain": chain,
        "mandates": mandates,
        "platforms": member.platforms.all(),
        "events": member.events.select_related("council"),
        # Other apps' parts of the page (meetings, recalls, …), registered in their ready().
        "sections": render_me_sections(member, request),
    }
    return render(request, "members/me.html", context)
