"""Motions: submitted by a member or delegate of the body, supported, moved along the workflow
by whoever presides at an open meeting, and forwarded up or down the pyramid once adopted."""

from __future__ import annotations

from django.db import transaction

from communard.constitution.amendments import fold
from communard.constitution.meetings import (
    MotionState,
    is_matter,
    may_forward,
    may_leave_vote,
    may_move,
    may_preside,
    may_support,
    may_vote_now,
)
from communard.constitution.permissions import Actor, NotAllowed, Refusal, check
from communard.record.kinds import (
    MOTION_FORWARDED,
    MOTION_MATTER_DECLARED,
    MOTION_STATE_CHANGED,
    MOTION_SUBMITTED,
    MOTION_SUPPORTED,
)
from communard.web.core.actors import record_name
from communard.web.councils.models import Council
from communard.web.meetings.actions._facts import (
    acting_member,
    chair_of,
    is_present,
    now,
    personal,
    present,
    rules_of,
    sits_in,
)
from communard.web.meetings.actions.amendment_vote import adopted
from communard.web.meetings.models import Meeting, Motion, MotionStep, MotionSupport
from communard.web.members.models import Member
from communard.web.polls.models import Poll
from communard.web.records import services as record

MAX_TEXT = 100_000


def _check_text(title: str, text: str, reasons: str) -> None:
    if not title.strip() or len(title) > 200:
        raise NotAllowed(Refusal("motion-title", "a motion needs a title of 1 to 200 characters"))
    if not text.strip() or len(text) > MAX_TEXT:
        raise NotAllowed(Refusal("motion-text", f"a motion needs a text of 1 to {MAX_TEXT} "
                                                "characters"))
    if len(reasons) > MAX_TEXT:
        raise NotAllowed(Refusal("motion-reasons", f"reasons: at most {MAX_TEXT} characters"))


def _submit(council: Council, *, title: str, text: str, reasons: str, mover: Member | None,
            forwarded_from: Motion | None, actor: Actor, matter: str = "") -> Motion:
    at = now()
    motion = Motion.objects.create(
        federation=council.federation, council=council, title=title.strip(), text=text,
        reasons=reasons, mover=mover, forwarded_from=forwarded_from, submitted_at=at,
        matter=matter)
    MotionStep.objects.create(motion=motion, from_state="", to_state=motion.state, at=at)
    record.append(MOTION_SUBMITTED, {
        "federation": council.federation.slug, "motion": motion.pk, "council": council.key,
        "meeting": None, "title": motion.title, "text_sha256": motion.digest,
        "member": personal(mover) if mover is not None else None,
        "forwarded_from": forwarded_from.pk if forwarded_from is not None else None,
    }, actor=record_name(actor))
    if matter:
        record.append(MOTION_MATTER_DECLARED, {
            "federation": council.federation.slug, "motion": motion.pk, "matter": matter},
            actor=record_name(actor))
    return motion


def do_submit_motion(council: Council, *, title: str, text: str, reasons: str,
                     actor: Actor, matter: str = "") -> Motion:
    """A member of an assembly, or a delegate of a council, submits a motion to that body,
    declaring its matter if it has one (``[meetings] secret_matters`` make some secret)."""
    with transaction.atomic():
        member = acting_member(actor, council.federation)
        if not sits_in(member, council):
            raise NotAllowed(Refusal("not-in-body", "only the body's members or delegates "
                                                    "submit motions to it"))
        _check_text(title, text, reasons)
        if not is_matter(matter):
            raise NotAllowed(Refusal("motion-matter", "matter: a lower-case word of up to 40 "
                                                      "letters, digits or hyphens, or nothing"))
        return _submit(council, title=title, text=text, reasons=reasons, mover=member,
                       forwarded_from=None, actor=actor, matter=matter)


