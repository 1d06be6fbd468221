"""Putting an amendment to the vote (issue 17): the motion's own poll machinery, at an open,
quorate meeting of the motion's council, by whoever presides there: a yes/no (with abstain)
roll call of the council's delegates (a base assembly's members), with the constitution's
majority and turnout floor for motions, closed early like a motion's. Its close adopts or
rejects the amendment (:func:`amendment_decided`); the motion's text as amended is the fold of
the adopted ones (``constitution.amendments.fold``, :func:`amended_text`).

Order: a sub-amendment is voted before the amendment it amends, every amendment before the
motion. When something is put to the vote while one of its amendments' votes is still open,
it is refused (naming them): that vote decides the text first. The amendments never put to the
vote **lapse**, on the record (``amendment.decided``, state ``lapsed``). Why lapse rather than
refuse: any member of the body may propose an amendment, so refusing the vote while one is
undecided would let a handful stop a motion for ever by proposing amendments nobody puts to
the vote; a lapse is public, and its proposer may move it again as a new motion.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from communard.constitution.amendments import (
    AmendmentState,
    Change,
    amended,
    fold,
    may_put_amendment_to_vote,
    votes_open,
)
from communard.constitution.meetings import may_preside, may_vote_now, vote_is_secret
from communard.constitution.permissions import Actor, ClockActor, NotAllowed, Refusal, check
from communard.record.kinds import AMENDMENT_DECIDED, AMENDMENT_PUT_TO_VOTE
from communard.web.core.actors import record_name
from communard.web.meetings.actions._facts import (
    VOTE_WINDOW,
    acting_member,
    chair_of,
    is_present,
    now,
    present,
    rules_of,
)
from communard.web.meetings.models import (
    Amendment,
    AmendmentDecision,
    AmendmentVote,
    Meeting,
    Motion,
    text_digest,
)
from communard.web.polls.actions.call import PollSpec, do_call_poll
from communard.web.polls.actions.open import do_open_poll
from communard.web.polls.models import Poll, Result
from communard.web.polls.outcomes import on_close
from communard.web.records import services as record

PURPOSE = "amendment"
_SUBJECT = "amendment:"
#: The motion's poll rule (``[polls.motion]``) decides its amendments too: one body, one rule.
RULE_PURPOSE = "motion"


def subject_of(amendment: Amendment) -> str:
    return f"{_SUBJECT}{amendment.pk}"


def amendment_of(poll: Poll) -> Amendment:
    return Amendment.objects.select_related("motion__federation").get(
        pk=int(poll.subject.removeprefix(_SUBJECT)))


def states(motion: Motion) -> dict[int, AmendmentState]:
    """Each amendment of ``motion`` (by id) and its state, in two queries."""
    ids = list(Amendment.objects.filter(motion=motion).values_list("pk", flat=True))
    decided = dict(AmendmentDecision.objects.filter(amendment__motion=motion)
                   .values_list("amendment_id", "state"))
    voted = set(AmendmentVote.objects.filter(amendment__motion=motion)
                .values_list("amendment_id", flat=True))
    return {pk: AmendmentState(decided[pk]) if pk in decided
            else AmendmentState.VOTED if pk in voted else AmendmentState.PROPOSED
            for pk in ids}


def change_of(a: Amendment) -> Change:
    return Change(a.pk, a.paragraph, a.amends_id, a.text)


def adopted(motion: Motion) -> list[Change]:
    """The motion's adopted amendments, in adoption order (the fold's)."""
    return [change_of(d.amendment) for d in AmendmentDecision.objects
            .filter(amendment__motion=motion, state=AmendmentState.ADOPTED.value)
            .select_related("amendment").order_by("at", "pk")]


def amended_text(motion: Motion) -> str:
    """The motion's text as amended by its adopted amendments."""
    return fold(motion.text, adopted(motion))


def amended_digest(motion: Motion, text: str) -> str:
    """The digest a motion's amended text is recorded under: ``Motion.digest``'s, so a
    forwarded motion's own digest equals the one its origin was voted on."""
    return text_digest(motion.title, text, motion.reasons)


