"""Putting a motion to the vote: a yes/no (with abstain) poll of the council's delegates (of a
base assembly's members: it has no delegates), a roll call by default, called and opened at once by whoever presides at a quorate meeting; its close (the clock's,
``web/polls``) adopts or rejects the motion (:func:`motion_decided`).

The poll closes ``VOTE_WINDOW`` after it opens, or earlier (issue 17): whoever presides closes
it when the hall has voted, and the clock as soon as every delegate on its roll has voted
(``actions.close_vote``, ``polls.actions.close_early``). A matter the constitution makes secret
(``[meetings] secret_matters``) is voted by secret ballot, which runs its whole window.
"""

from __future__ import annotations

from django.db import transaction

from communard.constitution.amendments import fold
from communard.constitution.meetings import MotionState, vote_is_secret
from communard.constitution.permissions import Actor, ClockActor
from communard.record.kinds import MOTION_STATE_CHANGED, MOTION_TEXT_SETTLED
from communard.web.core.actors import record_name
from communard.web.meetings.actions._facts import VOTE_WINDOW, now
from communard.web.meetings.actions.amendment_vote import (
    adopted,
    amended_digest,
    settle_beneath,
)
from communard.web.meetings.actions.motions import do_move_motion
from communard.web.meetings.models import Meeting, Motion, MotionStep
from communard.web.polls.actions.call import PollSpec, do_call_poll
from communard.web.polls.actions.open import do_open_poll
from communard.web.polls.models import Poll, Result
from communard.web.polls.outcomes import on_close
from communard.web.records import services as record

PURPOSE = "motion"
_SUBJECT = "motion:"


def subject_of(motion: Motion) -> str:
    return f"{_SUBJECT}{motion.pk}"


def motion_of(poll: Poll) -> Motion:
    return Motion.objects.select_related("federation").get(
        pk=int(poll.subject.removeprefix(_SUBJECT)))


def vote_of(motion: Motion) -> Poll | None:
    """The poll that decides ``motion``, if it was put to the vote."""
    return Poll.objects.filter(purpose=PURPOSE, subject=subject_of(motion)).first()


def do_put_motion_to_vote(motion: Motion, *, meeting: Meeting, actor: Actor,
                          secret: bool = False) -> Poll:
    """The presiding member puts a debated motion to the vote at a quorate meeting (the
    checks of ``do_move_motion``: presiding, the workflow, the quorum checked in), and the
    roll call of the council's delegates opens at once, its roll frozen now.

    The vote is on the text as amended (``amendment_vote``): refused while an amendment's vote
    is open; the amendments never put to the vote lapse; the record's ``motion.text_settled``
    holds the amended text's digest and the amendments folded into it."""
    with transaction.atomic():
        motion = do_move_motion(motion, MotionState.VOTED, meeting=meeting, actor=actor)
        settle_beneath(motion, None, actor=actor)
        changes = adopted(motion)
        text = fold(motion.text, changes)
        at = now()
        rule = motion.federation.constitution.polls.for_purpose(PURPOSE)
        # A matter the constitution makes secret (personnel) is never voted by roll call.
        secret = vote_is_secret(motion.federation.constitution.meetings, motion.matter or "",
                                asked=secret)
        poll = do_call_poll(PollSpec(
            federation=motion.federation, electorate=motion.council,
            voters="members" if motion.council.is_base else "delegates",
            purpose=PURPOSE, subject=subject_of(motion), title=motion.title, question="yes-no",
            options=(), abstain=True, method=None, seats=1, secret=secret,
            majority=rule.majority, turnout_floor=rule.turnout_floor,
            opens_at=at, closes_at=at + VOTE_WINDOW, roll_at=at,
        ), actor=actor)
        do_open_poll(poll, now=at)
        record.append(MOTION_TEXT_SETTLED, {
            "federation": motion.federation.slug, "motion": motion.pk, "poll": poll.pk,
            "text_sha256": amended_digest(motion, text),
            "amendments": [c.id for c in changes]}, actor=record_name(actor))
        poll.refresh_from_db()
    return poll


@on_close(PURPOSE)
def motion_decided(poll: Poll, result: Result) -> None:
    """The roll call closed: the motion is adopted if the question passed, else rejected, in
    the close's transaction; the roll call is compared with the mandates once, and both its
    verdict rows (the scorecard's) and the deviation notices are written from that."""
    from communard.web.meetings.deviations import judge_roll_calls, notify_deviations
    from communard.web.meetings.verdicts import write_verdicts

    motion = Motion.objects.select_for_update().select_related("federation").get(
        pk=motion_of(poll).pk)
    poll.closed_at = poll.closed_at or result.counted_at
    judged = judge_roll_calls([poll])
    # Even of a motion referred by hand: the roll call was held, and is on the scorecards.
    write_verdicts(judged)
    if motion.rule_state is not MotionState.VOTED:
        return  # decided by hand before the close (a referral): the count stands on its own
    to = MotionState.ADOPTED if result.passed else MotionState.REJECTED
    motion.state = to.value
    motion.save(update_fields=["state"])
    MotionStep.objects.create(motion=motion, from_state=MotionState.VOTED.value,
                              to_state=to.value, at=result.counted_at)
    record.append(MOTION_STATE_CHANGED, {
        "federation": motion.federation.slug, "motion": motion.pk,
        "from": MotionState.VOTED.value, "to": to.value, "present": None},
        actor=record_name(ClockActor()))
    notify_deviations(motion, judged, result.counted_at)
