"""The page where whoever presides at a base assembly's meeting puts its delegate's recall to
the vote (``[recall] assembly_vote``; ``actions/recall.py``). A refusal (not presiding, no
quorum, ...) shows its reason with a 4xx and changes nothing; a recall put goes to its poll's
page, where the assembly's members vote."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from communard.constitution.permissions import NotAllowed
from communard.web.accounts.actions import actor_for
from communard.web.councils.models import Delegate
from communard.web.meetings.actions.recall import do_put_recall_to_assembly, recallable
from communard.web.meetings.models import Meeting

#: Refusals of who acts (403); the others are of the moment (409: no quorum, a vote open).
FORBIDDEN = {"chair-presides", "members-only", "no-assembly-vote", "not-a-base-assembly"}


@login_required
@require_http_methods(["GET", "POST"])
def put_recall(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("council", "federation"),
                                pk=meeting_id)
    context = {"meeting": meeting, "delegates": recallable(meeting), "error": ""}
    if request.method == "GET":
        return render(request, "meetings/put_recall.html", context)
    raw = request.POST.get("delegate", "")
    delegate = (Delegate.objects.filter(pk=int(raw)).first()
                if raw.isascii() and raw.isdigit() and len(raw) < 12 else None)
    if delegate is None:
        context["error"] = f"delegate: {raw[:20]!r} is not a delegate's number"
        return render(request, "meetings/put_recall.html", context, status=400)
    try:
        with transaction.atomic(durable=True):
            poll = do_put_recall_to_assembly(meeting, delegate, actor=actor_for(request.user))
    except NotAllowed as e:
        context["error"] = e.refusal.reason
        status = 403 if e.refusal.rule in FORBIDDEN else 409
        return render(request, "meetings/put_recall.html", context, status=status)
    return redirect("poll", poll_id=poll.pk)
