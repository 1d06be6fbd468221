"""Amendments put to the vote through the motions' poll machinery and folded into the motion's
text (issue 17): the roll call, the order (a sub-amendment before its amendment, every
amendment before the motion), lapses, the vote and forward on the amended text, and each
refusal clear and changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from communard.constitution.permissions import ClockActor, NotAllowed
from communard.web.core import clock
from communard.web.councils.models import Federation
from communard.web.meetings.actions.amendment_vote import (
    amended_text,
    do_put_amendment_to_vote,
    states,
)
from communard.web.meetings.actions.motions import do_forward_motion
from communard.web.meetings.actions.vote import do_put_motion_to_vote
from communard.web.meetings.models import AmendmentDecision, AmendmentVote, text_digest
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.actions.close_early import do_close_early
from communard.web.polls.errors import AlreadyVoted, NotOnRoll
from communard.web.polls.models import NamedVote, Poll
from communard.web.records.audit import run
from tests.web import factories
from tests.web.amendment_helpers import (
    MINUTE,
    debated,
    decide,
    district_fixture_constitution,
    propose,
)
from tests.web.factories import recorded
from tests.web.meetings_helpers import as_member, council, meetings_federation
from tests.web.polls_helpers import vote
from tests.web.test_motion_votes import meeting_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    monkeypatch.setattr(factories, "TWO_TIER", district_fixture_constitution(factories.TWO_TIER))
    return meetings_federation(tmp_path)


def unchanged(rule: str, do: Callable[[], object]) -> None:
    """Refused by ``rule``: no entry, no poll, no amendment vote or decision."""
    counts = (recorded().count(), Poll.objects.count(), AmendmentVote.objects.count(),
              AmendmentDecision.objects.count())
    with pytest.raises(NotAllowed) as refusal:
        do()
    assert refusal.value.refusal.rule == rule, refusal.value.refusal
    assert counts == (recorded().count(), Poll.objects.count(), AmendmentVote.objects.count(),
                      AmendmentDecision.objects.count())


def test_an_amendment_is_put_to_a_roll_call_of_the_delegates(fed: Federation) -> None:
    """A named yes/no/abstain poll of d1's delegates, the motion's majority; on the record with
    the text voted and the quorum's evidence."""
    meeting = meeting_of("d1", "1", "5")
    amendment = propose(debated(meeting), "Publish every expense monthly.", paragraph=2)
    poll = do_put_amendment_to_vote(amendment, meeting=meeting, actor=as_member("1"))
    assert (poll.voters, poll.purpose, poll.secret, poll.question, poll.roll_size) == (
        "delegates", "amendment", False, "yes-no", 2)
    assert [o.label for o in poll.options.all()] == ["Yes", "No", "Abstain"]
    entry = recorded().get(kind="amendment.put_to_vote")
    assert entry.body == {
        "federation": "test", "motion": amendment.motion_id, "amendment": amendment.pk,
        "meeting": meeting.pk, "poll": poll.pk, "present": 2,
        "text_sha256": text_digest("Publish every expense monthly.")}
    assert states(amendment.motion)[amendment.pk].value == "voted"


