"""Recall pages: a petition (its progress toward the threshold, deadline, grounds, and the
sign and withdraw buttons), and the form that opens one against a delegate. Views parse, call
one action inside the request's durable transaction, and render; a refusal is shown with its
reason and a 4xx status, and changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from communard.constitution.permissions import NotAllowed
from communard.web.accounts.actions import actor_for
from communard.web.councils.models import Delegate
from communard.web.members.models import Member
from communard.web.recalls import replacement
from communard.web.recalls.actions import (
    do_open_petition,
    do_sign,
    do_stand_for_replacement,
    do_withdraw_signature,
)
from communard.web.recalls.api import refused
from communard.web.recalls.models import Petition, Signature


def _petition(petition_id: int) -> Petition:
    return get_object_or_404(
        Petition.objects.select_related("federation", "constituency", "delegate__member",
                                        "delegate__council", "office_holder__member",
                                        "office_holder__council"), pk=petition_id)


def _standing(petition: Petition, request: HttpRequest) -> dict[str, Any]:
    member = None
    if request.user.is_authenticated:
        member = Member.objects.filter(user=request.user, federation=petition.federation).first()
    signature = (Signature.objects.filter(petition=petition, member=member)
                 .select_related("withdrawal").first() if member else None)
    withdrawn = signature is not None and hasattr(signature, "withdrawal")
    return {"member": member, "signed": signature is not None and not withdrawn,
            "withdrawn": withdrawn}


def petition_page(request: HttpRequest, petition_id: int, *, error: str = "",
                  status: int = 200) -> HttpResponse:
    petition = _petition(petition_id)
    context = {"petition": petition, "mandate": petition.mandate, "error": error,
               "asks_replacement": replacement.is_asked(petition),
               "candidates": replacement.candidates(petition),
               **_standing(petition, request)}
    return render(request, "recalls/petition.html", context, status=status)


def _act(request: HttpRequest, petition_id: int, action: Any, done: str) -> HttpResponse:
    petition = _petition(petition_id)
    try:
        with transaction.atomic(durable=True):
            action(petition, actor=actor_for(request.user))
    except NotAllowed as e:
        return petition_page(request, petition_id, error=e.refusal.reason,
                             status=refused(e.refusal).status_code)
    messages.success(request, done)
    return redirect("petition", petition_id=petition_id)


@login_required
@require_POST
def sign(request: HttpRequest, petition_id: int) -> HttpResponse:
    return _act(request, petition_id, do_sign, "You signed the petition.")


@login_required
@require_POST
def withdraw(request: HttpRequest, petition_id: int) -> HttpResponse:
    return _act(request, petition_id, do_withdraw_signature, "Your signature is withdrawn.")


@login_required
@require_POST
def stand(request: HttpRequest, petition_id: int) -> HttpResponse:
    # An office-holder's recall asks who takes the office, a delegate's who takes the seat.
    what = "office" if _petition(petition_id).office_holder_id else "seat"
    return _act(request, petition_id, do_stand_for_replacement,
                f"You stand for the {what} on the recall ballot.")


@login_required
def open_petition(request: HttpRequest, delegate_id: int) -> HttpResponse:
    """The form to petition for a delegate's recall, and its submission."""
    delegate = get_object_or_404(Delegate.objects.select_related("member", "council",
                                                                 "constituency"), pk=delegate_id)
    # ?grounds= prefills the form (a deviation notice on /me/ links here with the breach).
    context: dict[str, Any] = {"delegate": delegate, "error": "",
                               "grounds": request.GET.get("grounds", "")[:2000]}
    if request.method != "POST":
        return render(request, "recalls/open.html", context)
    context["grounds"] = grounds = request.POST.get("grounds", "")
    try:
        with transaction.atomic(durable=True):
            petition = do_open_petition(delegate, grounds=grounds,
                                        actor=actor_for(request.user))
    except NotAllowed as e:
        context["error"] = e.refusal.reason
        return render(request, "recalls/open.html", context,
                      status=refused(e.refusal).status_code)
    messages.success(request, "The petition is open.")
    return redirect("petition", petition_id=petition.pk)
