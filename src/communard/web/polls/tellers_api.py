"""JSON API of sealed polls' tellers (issue 16), on the polls router: a member registers their
delivery key; a teller hands in their share at the close (``communard teller hand-in`` prints
the body). Both are POSTs by the signed-in member, with CSRF; a share never travels in a URL."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.security import django_auth

from communard.constitution.permissions import MemberActor, NotAllowed
from communard.web.members.models import Member
from communard.web.polls.actions.hand_in import do_hand_in, try_close
from communard.web.polls.actions.teller_key import do_register_teller_key
from communard.web.polls.api import Invalid, PollId, Refusal, _poll, router
from communard.web.polls.errors import PollError
from communard.web.polls.models import HandIn, PollSeal
from communard.web.polls.views import voter_of


class TellerKeyIn(Schema):
    public_key: str = Field(max_length=100, description="as `communard teller init` prints it")


class ShareIn(Schema):
    share: str = Field(max_length=2000, description="as `communard teller hand-in` prints it")


class HandInOut(Schema):
    handed_in: int
    threshold: int
    counted: bool


@router.post("/teller-key", response={204: None, 400: Refusal, 401: Refusal, 403: Refusal,
                                      422: Invalid}, auth=django_auth)
def register_teller_key(request: HttpRequest, body: TellerKeyIn) -> Status:
    """Register (or replace) your delivery key: shares dealt to you as a teller of polls that
    open later are sealed to it. 400: not a 32-byte key in base64."""
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        return Status(403, {"detail": "only members register a teller's key"})
    try:
        do_register_teller_key(member, body.public_key,
                               actor=MemberActor(request.user.get_username()))
    except PollError as refusal:
        return Status(refusal.status, {"detail": str(refusal)})
    except NotAllowed as refusal:
        return Status(403, {"detail": str(refusal)})
    return Status(204, None)


@router.post("/{poll_id}/shares",
             response={202: HandInOut, 400: Refusal, 401: Refusal, 403: Refusal, 404: Refusal,
                       409: Refusal, 422: Invalid}, auth=django_auth)
def hand_in(request: HttpRequest, poll_id: PollId, body: ShareIn) -> Any:
    """Hand in your share of a closed sealed poll's key. 400: the share is not yours for this
    poll (the message names the teller); 403: not one of its tellers; 409: the poll is not
    closed, its close has not begun, or it is counted already."""
    poll = _poll(poll_id)
    me = voter_of(request, poll)
    if me is None:
        return Status(403, {"detail": "only the poll's tellers hand in shares"})
    try:
        do_hand_in(poll, me, body.share, actor=MemberActor(request.user.get_username()))
    except PollError as refusal:
        return Status(refusal.status, {"detail": str(refusal)})
    except NotAllowed as refusal:
        return Status(403, {"detail": str(refusal)})
    counted = try_close(poll)
    return Status(202, {"handed_in": HandIn.objects.filter(teller__poll=poll).count(),
                        "threshold": PollSeal.objects.get(poll=poll).threshold,
                        "counted": counted})
