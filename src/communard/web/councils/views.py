"""Pages of the pyramid: a federation's tree, and one council."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from communard.web.councils.models import Council, Delegate, Federation
from communard.web.councils.picture import Box, pyramid_svg
from communard.web.members.models import Member, Status
from communard.web.platforms.models import Platform


def home(request: HttpRequest) -> HttpResponse:
    federations = Federation.objects.order_by("name")
    return render(request, "councils/home.html", {"federations": federations})


def _tree(councils: list[Council]) -> list[dict[str, object]]:
    by_parent: dict[int | None, list[Council]] = {}
    for c in councils:
        by_parent.setdefault(c.parent_id, []).append(c)

    def node(c: Council) -> dict[str, object]:
        kids = sorted(by_parent.get(c.id, []), key=lambda k: k.name)
        return {"council": c, "children": [node(k) for k in kids]}

    return [node(c) for c in sorted(by_parent.get(None, []), key=lambda k: k.name)]


def federation_page(request: HttpRequest, slug: str) -> HttpResponse:
    federation = get_object_or_404(Federation, slug=slug)
    councils = list(federation.councils.all())
    key_of = {c.id: c.key for c in councils}
    boxes = [
        Box(
            c.key,
            c.name,
            c.level,
            key_of.get(c.parent_id),
            c.members_count,
            c.seats_in_parent,
            reverse("council", args=[slug, c.key]),
        )
        for c in councils
    ]
    tiers = federation.constitution.tiers
    counts = {t.key: sum(1 for c in councils if c.tier == t.key) for t in tiers}
    context = {
        "federation": federation,
        "tree": _tree(councils),
        "tiers": [(t, counts[t.key]) for t in reversed(tiers)],
        "members_total": sum(c.members_count for c in councils if c.parent_id is None),
        "picture": mark_safe(
            pyramid_svg(boxes, _("The councils of %(name)s") % {"name": federation.name})
        ),  # noqa: S308 - built from escaped parts
        "platforms": Platform.objects.filter(federation=federation).annotate(
            n=Count("members", filter=Q(members__status=Status.ACTIVE))
        ),
    }
    return render(request, "councils/federation.html", context)


def can_see_members(request: HttpRequest, federation: Federation) -> bool:
    """Member lists are for the federation's own members and its operators, not the public."""
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return Member.objects.filter(user=user, federation=federation, status=Status.ACTIVE).exists()


def council_page(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    federation = get_object_or_404(Federation, slug=slug)
    council = get_object_or_404(
        Council.objects.select_related("parent"), federation=federation, key=key
    )
    constituencies = list(council.children.order_by("name"))
    current = Delegate.objects.filter(ended_at__isnull=True).select_related(
        "member", "constituency"
    )
    delegates = list(current.filter(council=council))
    by_constituency = {
        c.id: [d for d in delegates if d.constituency_id == c.id] for c in constituencies
    }
    sent = list(current.filter(constituency=council))
    show_members = council.is_base and can_see_members(request, federation)
    members = (
        council.members.filter(status=Status.ACTIVE).order_by("name")[:500]
        if show_members
        else None
    )
    offices = council.office_holders.filter(ended_at__isnull=True).select_related("member")
    context = {
        "federation": federation,
        "council": council,
        "offices": offices,
        "ancestors": list(reversed(council.ancestors())),
        "constituencies": [(c, by_constituency[c.id]) for c in constituencies],
        "seats_total": sum(c.seats_in_parent for c in constituencies),
        "filled_total": len(delegates),
        "sent": sent,
        "members": members,
        "members_hidden": council.is_base and not show_members,
        "tier_name": federation.constitution.tier(council.tier).name,
    }
    return render(request, "councils/council.html", context)
