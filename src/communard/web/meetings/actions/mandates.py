"""Mandates: a constituency's body, at a quorate meeting, instructs its delegates on a motion
of the council above (until the polls app decides it by a vote, whoever presides records the
meeting's decision)."""

from __future__ import annotations

from django.db import transaction

from communard.constitution.mandates import Stance
from communard.constitution.meetings import may_adopt_mandate, may_preside, may_vote_now
from communard.constitution.permissions import Actor, NotAllowed, Refusal, check
from communard.record.kinds import MANDATE_ADOPTED
from communard.web.core.actors import record_name
from communard.web.meetings.actions._facts import (
    acting_member,
    chair_of,
    is_present,
    locked_meeting,
    now,
    present,
    rules_of,
)
from communard.web.meetings.models import Mandate, Meeting, Motion
from communard.web.records import services as record


def do_adopt_mandate(meeting: Meeting, motion: Motion, *, stance: Stance, binding: bool,
                     actor: Actor) -> Mandate:
    """Record the mandate ``meeting``'s body adopted on ``motion``. Adopted after the council's
    vote it is kept, and binds nothing (``constitution.mandates``)."""
    with transaction.atomic():
        meeting = locked_meeting(meeting)
        motion = Motion.objects.select_related("council").get(pk=motion.pk)
        member = acting_member(actor, meeting.federation)
        if not meeting.is_open:
            raise NotAllowed(Refusal("meeting-closed", "mandates are adopted at an open "
                                                       "meeting"))
        chairs = chair_of(meeting.council)
        check(may_preside(is_chair=member.pk in chairs, chair_sits=bool(chairs),
                          present=is_present(meeting, member)))
        check(may_adopt_mandate(
            constituency_sends_to_council=motion.council_id == meeting.council.parent_id,
            eligible=True))
        check(may_vote_now(rules_of(meeting.federation), present=present(meeting),
                           size=meeting.size))
        row = Mandate.objects.create(motion=motion, constituency=meeting.council,
                                     meeting=meeting, stance=stance.label, binding=binding,
                                     adopted_at=now())
        record.append(MANDATE_ADOPTED, {
            "federation": meeting.federation.slug, "motion": motion.pk, "mandate": row.pk,
            "constituency": meeting.council.key, "meeting": meeting.pk, "stance": stance.label,
            "binding": binding}, actor=record_name(actor))
    return row
