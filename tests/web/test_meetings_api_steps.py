"""The meeting and motion pages' steps through the API (issue 17): a motion goes from
submission to a roll call closed early by the chair and forwarded, every step an API call, and
each refusal a 4xx that changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from communard.web.councils.models import Federation, OfficeHolder
from communard.web.meetings.models import Meeting, Motion
from communard.web.members.models import Member
from communard.web.polls.models import Poll
from tests.web import factories
from tests.web.factories import recorded
from tests.web.meetings_helpers import STARTS, council, meetings_federation
from tests.web.test_meetings_api import client_of, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    monkeypatch.setattr(factories, "TWO_TIER", factories.TWO_TIER.replace(
        "[eligibility]", "[meetings]\nmotion_supporters = 1\n[eligibility]", 1))
    fed = meetings_federation(tmp_path)
    for key in ("d1", "w1"):
        OfficeHolder.objects.create(council=council(key), office="chair", began_at=STARTS,
                                    member=Member.objects.get(number="1"), source="test")
    return fed


def refused(client: Client, url: str, body: object, status: int, detail: str) -> None:
    """The call is refused with ``status`` and a reason containing ``detail``; the record and
    the polls do not change."""
    before = (recorded().count(), Poll.objects.count())
    got, answer = post(client, url, body)
    assert (got, detail in str(answer.get("detail"))) == (status, True), answer
    assert (recorded().count(), Poll.objects.count()) == before


def test_a_motion_from_submission_to_forwarding_through_the_api(fed: Federation) -> None:
    chair, delegate, member = client_of("1"), client_of("5"), client_of("2")
    status, made = post(chair, "/api/councils/test/d1/meetings",
                        {"title": "d1 meets", "starts_at": STARTS.isoformat(),
                         "agenda": ["Motions"]})
    assert status == 201
    meeting = f"/api/meetings/{made['id']}"
    for client in (chair, delegate):
        assert post(client, f"{meeting}/attendance")[0] == 201
    assert post(delegate, f"{meeting}/speakers")[0] == 201
    refused(member, "/api/councils/test/d1/motions", {"title": "B", "text": "x"}, 403,
            "only the body's members or delegates")
    status, motion = post(delegate, "/api/councils/test/d1/motions",
                          {"title": "Budget", "text": "Spend it all."})
    assert status == 201
    assert post(chair, f"/api/motions/{motion['id']}/supporters")[0] == 201
    step = f"{meeting}/motions/{motion['id']}/state"
    refused(delegate, step, {"to": "admitted"}, 403, "chair presides")
    for to in ("admitted", "debated"):
        assert post(chair, step, {"to": to}) == (200, {"id": motion["id"], "state": to})
    refused(delegate, f"{meeting}/votes", {"motion": motion["id"]}, 403, "chair presides")
    status, called = post(chair, f"{meeting}/votes", {"motion": motion["id"]})
    assert status == 201 and called["secret"] is False, called
    poll = f"/api/polls/{called['poll']}"
    refused(chair, step, {"to": "referred"}, 403, "vote is open")
    assert post(delegate, f"{poll}/votes", {"choices": [1]})[0] == 201
    refused(delegate, f"{poll}/close", None, 403, "chair presides")
    status, result = post(chair, f"{poll}/close")
    assert (status, result["passed"]) == (200, True), result
    assert recorded().filter(kind="poll.closed_early").count() == 1
    refused(chair, f"{poll}/close", None, 403, "only an open poll")
    assert Motion.objects.get(pk=motion["id"]).state == "adopted"
    parent = council("d1").parent
    assert parent is not None
    refused(chair, f"/api/motions/{motion['id']}/forwards", {"to": "nowhere"}, 404,
            "no council 'nowhere'")
    status, forwarded = post(chair, f"/api/motions/{motion['id']}/forwards", {"to": parent.key})
    assert status == 201
    assert Motion.objects.get(pk=forwarded["id"]).forwarded_from_id == motion["id"]
    refused(delegate, f"{meeting}/close", None, 403, "chair presides")
    assert post(chair, f"{meeting}/close")[0] == 200
    assert Meeting.objects.get(pk=made["id"]).closed_at is not None


def test_mandates_and_calls_through_the_api(fed: Federation) -> None:
    """w1 asks for and holds a meeting, adopts a mandate on a d1 motion; refusals named."""
    status, asked = post(client_of("3"), "/api/councils/test/w1/meetings",
                         {"title": "w1", "starts_at": STARTS.isoformat(), "request": True})
    assert status == 201
    meeting = f"/api/meetings/{asked['id']}"
    post(client_of("4"), f"{meeting}/callers")
    refused(client_of("4"), f"{meeting}/callers", None, 403, "")
    if not Meeting.objects.get(pk=asked["id"]).is_open:
        assert post(client_of("2"), f"{meeting}/callers")[0] == 201
    for n in ("1", "2"):
        post(client_of(n), f"{meeting}/attendance")
    _, motion = post(client_of("5"), "/api/councils/test/d1/motions",
                     {"title": "Budget", "text": "Spend it all."})
    refused(client_of("1"), f"{meeting}/mandates", {"motion": 999, "stance": "for"}, 404,
            "motion 999 is not one this meeting can act on")
    refused(client_of("2"), f"{meeting}/mandates", {"motion": motion["id"], "stance": "for"},
            403, "chair presides")
    status, _ = post(client_of("1"), f"{meeting}/mandates",
                     {"motion": motion["id"], "stance": "against", "binding": True})
    assert status == 201


@pytest.mark.parametrize(("url", "body"), [
    ("/api/meetings/1/votes", {"motion": "one"}),
    ("/api/meetings/1/motions/1/state", {"to": "passed"}),
    ("/api/meetings/1/mandates", {"motion": 1, "stance": "maybe"}),
    ("/api/councils/test/d1/meetings", {"title": "x", "starts_at": "tomorrow"}),
])
def test_malformed_bodies_are_a_422_naming_the_field(fed: Federation, url: str,
                                                     body: object) -> None:
    """A body the schema refuses: 422 naming the field, and nothing recorded."""
    before = recorded().count()
    status, answer = post(client_of("1"), url, body)
    assert status == 422, answer
    field = list(body)[-1]  # type: ignore[call-overload]  (the malformed one is last)
    assert field in str(answer["detail"]) and recorded().count() == before


def test_steps_need_a_signed_in_member(fed: Federation) -> None:
    """No session: 401."""
    assert post(Client(), "/api/meetings/1/votes", {"motion": 1})[0] == 401