def do_support_motion(motion: Motion, *, actor: Actor) -> MotionSupport:
    """A member of the body supports a motion, once, not their own, until it is voted."""
    with transaction.atomic():
        motion = Motion.objects.select_for_update().select_related(
            "council", "federation").get(pk=motion.pk)
        member = acting_member(actor, motion.federation)
        check(may_support(
            motion.rule_state, is_mover=motion.mover_id == member.pk,
            supported=MotionSupport.objects.filter(motion=motion, member=member).exists(),
            eligible=sits_in(member, motion.council)))
        row = MotionSupport.objects.create(motion=motion, member=member, at=now())
        record.append(MOTION_SUPPORTED, {
            "federation": motion.federation.slug, "motion": motion.pk,
            "member": personal(member)}, actor=record_name(actor))
    return row


def do_move_motion(motion: Motion, to: MotionState, *, meeting: Meeting,
                   actor: Actor) -> Motion:
    """Whoever presides at an open meeting of the motion's council moves it one step: admits
    it (with its supporters), opens its debate, puts it to the vote (with the quorum checked
    in), records the vote's outcome, or refers it. The meeting becomes the motion's."""
    with transaction.atomic():
        motion = Motion.objects.select_for_update().select_related(
            "council", "federation").get(pk=motion.pk)
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        member = acting_member(actor, motion.federation)
        if meeting.council_id != motion.council_id or not meeting.is_open:
            raise NotAllowed(Refusal("motion-meeting", "a motion moves at an open meeting of "
                                                       "the council it is addressed to"))
        chairs = chair_of(motion.council)
        check(may_preside(is_chair=member.pk in chairs, chair_sits=bool(chairs),
                          present=is_present(meeting, member)))
        check(may_leave_vote(motion.rule_state, poll_open=_vote_open(motion)))
        rules = rules_of(motion.federation)
        here = present(meeting)
        check(may_move(rules, motion.rule_state, to,
                       supporters=MotionSupport.objects.filter(motion=motion).count(),
                       quorum=may_vote_now(rules, present=here, size=meeting.size)))
        before = motion.state
        motion.state = to.value
        motion.meeting = meeting
        motion.save(update_fields=["state", "meeting"])
        counted = here if to is MotionState.VOTED else None
        MotionStep.objects.create(motion=motion, from_state=before, to_state=to.value, at=now(),
                                  present=counted)
        record.append(MOTION_STATE_CHANGED, {
            "federation": motion.federation.slug, "motion": motion.pk, "from": before,
            "to": to.value, "present": counted}, actor=record_name(actor))
    return motion


def _vote_open(motion: Motion) -> bool:
    """Whether the motion's poll (``actions.vote``) is called and not yet closed."""
    return Poll.objects.filter(purpose="motion", subject=f"motion:{motion.pk}",
                               closed_at__isnull=True).exists()


def do_forward_motion(motion: Motion, to: Council, *, actor: Actor) -> Motion:
    """An adopted motion goes to the council directly above or one directly beneath, as a new
    submitted motion there (its origin named) with its text as amended by the amendments it
    adopted (``motion.forwarded`` names them); the body's chair (or, with the chair vacant, any
    of its members) sends it."""
    with transaction.atomic():
        motion = Motion.objects.select_for_update().select_related(
            "council", "federation").get(pk=motion.pk)
        member = acting_member(actor, motion.federation)
        chairs = chair_of(motion.council)
        check(may_preside(is_chair=member.pk in chairs, chair_sits=bool(chairs),
                          present=sits_in(member, motion.council)))
        neighbour = to.federation_id == motion.federation_id and (
            to.pk == motion.council.parent_id or to.parent_id == motion.council_id)
        check(may_forward(motion.rule_state, is_neighbour=neighbour))
        # The district adopts it with amendments and sends it on: the text as amended goes.
        changes = adopted(motion)
        sent = _submit(to, title=motion.title, text=fold(motion.text, changes),
                       reasons=motion.reasons, mover=None, forwarded_from=motion, actor=actor,
                       matter=motion.matter or "")
        record.append(MOTION_FORWARDED, {
            "federation": motion.federation.slug, "motion": sent.pk, "origin": motion.pk,
            "text_sha256": sent.digest, "amendments": [c.id for c in changes]},
            actor=record_name(actor))
        return sent
