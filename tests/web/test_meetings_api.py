"""The meetings API: reads, and acting with a session, each refusal a 403 that changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from communard.constitution.meetings import MotionState
from communard.web.councils.models import Federation, OfficeHolder
from communard.web.meetings.actions.attendance import do_check_in
from communard.web.meetings.actions.call_meeting import do_call_meeting
from communard.web.meetings.actions.motions import (
    do_move_motion,
    do_submit_motion,
    do_support_motion,
)
from communard.web.members.models import Member
from tests.web.factories import recorded
from tests.web.meetings_helpers import STARTS, as_member, council, meetings_federation

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return meetings_federation(tmp_path)


def client_of(number: str) -> Client:
    client = Client()
    assert client.login(username=f"m{number}", password="commune1871")
    return client


def post(client: Client, url: str, body: object = None) -> tuple[int, dict[str, object]]:
    response = client.post(url, json.dumps(body or {}), content_type="application/json")
    return response.status_code, response.json()


def test_support_twice_is_a_403_and_changes_nothing(fed: Federation) -> None:
    """The first support is 201; the second is refused with its reason."""
    motion = do_submit_motion(council("w1"), title="T", text="x", reasons="",
                              actor=as_member("2"))
    client = client_of("3")
    assert post(client, f"/api/motions/{motion.pk}/supporters")[0] == 201
    before = recorded().count()
    status, body = post(client, f"/api/motions/{motion.pk}/supporters")
    assert (status, body) == (403, {"detail": "already a supporter of this motion"})
    assert recorded().count() == before and motion.supports.count() == 1


def test_amendment_to_a_voted_motion_is_a_403(fed: Federation) -> None:
    """Amending is 201 before the vote, 403 after it; the motion's diff is in its JSON."""
    meeting = do_call_meeting(council("w1"), title="M", starts_at=STARTS, agenda=[],
                              actor=as_member("1"))
    motion = do_submit_motion(council("w1"), title="T", text="Eight hours.", reasons="",
                              actor=as_member("2"))
    client = client_of("3")
    status, _ = post(client, f"/api/motions/{motion.pk}/amendments",
                     {"paragraph": 1, "text": "Six hours."})
    assert status == 201
    for n in ("1", "2"):
        do_check_in(meeting, actor=as_member(n))
    for n in ("3", "4"):
        do_support_motion(motion, actor=as_member(n))
    OfficeHolder.objects.create(council=council("w1"), office="chair", began_at=STARTS,
                                member=Member.objects.get(number="1"), source="test")
    for state in (MotionState.ADMITTED, MotionState.DEBATED, MotionState.VOTED):
        do_move_motion(motion, state, meeting=meeting, actor=as_member("1"))
    status, body = post(client, f"/api/motions/{motion.pk}/amendments",
                        {"paragraph": 1, "text": "Four hours."})
    assert (status, body) == (403, {"detail": "the motion is voted: amendments are refused "
                                              "once it is voted"})
    data = Client().get(f"/api/motions/{motion.pk}").json()
    assert data["state"] == "voted" and len(data["amendments"]) == 1
    assert {"op": "insert", "text": "Six"} in data["amendments"][0]["diff"]


def test_check_in_from_outside_is_a_403_and_anonymous_a_401(fed: Federation) -> None:
    """Only the body checks in; without a session the API answers 401."""
    meeting = do_call_meeting(council("w1"), title="M", starts_at=STARTS, agenda=[],
                              actor=as_member("1"))
    status, body = post(client_of("5"), f"/api/meetings/{meeting.pk}/attendance")
    assert status == 403 and "only the body's delegates" in str(body["detail"])
    assert post(Client(), f"/api/meetings/{meeting.pk}/attendance")[0] == 401
    assert post(client_of("2"), f"/api/meetings/{meeting.pk}/attendance")[0] == 201
    assert Client().get(f"/api/meetings/{meeting.pk}").json()["present"] == 1
