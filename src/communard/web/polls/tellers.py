"""The tellers' page of a sealed poll (issue 16): who the tellers are, each one's share sealed
to their own delivery key (to open with ``communard teller keep --key``), and at the close the
hand-in form and who has not yet handed in. Shares are posted, never put in a URL."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from communard.constitution.permissions import MemberActor, NotAllowed
from communard.web.members.models import Member
from communard.web.platforms.models import Platform
from communard.web.polls.actions.hand_in import do_hand_in, try_close
from communard.web.polls.actions.name_teller import do_name_teller
from communard.web.polls.actions.teller_key import do_register_teller_key
from communard.web.polls.closing import teller_label
from communard.web.polls.errors import PollError
from communard.web.polls.models import (
    ClosingKey,
    HandIn,
    Poll,
    PollSeal,
    PollTeller,
    TellerKey,
    TellerNomination,
)
from communard.web.polls.views import load, voter_of


def tellers_context(request: HttpRequest, poll: Poll) -> dict[str, object]:
    seal = PollSeal.objects.filter(poll=poll).first()
    tellers = list(PollTeller.objects.filter(poll=poll).select_related("member"))
    handed = set(HandIn.objects.filter(teller__poll=poll).values_list("teller_id", flat=True))
    me = voter_of(request, poll)
    mine = next((t for t in tellers if me is not None and t.member_id == me.pk), None)
    closing = ClosingKey.objects.filter(poll=poll).first()
    # Tellers whose hand-ins were lost with a restarted clock's closing key (closing.py).
    again = {t.pk for t in tellers
             if closing is not None and t.index in closing.dropped and t.pk not in handed}
    return {
        "poll": poll, "seal": seal, "mine": mine,
        "tellers": [(teller_label(t), t.pk in handed, t.pk in again) for t in tellers],
        "missing": [teller_label(t) for t in tellers if t.pk not in handed],
        "handed_in": len(handed), "closing_key": closing,
        "again": [teller_label(t) for t in tellers if t.pk in again],
        "mine_again": mine is not None and mine.pk in again,
        "closed": timezone.now() >= poll.closes_at, "counted": poll.closed_at is not None,
    }


@require_http_methods(["GET", "POST"])
def tellers_page(request: HttpRequest, poll_id: int) -> HttpResponse:
    poll = load(poll_id)
    status, errors, accepted = 200, [], False
    if request.method == "POST":
        me = voter_of(request, poll)
        if me is None:
            status, errors = 403, ["sign in as the poll's teller to hand in a share"]
        else:
            try:
                do_hand_in(poll, me, request.POST.get("share", ""),
                           actor=MemberActor(request.user.get_username()))
                accepted = True
                try_close(poll)
                poll.refresh_from_db()
            except PollError as refusal:
                status, errors = refusal.status, [str(refusal)]
            except NotAllowed as refusal:
                status, errors = 403, [str(refusal)]
    context = tellers_context(request, poll) | {"errors": errors, "accepted": accepted}
    return render(request, "polls/tellers.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def teller_key_page(request: HttpRequest) -> HttpResponse:
    """A member registers (or replaces) their delivery key: the public line `communard teller
    init` prints. Shares dealt to them as a teller of polls opening later are sealed to it."""
    member = Member.objects.filter(user=request.user).first()
    status, errors, done = 200, [], False
    if member is None:
        status, errors = 403, ["only members register a teller's key"]
    elif request.method == "POST":
        try:
            do_register_teller_key(member, request.POST.get("public_key", ""),
                                   actor=MemberActor(request.user.get_username()))
            done = True
        except PollError as refusal:
            status, errors = refusal.status, [str(refusal)]
        except NotAllowed as refusal:
            status, errors = 403, [str(refusal)]
    current = (TellerKey.objects.filter(member=member).order_by("-pk").first()
               if member else None)
    return render(request, "polls/teller_key.html",
                  {"errors": errors, "done": done, "current": current}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def name_teller_page(request: HttpRequest, poll_id: int) -> HttpResponse:
    """A platform's member names its teller of a secret poll, before the opening: the
    platform (of those they belong to) and the nominee's membership number."""
    poll = load(poll_id)
    me = voter_of(request, poll)
    mine = list(Platform.objects.filter(federation=poll.federation, members=me)) if me else []
    status, errors, done = 200, [], False
    if request.method == "POST":
        platform = next((p for p in mine if p.slug == request.POST.get("platform")), None)
        if me is None or platform is None:
            status, errors = 403, ["platform: name a teller only for a platform you belong to"]
        else:
            try:
                do_name_teller(poll, platform, me, request.POST.get("member", ""),
                               actor=MemberActor(request.user.get_username()))
                done = True
            except PollError as refusal:
                status, errors = refusal.status, [str(refusal)]
            except NotAllowed as refusal:
                status, errors = 403, [str(refusal)]
    named: dict[str, str] = {}
    for platform, nominee in (TellerNomination.objects.filter(poll=poll).order_by("pk")
                              .values_list("platform__name", "member__name")):
        named[platform] = nominee  # the newest naming of each platform counts
    return render(request, "polls/name_teller.html", {
        "poll": poll, "platforms": mine, "named": sorted(named.items()), "errors": errors,
        "done": done, "open": poll.roll_frozen_at is None and poll.secret,
    }, status=status)
