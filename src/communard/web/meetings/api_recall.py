"""Putting a delegate's recall to a base assembly's meeting through the JSON API
(``[recall] assembly_vote = true``): the same ``do_put_recall_to_assembly`` as the meeting's
"put a delegate's recall to the vote" page. The assembly's members then vote on
``POST /api/polls/{poll}/votes``. A refusal is a 4xx naming the rule and changes nothing."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Schema, Status
from ninja.security import django_auth

from communard.constitution.permissions import NotAllowed
from communard.web.accounts.actions import actor_for
from communard.web.core.params import MAX_ID
from communard.web.councils.models import Delegate
from communard.web.meetings.actions.recall import do_put_recall_to_assembly
from communard.web.meetings.api import Id, router
from communard.web.meetings.api_steps import STEP_STATUSES
from communard.web.meetings.models import Meeting
from communard.web.meetings.recall_page import FORBIDDEN


class AssemblyRecallIn(Schema):
    delegate: int = Field(ge=1, le=MAX_ID, description="the delegate's mandate (its id), one "
                                                       "sitting for this meeting's assembly")


class AssemblyRecallOut(Schema):
    poll: int = Field(description="the secret yes/no poll; vote on POST /api/polls/{poll}/votes")
    delegate: int
    opens_at: str
    closes_at: str


class RuleRefusal(Schema):
    detail: str
    rule: str = Field("", description="the rule refused under, e.g. quorum")


@router.post("/meetings/{meeting_id}/recalls",
             response={201: AssemblyRecallOut, **STEP_STATUSES, 403: RuleRefusal,
                       409: RuleRefusal}, auth=django_auth)
def put_recall(request: HttpRequest, meeting_id: Id, body: AssemblyRecallIn) -> Status:
    """Whoever presides at an open meeting of a base assembly, with the quorum checked in, puts
    its delegate's recall to a secret yes/no poll of the assembly's members, open at once for
    the meeting's vote window. 403: not presiding, not a base assembly, or the constitution
    recalls by petition (``no-assembly-vote``); 404: no such meeting or delegate; 409: the
    meeting is not open, no quorum, the delegate does not sit for this assembly, a recall vote
    of them is open, or the cool-off runs."""
    meeting = get_object_or_404(Meeting.objects.select_related("council", "federation"),
                                pk=meeting_id)
    delegate = Delegate.objects.filter(pk=body.delegate).first()
    if delegate is None:
        return Status(404, {"detail": f"delegate: no delegate {body.delegate}"})
    try:
        with transaction.atomic(durable=True):
            poll = do_put_recall_to_assembly(meeting, delegate, actor=actor_for(request.user))
    except NotAllowed as e:
        status = 403 if e.refusal.rule in FORBIDDEN else 409
        return Status(status, {"detail": e.refusal.reason, "rule": e.refusal.rule})
    return Status(201, {"poll": poll.pk, "delegate": delegate.pk,
                        "opens_at": poll.opens_at.isoformat(),
                        "closes_at": poll.closes_at.isoformat()})
