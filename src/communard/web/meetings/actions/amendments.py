"""Amendments: to one paragraph of a motion, or to another amendment of it, until the vote."""

from __future__ import annotations

from django.db import transaction

from communard.constitution.amendments import may_amend_amendment
from communard.constitution.meetings import may_amend
from communard.constitution.permissions import Actor, NotAllowed, Refusal, check
from communard.record.kinds import AMENDMENT_PROPOSED
from communard.web.core.actors import record_name
from communard.web.meetings.actions._facts import acting_member, now, personal, sits_in
from communard.web.meetings.actions.amendment_vote import states
from communard.web.meetings.actions.motions import MAX_TEXT
from communard.web.meetings.models import Amendment, Motion
from communard.web.records import services as record


def do_amend_motion(motion: Motion, *, text: str, reasons: str, actor: Actor,
                    paragraph: int | None = None, amends: Amendment | None = None) -> Amendment:
    """Propose new text for ``paragraph`` (from 1) of ``motion``, or for the amendment
    ``amends``; exactly one of the two. Refused once the motion is voted, and an amendment to an
    amendment once that is put to the vote."""
    with transaction.atomic():
        motion = Motion.objects.select_for_update().select_related(
            "council", "federation").get(pk=motion.pk)
        member = acting_member(actor, motion.federation)
        target_ok = (paragraph is None) != (amends is None) and (
            amends.motion_id == motion.pk if amends is not None
            else paragraph is not None and 1 <= paragraph <= len(motion.paragraphs()))
        check(may_amend(motion.rule_state, eligible=sits_in(member, motion.council),
                        target_ok=target_ok))
        if amends is not None:
            check(may_amend_amendment(states(motion)[amends.pk]))
        if not text.strip() or len(text) > MAX_TEXT or len(reasons) > MAX_TEXT:
            raise NotAllowed(Refusal("amendment-text", f"an amendment needs a new text of 1 to "
                                                       f"{MAX_TEXT} characters"))
        row = Amendment.objects.create(motion=motion, paragraph=paragraph, amends=amends,
                                       text=text, reasons=reasons, mover=member,
                                       submitted_at=now())
        record.append(AMENDMENT_PROPOSED, {
            "federation": motion.federation.slug, "motion": motion.pk, "amendment": row.pk,
            "paragraph": paragraph, "amends": amends.pk if amends is not None else None,
            "text_sha256": row.digest, "member": personal(member)}, actor=record_name(actor))
    return row
