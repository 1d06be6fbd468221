"""A base assembly recalls its delegate at its meeting (``[recall] assembly_vote = true``):
whoever presides, with the quorum checked in, puts the question to a secret yes/no poll of the
assembly's members; its close recalls or keeps (on SQLite, and on PostgreSQL with --db=postgres).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from communard.constitution.permissions import NotAllowed
from communard.web.core import clock
from communard.web.councils.models import Delegate, Federation
from communard.web.meetings.actions.attendance import do_check_in
from communard.web.meetings.actions.call_meeting import do_call_meeting
from communard.web.meetings.actions.recall import do_put_recall_to_assembly
from communard.web.meetings.models import Meeting
from communard.web.members.models import Member
from communard.web.polls.models import Poll
from communard.web.recalls.actions import do_open_petition
from communard.web.records.models import QueuedEntry
from tests.web.factories import recorded, verify_output
from tests.web.meetings_helpers import STARTS, as_member, council
from tests.web.polls_helpers import vote
from tests.web.recall_more_helpers import assembly_federation

pytestmark = pytest.mark.django_db(transaction=True)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def fed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    return assembly_federation(tmp_path, monkeypatch)


def delegate_of_w1() -> Delegate:
    return Delegate.objects.get(constituency__key="w1", ended_at__isnull=True)


def meeting_of_w1(*present: str) -> Meeting:
    """A meeting of workshop one's assembly (its chair vacant: whoever is checked in
    presides), called by member 2, with ``present`` checked in."""
    meeting = do_call_meeting(council("w1"), title="w1 meets", starts_at=STARTS,
                              agenda=["Our delegate"], actor=as_member("2"))
    for number in present:
        do_check_in(meeting, actor=as_member(number))
    return meeting


def _written() -> tuple[int, int]:
    return Poll.objects.count(), recorded().count() + QueuedEntry.objects.count()


def test_the_assembly_recalls_its_delegate_at_a_quorate_meeting(fed, capsys) -> None:  # type: ignore[no-untyped-def]
    """Put by whoever presides with the quorum in; the assembly's members vote; the close
    recalls the delegate (a founding one: a by-election fills the seat); verify replays it."""
    target = delegate_of_w1()
    with pytest.raises(NotAllowed, match="by a vote at its meeting"):
        do_open_petition(target, grounds="g", actor=as_member("2"))
    meeting = meeting_of_w1("2", "3")
    poll = do_put_recall_to_assembly(meeting, target, actor=as_member("2"))
    assert (poll.purpose, poll.question, poll.secret, poll.voters) == (
        "recall-assembly", "yes-no", True, "members")
    assert poll.roll_size == 4  # the assembly's members, not only the two checked in
    put = recorded().get(kind="recall.put_to_assembly")
    assert put.body["poll"] == poll.pk and put.body["present"] == 2
    for number in ("2", "3", "4"):
        vote(poll, number, [1], when=poll.opens_at + MINUTE)
    vote(poll, "1", [2], when=poll.opens_at + MINUTE)
    clock.run_due(now=poll.closes_at)
    target.refresh_from_db()
    assert target.ended_at is not None
    decided = recorded().get(kind="recall.decided")
    assert (decided.body["petition"], decided.body["outcome"], decided.body["source"]) == (
        None, "recalled", f"poll:{poll.pk}")
    assert recorded().filter(kind="election.called").count() == 1  # the by-election
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_a_failed_assembly_recall_keeps_the_delegate_and_starts_the_cool_off(fed) -> None:  # type: ignore[no-untyped-def]
    target = delegate_of_w1()
    meeting = meeting_of_w1("2", "3")
    poll = do_put_recall_to_assembly(meeting, target, actor=as_member("2"))
    before = _written()
    with pytest.raises(NotAllowed) as pending:  # one recall vote of them at a time
        do_put_recall_to_assembly(meeting, target, actor=as_member("2"))
    assert pending.value.refusal.rule == "one-open-petition" and _written() == before
    vote(poll, "2", [1], when=poll.opens_at + MINUTE)
    for number in ("1", "3"):
        vote(poll, number, [2], when=poll.opens_at + MINUTE)
    clock.run_due(now=poll.closes_at)
    target.refresh_from_db()
    assert target.ended_at is None
    assert recorded().get(kind="recall.decided").body["outcome"] == "kept"
    before = _written()
    with pytest.raises(NotAllowed) as cooling:
        do_put_recall_to_assembly(meeting, target, actor=as_member("2"))
    assert cooling.value.refusal.rule == "cool-off" and _written() == before


@pytest.mark.parametrize(("present", "actor", "rule"), [
    (("2",), "2", "quorum"),  # 1 of 4 checked in, 2 needed
    (("2", "3"), "4", "chair-presides"),  # not checked in, so not presiding
])
def test_a_recall_put_without_quorum_or_by_a_non_presiding_member_changes_nothing(
        fed, present: tuple[str, ...], actor: str, rule: str) -> None:  # type: ignore[no-untyped-def]
    meeting = meeting_of_w1(*present)
    before = _written()
    with pytest.raises(NotAllowed) as refused:
        do_put_recall_to_assembly(meeting, delegate_of_w1(), actor=as_member(actor))
    assert refused.value.refusal.rule == rule
    assert _written() == before


def test_the_put_recall_page_refuses_with_the_reason_and_puts_for_the_presiding(fed) -> None:  # type: ignore[no-untyped-def]
    meeting = meeting_of_w1("2")
    page = f"/meetings/{meeting.pk}/put-recall/"
    target = delegate_of_w1()

    def browser(number: str) -> Client:
        client = Client()
        client.force_login(Member.objects.get(number=number).user)
        return client

    assert f"Recall {target.member.name}?" in browser("2").get(page).content.decode()
    before = _written()
    no_quorum = browser("2").post(page, {"delegate": str(target.pk)})
    assert no_quorum.status_code == 409 and "no quorum" in no_quorum.content.decode()
    assert _written() == before
    do_check_in(meeting, actor=as_member("3"))
    before = _written()
    outsider = browser("4").post(page, {"delegate": str(target.pk)})
    assert outsider.status_code == 403 and "checked in" in outsider.content.decode()
    bad = browser("2").post(page, {"delegate": "x1"})
    assert bad.status_code == 400
    assert _written() == before
    put = browser("2").post(page, {"delegate": str(target.pk)})
    poll = Poll.objects.get(purpose="recall-assembly")
    assert put.status_code == 302 and put["Location"] == f"/p/{poll.pk}/"


def test_verify_names_an_assembly_recall_poll_no_meeting_put(fed, capsys) -> None:  # type: ignore[no-untyped-def]
    """A recall poll called from a shell around the meeting's rules (no presiding member, no
    quorum) has no ``recall.put_to_assembly``: verify names it."""
    import dataclasses

    from communard.constitution.permissions import OperatorActor
    from communard.web.meetings.actions.recall import PURPOSE
    from communard.web.polls.actions.call import do_call_poll
    from tests.web.polls_helpers import spec

    target = delegate_of_w1()
    poll = do_call_poll(dataclasses.replace(
        spec(fed), purpose=PURPOSE, subject=f"{PURPOSE}:delegate:{target.pk}:meeting:0"),
        actor=OperatorActor("test-operator"))
    status, out = verify_output(capsys)
    assert status == 1
    assert (f"polls_poll {fed.slug}/poll {poll.pk}: a recall vote of an assembly that no "
            "meeting put") in out, out
