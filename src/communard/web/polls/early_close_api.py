"""Closing a roll call early through the API (issue 17), on the polls router: the page's
"Close the vote" twin. Who may is the poll's purpose's rule (the presiding member, for a
motion); secret polls never close early."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Schema, Status
from ninja.security import django_auth

from communard.constitution.permissions import NotAllowed
from communard.web.accounts.actions import actor_for
from communard.web.polls.actions.close_early import do_close_early
from communard.web.polls.api import Invalid, PollId, Refusal, _poll, router
from communard.web.polls.errors import PollError


class ClosedEarlyOut(Schema):
    poll: int
    closed_at: str
    passed: bool
    reason: str


@router.post("/{poll_id}/close", response={200: ClosedEarlyOut, 401: Refusal, 403: Refusal,
                                           404: Refusal, 409: Refusal, 422: Invalid},
             auth=django_auth)
def close_early(request: HttpRequest, poll_id: PollId) -> Status:
    """Close an open roll call now and count it (for a motion: whoever presides at its
    meeting). 403: not yours to close, a secret poll, or not open; 404: no such poll."""
    poll = _poll(poll_id)
    try:
        result = do_close_early(poll, actor=actor_for(request.user))
    except NotAllowed as e:
        return Status(403, {"detail": str(e)})
    except PollError as e:
        return Status(e.status, {"detail": str(e)})
    return Status(200, {"poll": poll.pk, "closed_at": result.counted_at.isoformat(),
                        "passed": result.passed, "reason": result.reason})