def test_adopted_amendments_are_folded_into_the_motion_and_forwarded(fed: Federation) -> None:
    """A sub-amendment adopted changes its amendment before that is voted; an adopted amendment
    changes its paragraph, a rejected one nothing, an undecided one lapses when the motion is
    put to the vote; the motion is voted on, and forwarded with, the amended text."""
    meeting = meeting_of("d1", "1", "5")
    motion = debated(meeting)
    first = propose(motion, "Publish every expense weekly.", paragraph=2)
    sub = propose(motion, "Publish every expense daily.", amends=first, by="1")
    rejected = propose(motion, "Pay delegates nothing.", paragraph=1)
    left = propose(motion, "Pay delegates double.", paragraph=1)
    decide(sub, meeting, yes=True)
    decide(first, meeting, yes=True)
    decide(rejected, meeting, yes=False)
    assert [d.state for d in AmendmentDecision.objects.order_by("at", "pk")] == [
        "adopted", "adopted", "rejected"]
    amended = "Pay delegates a worker's wage.\n\nPublish every expense daily."
    assert amended_text(motion) == amended

    poll = do_put_motion_to_vote(motion, meeting=meeting, actor=as_member("1"))
    assert states(motion)[left.pk].value == "lapsed"
    lapse = recorded().get(kind="amendment.decided", body__amendment=left.pk)
    assert (lapse.body["state"], lapse.body["poll"]) == ("lapsed", None)
    settled = recorded().get(kind="motion.text_settled").body
    assert settled == {"federation": "test", "motion": motion.pk, "poll": poll.pk,
                       "text_sha256": text_digest("Pay", amended, "Equality"),
                       "amendments": [sub.pk, first.pk]}
    for number in ("1", "5"):
        vote(poll, number, [1], poll.opens_at + MINUTE)
    do_close_poll(poll, now=poll.closes_at)

    sent = do_forward_motion(motion, council("congress"), actor=as_member("1"))
    assert (sent.text, sent.digest) == (amended, settled["text_sha256"])
    forwarded = recorded().get(kind="motion.forwarded").body
    assert forwarded == {"federation": "test", "motion": sent.pk, "origin": motion.pk,
                         "text_sha256": sent.digest, "amendments": [sub.pk, first.pk]}
    assert [d for d in run() if d.table.startswith("meetings_")] == []


def test_the_clock_closes_an_amendment_roll_call_once_everyone_voted(fed: Federation) -> None:
    """As a motion's: with every delegate's vote in, the clock closes and decides it."""
    meeting = meeting_of("d1", "1", "5")
    amendment = propose(debated(meeting), "Publish it.", paragraph=2)
    poll = do_put_amendment_to_vote(amendment, meeting=meeting, actor=as_member("1"))
    for number in ("1", "5"):
        vote(poll, number, [1], poll.opens_at + MINUTE)
    done = "roll call(s) closed: everyone had voted"
    assert clock.run_due(now=poll.opens_at + 2 * MINUTE).done[done] == 1
    assert AmendmentDecision.objects.get(amendment=amendment).state == "adopted"


def test_the_presiding_member_closes_an_amendment_vote_early(fed: Federation) -> None:
    """The chair closes it once the hall has voted; a delegate who does not preside may not."""
    meeting = meeting_of("d1", "1", "5")
    amendment = propose(debated(meeting), "Publish it.", paragraph=2)
    poll = do_put_amendment_to_vote(amendment, meeting=meeting, actor=as_member("1"))
    vote(poll, "5", [2], poll.opens_at + MINUTE)
    with pytest.raises(NotAllowed):
        do_close_early(poll, actor=as_member("5"), now=poll.opens_at + 2 * MINUTE)
    do_close_early(poll, actor=as_member("1"), now=poll.opens_at + 2 * MINUTE)
    assert AmendmentDecision.objects.get(amendment=amendment).state == "rejected"
    with pytest.raises(NotAllowed):
        do_close_early(poll, actor=ClockActor(), now=poll.opens_at + 3 * MINUTE)


def test_putting_an_amendment_to_the_vote_twice_is_refused(fed: Federation) -> None:
    meeting = meeting_of("d1", "1", "5")
    amendment = propose(debated(meeting), "Publish it.", paragraph=2)
    do_put_amendment_to_vote(amendment, meeting=meeting, actor=as_member("1"))
    unchanged("amendment-state", lambda: do_put_amendment_to_vote(
        amendment, meeting=meeting, actor=as_member("1")))


def test_putting_an_amendment_to_the_vote_is_for_whoever_presides(fed: Federation) -> None:
    """The chair sits: a delegate checked in does not put it to the vote, nor does an
    operator."""
    meeting = meeting_of("d1", "1", "5")
    amendment = propose(debated(meeting), "Publish it.", paragraph=2)
    unchanged("chair-presides", lambda: do_put_amendment_to_vote(
        amendment, meeting=meeting, actor=as_member("5")))
    unchanged("members-only", lambda: do_put_amendment_to_vote(
        amendment, meeting=meeting, actor=factories.TEST_OPERATOR))


