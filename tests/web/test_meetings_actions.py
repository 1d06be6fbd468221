"""Meetings, motions, amendments and mandates through their actions: each change on the record,
each refusal clear and changing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from communard.constitution.mandates import Stance
from communard.constitution.meetings import MotionState
from communard.constitution.permissions import NotAllowed, OperatorActor
from communard.web.councils.models import Federation, OfficeHolder
from communard.web.meetings.actions.amendments import do_amend_motion
from communard.web.meetings.actions.attendance import do_check_in, do_close_meeting
from communard.web.meetings.actions.call_meeting import (
    do_call_meeting,
    do_join_meeting_call,
    do_request_meeting,
)
from communard.web.meetings.actions.mandates import do_adopt_mandate
from communard.web.meetings.actions.motions import (
    do_forward_motion,
    do_move_motion,
    do_submit_motion,
    do_support_motion,
)
from communard.web.meetings.models import Amendment, Meeting, Motion
from communard.web.members.models import Member
from tests.web.factories import recorded, verify_output
from tests.web.meetings_helpers import STARTS, as_member, council, meetings_federation
from tests.web.tampering import guards_lifted

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return meetings_federation(tmp_path)


def refused(rule: str, do: object, *args: object, **kwargs: object) -> None:
    """The action is refused by ``rule`` and the record does not grow."""
    before = recorded().count()
    with pytest.raises(NotAllowed) as refusal:
        do(*args, **kwargs)  # type: ignore[operator]
    assert refusal.value.refusal.rule == rule, refusal.value.refusal
    assert recorded().count() == before


def open_meeting(key: str, *numbers: str, chair: bool = True) -> Meeting:
    """A meeting of ``key`` called by the first of ``numbers``, who is made its chair (a row
    the councils audit will not find on the record), with ``numbers`` checked in. Without
    ``chair`` the chair stays vacant: a fifth of a small body calls it, anyone present
    presides."""
    body = council(key)
    if chair:
        OfficeHolder.objects.get_or_create(
            council=body, office="chair", member=Member.objects.get(number=numbers[0]),
            defaults={"began_at": STARTS, "source": "test"})
    meeting = do_call_meeting(body, title=f"{key} meets", starts_at=STARTS,
                              agenda=["Motions"], actor=as_member(numbers[0]))
    for n in numbers:
        do_check_in(meeting, actor=as_member(n))
    return meeting


def test_call_meeting_by_the_chair_is_recorded(fed: Federation) -> None:
    """The chair calls a meeting with its agenda; the record says by whom and its quorum."""
    meeting = open_meeting("w1", "2")
    entry = recorded().get(kind="meeting.called")
    assert entry.body["by"] == "chair" and entry.body["agenda"] == ["Motions"]
    assert (entry.body["size"], entry.body["quorum"]) == (4, 2) == (meeting.size, meeting.quorum)


def test_call_meeting_without_the_required_support_is_refused(fed: Federation) -> None:
    """With a call share of 1/2, one member of a workplace of four who is not its chair
    cannot call a meeting alone: refused, nothing made."""
    fed.constitution_text += '\n[meetings]\ncall_share = "1/2"\n'
    fed.save(update_fields=["constitution_text"])
    refused("meeting-call-support", do_call_meeting, council("w1"), title="Now",
            starts_at=STARTS, agenda=[], actor=as_member("2"))
    assert not Meeting.objects.exists()


def test_request_meeting_is_called_when_the_share_asks(fed: Federation) -> None:
    """Members ask together; the one who brings the share calls it; asking twice is refused."""
    fed.constitution_text += '\n[meetings]\ncall_share = "1/2"\n'
    fed.save(update_fields=["constitution_text"])
    meeting = do_request_meeting(council("w1"), title="Strike?", starts_at=STARTS,
                                 agenda=["Strike"], actor=as_member("2"))
    assert not meeting.is_called
    refused("called-twice", do_join_meeting_call, meeting, actor=as_member("2"))
    refused("not-in-body", do_join_meeting_call, meeting, actor=as_member("5"))
    meeting = do_join_meeting_call(meeting, actor=as_member("3"))
    assert meeting.is_called and meeting.called_by == "members"
    assert recorded().get(kind="meeting.called").body["callers"] == 2


def test_check_in_from_outside_the_council_is_refused(fed: Federation) -> None:
    """A member of another workplace, or a non-delegate at a council, cannot check in; nor
    twice; nor an operator."""
    meeting = open_meeting("w1", "1")
    refused("not-in-body", do_check_in, meeting, actor=as_member("5"))
    refused("checked-in-twice", do_check_in, meeting, actor=as_member("1"))
    refused("members-only", do_check_in, meeting, actor=OperatorActor("op"))
    district = open_meeting("d1", "1")
    refused("not-in-body", do_check_in, district, actor=as_member("2"))
    do_check_in(district, actor=as_member("5"))
    assert district.attendance.count() == 2


def test_motion_workflow_with_support_and_quorum(fed: Federation) -> None:
    """Submitted → admitted (with supporters) → debated → voted (with quorum) → adopted; each
    step in the history and on the record."""
    meeting = open_meeting("w1", "1")
    motion = do_submit_motion(council("w1"), title="Shorter shifts",
                              text="We demand six hours.\n\nWith full pay.", reasons="Health",
                              actor=as_member("2"))
    refused("motion-support", do_move_motion, motion, MotionState.ADMITTED, meeting=meeting,
            actor=as_member("1"))
    refused("own-motion", do_support_motion, motion, actor=as_member("2"))
    do_support_motion(motion, actor=as_member("3"))
    refused("supported-twice", do_support_motion, motion, actor=as_member("3"))
    do_support_motion(motion, actor=as_member("4"))
    do_move_motion(motion, MotionState.ADMITTED, meeting=meeting, actor=as_member("1"))
    do_move_motion(motion, MotionState.DEBATED, meeting=meeting, actor=as_member("1"))
    refused("quorum", do_move_motion, motion, MotionState.VOTED, meeting=meeting,
            actor=as_member("1"))
    do_check_in(meeting, actor=as_member("2"))
    do_move_motion(motion, MotionState.VOTED, meeting=meeting, actor=as_member("1"))
    do_move_motion(motion, MotionState.ADOPTED, meeting=meeting, actor=as_member("1"))
    motion.refresh_from_db()
    assert motion.state == "adopted"
    assert [s.to_state for s in motion.history.all()] == [
        "submitted", "admitted", "debated", "voted", "adopted"]
    steps = recorded().filter(kind="motion.state_changed").order_by("index")
    assert [e.body["present"] for e in steps] == [None, None, 2, None]


def test_amendment_to_a_motion_already_voted_is_refused(fed: Federation) -> None:
    """Amendments to a paragraph and to an amendment are taken until the vote, then refused."""
    meeting = open_meeting("w1", "1", "2")
    motion = do_submit_motion(council("w1"), title="T", text="One.\n\nTwo.", reasons="",
                              actor=as_member("2"))
    first = do_amend_motion(motion, text="Two, at once.", reasons="", paragraph=2,
                            actor=as_member("3"))
    do_amend_motion(motion, text="Two, now.", reasons="", amends=first, actor=as_member("4"))
    refused("amendment-target", do_amend_motion, motion, text="x", reasons="", paragraph=3,
            actor=as_member("3"))
    for n in ("3", "4"):
        do_support_motion(motion, actor=as_member(n))
    for state in (MotionState.ADMITTED, MotionState.DEBATED, MotionState.VOTED):
        do_move_motion(motion, state, meeting=meeting, actor=as_member("1"))
    refused("motion-frozen", do_amend_motion, motion, text="late", reasons="", paragraph=1,
            actor=as_member("3"))
    assert Amendment.objects.filter(motion=motion).count() == 2


def test_forward_adopted_motion_to_the_council_above(fed: Federation) -> None:
    """An adopted motion of a workplace becomes a submitted motion of its district."""
    meeting = open_meeting("w1", "1", "2")
    motion = do_submit_motion(council("w1"), title="T", text="Text", reasons="",
                              actor=as_member("2"))
    refused("forward-undecided", do_forward_motion, motion, council("d1"), actor=as_member("1"))
    for n in ("3", "4"):
        do_support_motion(motion, actor=as_member(n))
    for state in (MotionState.ADMITTED, MotionState.DEBATED, MotionState.VOTED,
                  MotionState.ADOPTED):
        do_move_motion(motion, state, meeting=meeting, actor=as_member("1"))
    refused("forward-neighbour", do_forward_motion, motion, council("d2"), actor=as_member("1"))
    sent = do_forward_motion(motion, council("d1"), actor=as_member("1"))
    assert (sent.council.key, sent.forwarded_from, sent.state) == ("d1", motion, "submitted")


def test_mandate_adopted_by_the_constituency_at_a_quorate_meeting(fed: Federation) -> None:
    """w1's assembly instructs its delegate on a motion of d1; a motion of another council, or
    no quorum, is refused."""
    motion = do_submit_motion(council("d1"), title="Budget", text="Spend", reasons="",
                              actor=as_member("5"))
    meeting = open_meeting("w1", "1")
    refused("quorum", do_adopt_mandate, meeting, motion, stance=Stance.AGAINST, binding=True,
            actor=as_member("1"))
    do_check_in(meeting, actor=as_member("2"))
    own = do_submit_motion(council("w1"), title="Local", text="x", reasons="",
                           actor=as_member("2"))
    refused("mandate-constituency", do_adopt_mandate, meeting, own, stance=Stance.FOR,
            binding=True, actor=as_member("1"))
    mandate = do_adopt_mandate(meeting, motion, stance=Stance.AGAINST, binding=True,
                               actor=as_member("1"))
    assert (mandate.stance, mandate.constituency.key) == ("against", "w1")
    body = recorded().get(kind="mandate.adopted").body
    assert (body["stance"], body["binding"], body["constituency"]) == ("against", True, "w1")


def test_close_meeting_ends_check_ins(fed: Federation) -> None:
    """After the close nobody checks in; closing twice is refused."""
    meeting = open_meeting("w1", "1")
    do_close_meeting(meeting, actor=as_member("1"))
    refused("meeting-closed", do_check_in, meeting, actor=as_member("2"))
    refused("meeting-closed", do_close_meeting, meeting, actor=as_member("1"))
    assert recorded().get(kind="meeting.closed").body["present"] == 1
    assert Motion.objects.count() == 0


def test_database_refuses_rewriting_a_motion_or_a_mandate(fed: Federation) -> None:
    """Below the models: SQL that edits a motion's text, or a mandate's stance, is refused by
    the database's triggers."""
    from django.db import transaction

    from communard.web.core.writeonce import Immutable

    motion = do_submit_motion(council("d1"), title="Budget", text="Spend", reasons="",
                              actor=as_member("5"))
    meeting = open_meeting("w1", "1", "2")
    do_adopt_mandate(meeting, motion, stance=Stance.AGAINST, binding=True, actor=as_member("1"))
    for sql in ("UPDATE meetings_motion SET text = 'Cut'",
                "UPDATE meetings_mandate SET stance = 'for'",
                "DELETE FROM meetings_attendance"):
        with pytest.raises(Immutable, match="communard write-once"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(sql)
    motion.refresh_from_db()
    assert motion.text == "Spend"


def test_audit_replays_meetings_and_names_a_rewrite(fed: Federation, capsys: Any) -> None:
    """verify finds the tables as the record says; a mandate's stance and a check-in changed
    behind the record's back (guards lifted, as the tables' owner could) are each named."""
    motion = do_submit_motion(council("d1"), title="Budget", text="Spend", reasons="",
                              actor=as_member("5"))
    meeting = open_meeting("w1", "1", "2", chair=False)
    do_support_motion(motion, actor=as_member("1"))
    mandate = do_adopt_mandate(meeting, motion, stance=Stance.AGAINST, binding=True,
                               actor=as_member("1"))
    status, out = verify_output(capsys)
    assert status == 0, out
    with guards_lifted(), connection.cursor() as cursor:
        cursor.execute("UPDATE meetings_mandate SET stance = 'for' WHERE id = %s", [mandate.pk])
        cursor.execute("DELETE FROM meetings_attendance WHERE meeting_id = %s AND member_id = %s",
                       [meeting.pk, Member.objects.get(number="2").pk])
    status, out = verify_output(capsys)
    assert status != 0
    assert f"meetings_mandate test/{mandate.pk}: the row says" in out
    assert f"meetings_attendance test/{meeting.pk}/2: on the record but missing" in out