def _descendants(amendment_id: int | None, motion: Motion) -> list[int]:
    """The amendments beneath ``amendment_id`` (None: every amendment of the motion)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, amends in Amendment.objects.filter(motion=motion).values_list("pk", "amends_id"):
        children[amends].append(pk)
    found: list[int] = []
    todo = list(children[amendment_id])
    while todo:
        pk = todo.pop()
        found.append(pk)
        todo.extend(children[pk])
    return sorted(found)


def settle_beneath(motion: Motion, amendment: Amendment | None, *, actor: Actor) -> None:
    """Before ``amendment`` (None: the motion) is put to the vote: refused while a vote on one
    of its amendments is open; those never put to the vote lapse, on the record."""
    beneath = _descendants(amendment.pk if amendment is not None else None, motion)
    state = states(motion)
    check(votes_open([pk for pk in beneath if state[pk] is AmendmentState.VOTED]))
    at = now()
    for pk in beneath:
        if state[pk] is AmendmentState.PROPOSED:
            AmendmentDecision.objects.create(amendment_id=pk, state=AmendmentState.LAPSED.value,
                                             at=at)
            record.append(AMENDMENT_DECIDED, {
                "federation": motion.federation.slug, "motion": motion.pk, "amendment": pk,
                "state": AmendmentState.LAPSED.value, "poll": None}, actor=record_name(actor))


def do_put_amendment_to_vote(amendment: Amendment, *, meeting: Meeting, actor: Actor,
                             secret: bool = False) -> Poll:
    """Whoever presides at an open, quorate meeting of the motion's council puts a proposed
    amendment of a debated motion to the vote; its roll call opens at once, its roll frozen
    now. Its own sub-amendments never put to the vote lapse."""
    with transaction.atomic():
        # The motion's lock serialises everything done to its amendments' votes.
        motion = Motion.objects.select_for_update().select_related(
            "council", "federation").get(pk=amendment.motion_id)
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        amendment = Amendment.objects.select_related("amends").get(pk=amendment.pk)
        member = acting_member(actor, motion.federation)
        if meeting.council_id != motion.council_id or not meeting.is_open:
            raise NotAllowed(Refusal("motion-meeting", "an amendment is voted at an open meeting "
                                                       "of the council its motion is addressed to"))
        chairs = chair_of(motion.council)
        check(may_preside(is_chair=member.pk in chairs, chair_sits=bool(chairs),
                          present=is_present(meeting, member)))
        state = states(motion)
        here = present(meeting)
        open_beneath = [pk for pk in _descendants(amendment.pk, motion)
                        if state[pk] is AmendmentState.VOTED]
        check(may_put_amendment_to_vote(
            motion=motion.rule_state, state=state[amendment.pk],
            amends=state[amendment.amends_id] if amendment.amends_id is not None else None,
            open_beneath=open_beneath,
            quorum=may_vote_now(rules_of(motion.federation), present=here, size=meeting.size)))
        settle_beneath(motion, amendment, actor=actor)
        text = amended(change_of(amendment), adopted(motion))
        at = now()
        rule = motion.federation.constitution.polls.for_purpose(RULE_PURPOSE)
        # The motion's matter decides for its amendments: a personnel motion's amendments are
        # no more a matter for roll calls than the motion itself.
        secret = vote_is_secret(motion.federation.constitution.meetings, motion.matter or "",
                                asked=secret)
        where = (f"paragraph {amendment.paragraph}" if amendment.paragraph is not None
                 else f"amendment {amendment.amends_id}")
        poll = do_call_poll(PollSpec(
            federation=motion.federation, electorate=motion.council,
            voters="members" if motion.council.is_base else "delegates",
            purpose=PURPOSE, subject=subject_of(amendment),
            title=f"Amendment {amendment.pk} ({where}) to {motion.title}"[:200],
            question="yes-no", options=(), abstain=True, method=None, seats=1, secret=secret,
            majority=rule.majority, turnout_floor=rule.turnout_floor,
            opens_at=at, closes_at=at + VOTE_WINDOW, roll_at=at,
        ), actor=actor)
        do_open_poll(poll, now=at)
        row = AmendmentVote.objects.create(amendment=amendment, meeting=meeting, poll=poll,
                                           text_sha256=text_digest(text), at=at)
        record.append(AMENDMENT_PUT_TO_VOTE, {
            "federation": motion.federation.slug, "motion": motion.pk,
            "amendment": amendment.pk, "meeting": meeting.pk, "poll": poll.pk,
            "text_sha256": row.text_sha256, "present": here}, actor=record_name(actor))
        poll.refresh_from_db()
    return poll


@on_close(PURPOSE)
def amendment_decided(poll: Poll, result: Result) -> None:
    """The amendment's roll call closed: adopted if the question passed, else rejected, in the
    close's transaction (the clock's entry)."""
    amendment = amendment_of(poll)
    if AmendmentDecision.objects.filter(amendment=amendment).exists():
        return  # cannot happen while votes decide once; a decision is never overwritten
    to = AmendmentState.ADOPTED if result.passed else AmendmentState.REJECTED
    AmendmentDecision.objects.create(amendment=amendment, state=to.value, at=result.counted_at)
    record.append(AMENDMENT_DECIDED, {
        "federation": amendment.motion.federation.slug, "motion": amendment.motion_id,
        "amendment": amendment.pk, "state": to.value, "poll": poll.pk},
        actor=record_name(ClockActor()))
