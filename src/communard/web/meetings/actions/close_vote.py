"""Closing a motion's roll call at the meeting (issue 17): the presiding member closes it when
the hall has voted (``polls.actions.close_early.do_close_early``), and the clock closes it as
soon as every delegate on its roll has voted; an amendment's roll call likewise. This module
tells the polls app who presides."""

from __future__ import annotations

from communard.constitution.meetings import may_preside
from communard.constitution.permissions import Actor, ClockActor, NotAllowed, Refusal
from communard.web.councils.models import Federation
from communard.web.meetings.actions._facts import acting_member, chair_of, is_present
from communard.web.meetings.actions.amendment_vote import PURPOSE as AMENDMENT
from communard.web.meetings.actions.amendment_vote import amendment_of
from communard.web.meetings.actions.vote import PURPOSE, motion_of
from communard.web.meetings.models import AmendmentVote, Meeting
from communard.web.polls.early_close import closes_early
from communard.web.polls.models import Poll


@closes_early(PURPOSE)
def presiding_closes(poll: Poll, actor: Actor) -> Refusal | None:
    """Whoever presides at the open meeting that put the motion to the vote (the chair, or with
    the chair vacant a member checked in) closes its roll call; the clock, once all voted."""
    if isinstance(actor, ClockActor):
        return None
    motion = motion_of(poll)
    meeting = (Meeting.objects.filter(pk=motion.meeting_id).select_related("council").first()
               if motion.meeting_id is not None else None)
    return _presiding(meeting, motion.federation, actor)


@closes_early(AMENDMENT)
def presiding_closes_amendment(poll: Poll, actor: Actor) -> Refusal | None:
    """An amendment's roll call closes early as its motion's does: by whoever presides at the
    open meeting that put it to the vote, or by the clock once all voted."""
    if isinstance(actor, ClockActor):
        return None
    amendment = amendment_of(poll)
    vote = AmendmentVote.objects.filter(amendment=amendment).select_related(
        "meeting__council").first()
    return _presiding(vote.meeting if vote is not None else None,
                      amendment.motion.federation, actor)


def _presiding(meeting: Meeting | None, federation: Federation, actor: Actor) -> Refusal | None:
    if meeting is None or not meeting.is_open:
        return Refusal("motion-meeting", "a motion's vote is closed early at the open meeting "
                                         "that put it to the vote; it now runs its calendar")
    try:
        member = acting_member(actor, federation)
    except NotAllowed as refused:
        return refused.refusal
    chairs = chair_of(meeting.council)
    return may_preside(is_chair=member.pk in chairs, chair_sits=bool(chairs),
                       present=is_present(meeting, member))
