"""A base assembly recalls its delegate at its meeting (``[recall] assembly_vote = true``).

Whoever presides at an open, quorate meeting of the base assembly (the meetings' own rules:
``may_preside``, ``may_vote_now``) puts "Recall <delegate>?" to a secret yes/no poll, which
opens at once for the meeting's vote window (``VOTE_WINDOW``, as a motion's). Its close runs the
recalls' ``do_recall`` (the seat is vacant at once and refilled by the constitution's rule) or
records the delegate kept, which starts the cool-off, with the constitution's ``[recall]``
majority and turnout floor.

**Who votes: the assembly's members, not only those checked in.** The quorum makes it a
decision of the meeting; the roll makes it the constituency's, the same body that elected the
delegate (and the roll a motion of a base assembly has: ``actions/vote.py``). A roll of those
present would let whoever fills the hall on one evening recall a delegate that the whole
assembly elected; a member not in the hall can still vote on the poll's page in the window. The
roll is frozen when the question is put (members admitted afterwards do not vote in it).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max

from communard.constitution import recall as recall_rules
from communard.constitution.meetings import may_preside, may_vote_now
from communard.constitution.permissions import Actor, ClockActor, NotAllowed, Refusal, check
from communard.record.kinds import RECALL_PUT_TO_ASSEMBLY
from communard.web.core.actors import record_name
from communard.web.councils.models import Delegate
from communard.web.meetings.actions._facts import (
    acting_member,
    chair_of,
    is_present,
    locked_meeting,
    now,
    present,
    rules_of,
)
from communard.web.meetings.actions.vote import VOTE_WINDOW
from communard.web.meetings.models import Meeting
from communard.web.members.models import Member
from communard.web.polls.actions.call import PollSpec, do_call_poll
from communard.web.polls.actions.open import do_open_poll
from communard.web.polls.models import Poll, Result
from communard.web.polls.outcomes import on_close
from communard.web.recalls.facts import mandate_ref
from communard.web.records import services as record

PURPOSE = "recall-assembly"


def _prefix(delegate: Delegate) -> str:
    return f"{PURPOSE}:delegate:{delegate.pk}:"


def subject_of(meeting: Meeting, delegate: Delegate) -> str:
    return f"{_prefix(delegate)}meeting:{meeting.pk}"


def delegate_of(poll: Poll) -> Delegate:
    pk = int(poll.subject.removeprefix(f"{PURPOSE}:delegate:").split(":")[0])
    return Delegate.objects.select_related("council__federation", "member").get(pk=pk)


def recallable(meeting: Meeting) -> list[Delegate]:
    """The delegates sitting for the meeting's assembly now (its constituency's seats)."""
    return list(Delegate.objects.filter(constituency=meeting.council, ended_at__isnull=True)
                .select_related("member", "council").order_by("member__number"))


def _facts(meeting: Meeting, delegate: Delegate, member: Member,
           here: int) -> recall_rules.AssemblyRecallFacts:
    chairs = chair_of(meeting.council)
    votes = Poll.objects.filter(purpose=PURPOSE, subject__startswith=_prefix(delegate))
    failed = Result.objects.filter(poll__in=votes, passed=False).aggregate(
        at=Max("counted_at"))["at"]
    return recall_rules.AssemblyRecallFacts(
        is_base_assembly=meeting.council.is_base,
        sits_for_it=delegate.ended_at is None and delegate.constituency_id == meeting.council_id,
        quorum=may_vote_now(rules_of(meeting.federation), present=here, size=meeting.size),
        presiding=may_preside(is_chair=member.pk in chairs, chair_sits=bool(chairs),
                              present=is_present(meeting, member)),
        has_pending_vote=votes.filter(closed_at__isnull=True).exists(),
        last_failed_recall_at=failed,
    )


def do_put_recall_to_assembly(meeting: Meeting, delegate: Delegate, *, actor: Actor) -> Poll:
    """Put "Recall <delegate>?" to the assembly's vote; the poll opens at once."""
    with transaction.atomic():
        meeting = locked_meeting(meeting)
        member = acting_member(actor, meeting.federation)
        if not meeting.is_open:
            raise NotAllowed(Refusal("meeting-not-open",
                                     "a recall is put to the vote at an open meeting"))
        delegate = (Delegate.objects.select_for_update()
                    .select_related("council__federation", "constituency", "member")
                    .get(pk=delegate.pk))
        at, here = now(), present(meeting)
        constitution = meeting.federation.constitution.recall
        check(recall_rules.may_put_recall_at_assembly(
            constitution, _facts(meeting, delegate, member, here), at))
        poll = do_call_poll(PollSpec(
            federation=meeting.federation, electorate=meeting.council, voters="members",
            purpose=PURPOSE, subject=subject_of(meeting, delegate),
            title=f"Recall {delegate.member.name} ({delegate})?"[:200], question="yes-no",
            options=(), abstain=True, method=None, seats=1, secret=True,
            majority=recall_rules.vote_majority(constitution),
            turnout_floor=constitution.turnout_floor,
            opens_at=at, closes_at=at + VOTE_WINDOW, roll_at=at,
        ), actor=actor)
        do_open_poll(poll, now=at)
        record.append(RECALL_PUT_TO_ASSEMBLY, {
            "federation": meeting.federation.slug, "meeting": meeting.pk, "poll": poll.pk,
            "mandate": mandate_ref(delegate), "present": here,
        }, actor=record_name(actor))
        poll.refresh_from_db()
    return poll


@on_close(PURPOSE)
def assembly_recall_decided(poll: Poll, result: Result) -> None:
    """The assembly's recall vote closed: a yes recalls (the seat vacant at once and refilled),
    a no keeps the delegate and starts the cool-off, in the close's transaction."""
    from communard.web.recalls.actions.decide import do_keep_mandate, do_recall

    delegate = delegate_of(poll)
    if delegate.ended_at is not None:
        return  # they left the seat while the vote was open: the result stands on its own
    source = f"poll:{poll.pk}"
    at: dt.datetime = result.counted_at
    if result.passed:
        do_recall(delegate, source=source, actor=ClockActor(), now=at)
    else:
        do_keep_mandate(delegate, source=source, actor=ClockActor())