def test_putting_an_amendment_to_the_vote_without_quorum_is_refused(fed: Federation) -> None:
    """The assembly of w1 (four members, quorum two) debated the motion with two checked in;
    at its next meeting only the chair has checked in."""
    motion = debated(meeting_of("w1", "1", "2"), "Six hours.", mover="2", supporter="3")
    amendment = propose(motion, "Five hours.", paragraph=1, by="3")
    meeting = meeting_of("w1", "1")
    unchanged("quorum", lambda: do_put_amendment_to_vote(
        amendment, meeting=meeting, actor=as_member("1")))


def test_an_amendment_after_the_motion_was_voted_is_refused(fed: Federation) -> None:
    """Put to the vote after the motion: refused (it lapsed when the motion was put)."""
    meeting = meeting_of("d1", "1", "5")
    motion = debated(meeting)
    amendment = propose(motion, "Publish it.", paragraph=2)
    do_put_motion_to_vote(motion, meeting=meeting, actor=as_member("1"))
    unchanged("amendment-motion-state", lambda: do_put_amendment_to_vote(
        amendment, meeting=meeting, actor=as_member("1")))


def test_an_amendment_to_an_amendment_already_voted_is_refused(fed: Federation) -> None:
    """Once an amendment is put to the vote it takes no sub-amendment."""
    meeting = meeting_of("d1", "1", "5")
    motion = debated(meeting)
    amendment = propose(motion, "Publish it.", paragraph=2)
    do_put_amendment_to_vote(amendment, meeting=meeting, actor=as_member("1"))
    unchanged("amendment-target-voted", lambda: propose(motion, "Publish all.",
                                                        amends=amendment))


def test_a_vote_on_an_amendment_by_a_non_delegate_or_twice_is_refused(fed: Federation) -> None:
    """Member 2 is no delegate of d1; delegate 5 votes once."""
    meeting = meeting_of("d1", "1", "5")
    poll = do_put_amendment_to_vote(propose(debated(meeting), "Publish it.", paragraph=2),
                                    meeting=meeting, actor=as_member("1"))
    with pytest.raises(NotOnRoll):
        vote(poll, "2", [1], poll.opens_at + MINUTE)
    vote(poll, "5", [1], poll.opens_at + MINUTE)
    with pytest.raises(AlreadyVoted):
        vote(poll, "5", [2], poll.opens_at + MINUTE)
    assert [n.entry.member.number for n in NamedVote.objects.filter(entry__poll=poll)] == ["5"]


def test_what_is_amended_waits_for_its_amendments_votes(fed: Federation) -> None:
    """Neither the amendment nor the motion is put to the vote while a sub-amendment's (or an
    amendment's) vote is open; both refusals name it."""
    meeting = meeting_of("d1", "1", "5")
    motion = debated(meeting)
    amendment = propose(motion, "Publish it.", paragraph=2)
    sub = propose(motion, "Publish all of it.", amends=amendment)
    do_put_amendment_to_vote(sub, meeting=meeting, actor=as_member("1"))
    unchanged("amendment-votes-open", lambda: do_put_amendment_to_vote(
        amendment, meeting=meeting, actor=as_member("1")))
    unchanged("amendment-votes-open", lambda: do_put_motion_to_vote(
        motion, meeting=meeting, actor=as_member("1")))
    with pytest.raises(NotAllowed, match=f"amendment\\(s\\) {sub.pk} is still open"):
        do_put_motion_to_vote(motion, meeting=meeting, actor=as_member("1"))


def test_a_sub_amendment_never_voted_lapses_when_its_amendment_is_put(fed: Federation) -> None:
    """Putting the amendment first lapses its undecided sub-amendment, on the record; the
    amendment's text voted is its own."""
    meeting = meeting_of("d1", "1", "5")
    motion = debated(meeting)
    amendment = propose(motion, "Publish it.", paragraph=2)
    sub = propose(motion, "Publish all of it.", amends=amendment)
    do_put_amendment_to_vote(amendment, meeting=meeting, actor=as_member("1"))
    assert AmendmentDecision.objects.get(amendment=sub).state == "lapsed"
    assert recorded().get(kind="amendment.put_to_vote").body["text_sha256"] == text_digest(
        "Publish it.")
    unchanged("amendment-state", lambda: do_put_amendment_to_vote(
        sub, meeting=meeting, actor=as_member("1")))
