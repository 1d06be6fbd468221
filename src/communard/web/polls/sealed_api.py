"""JSON API of sealed polls (issue 16), on the polls router: a teller hands in their share at
the close (``communard teller hand-in`` prints the body); anyone finds a ballot by a posted
tracking code. (A member registers their delivery key on a page, /p/tellers/key/.) A share or a code never travels in a URL,
where access logs would keep it beside the sender's address."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.security import django_auth

from communard.constitution.permissions import MemberActor, NotAllowed
from communard.web.platforms.models import Platform
from communard.web.polls.actions.hand_in import do_hand_in, try_close
from communard.web.polls.actions.name_teller import do_name_teller
from communard.web.polls.api import Invalid, PollId, Refusal, _poll, router
from communard.web.polls.errors import PollError
from communard.web.polls.lookup import published_choices
from communard.web.polls.models import HandIn, PollSeal
from communard.web.polls.views import voter_of


class ShareIn(Schema):
    share: str = Field(max_length=2000, description="as `communard teller hand-in` prints it")


class HandInOut(Schema):
    handed_in: int
    threshold: int
    counted: bool


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


class TrackIn(Schema):
    tracking_code: str = Field(max_length=40)


class FoundBallot(Schema):
    tracking_code: str
    choices: list[int]


@router.post("/{poll_id}/track",
             response={200: FoundBallot, 400: Refusal, 404: Refusal, 409: Refusal,
                       422: Invalid})
def find_ballot(request: HttpRequest, poll_id: PollId, body: TrackIn) -> Any:
    """A ballot of the published box by its tracking code, posted. 400: the body is not
    JSON; 409: the poll is not counted yet; 404: no ballot has that code."""
    poll = _poll(poll_id)
    if poll.closed_at is None:
        return Status(409, {"detail": "ballots are published when the poll is counted"})
    code = body.tracking_code.strip().upper()
    choices = published_choices(poll.pk, code)  # no query carries the code (polls/lookup.py)
    if choices is None:
        return Status(404, {"detail": "no ballot with that tracking code in this poll"})
    return {"tracking_code": code, "choices": choices}


class NomineeIn(Schema):
    platform: str = Field(max_length=50, description="the platform's slug")
    member: str = Field(max_length=40, description="the nominee's membership number")


class NomineeOut(Schema):
    platform: str
    member: str


@router.post("/{poll_id}/tellers/nominees",
             response={201: NomineeOut, 400: Refusal, 401: Refusal, 403: Refusal, 404: Refusal,
                       409: Refusal, 422: Invalid}, auth=django_auth)
def name_teller(request: HttpRequest, poll_id: PollId, body: NomineeIn) -> Any:
    """Name your platform's teller of a secret poll before it opens (the newest naming of a
    platform counts). 400: the nominee is not on the roll or has no delivery key (the message
    says which); 403: you are not a member of the platform; 404: no such poll or platform;
    409: the poll is open already, or a roll call."""
    poll = _poll(poll_id)
    me = voter_of(request, poll)
    platform = Platform.objects.filter(federation=poll.federation, slug=body.platform).first()
    if platform is None:
        return Status(404, {"detail": f"platform: no platform {body.platform!r} here"})
    if me is None:
        return Status(403, {"detail": "only a platform's members name its teller"})
    try:
        row = do_name_teller(poll, platform, me, body.member,
                             actor=MemberActor(request.user.get_username()))
    except PollError as refusal:
        return Status(refusal.status, {"detail": str(refusal)})
    except NotAllowed as refusal:
        return Status(403, {"detail": str(refusal)})
    return Status(201, {"platform": platform.slug, "member": row.member.number})
