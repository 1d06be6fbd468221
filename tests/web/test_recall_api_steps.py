"""The recall ballot's steps through the API (issue 15): standing for the seat on the
replacement question, the ballot's two polls cast through ``POST /api/polls/{id}/votes`` to a
seated replacement, and a recall put to a base assembly's meeting; each refusal a 4xx naming
what is wrong that changes nothing (on SQLite, and on PostgreSQL with --db=postgres)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from communard.web.core import clock
from communard.web.councils.models import Delegate, Federation
from communard.web.elections.models import Election
from communard.web.meetings.actions.attendance import do_check_in
from communard.web.meetings.actions.call_meeting import do_call_meeting
from communard.web.members.models import Member
from communard.web.polls.models import Ballot, Mark, Poll
from communard.web.recalls.models import ReplacementCandidate, State
from communard.web.records.models import QueuedEntry
from tests.web.elections_helpers import DAY, NOW
from tests.web.factories import recorded, verify_output
from tests.web.meetings_helpers import STARTS, council
from tests.web.recall_more_helpers import (
    FILED,
    LONG_AGO,
    assembly_federation,
    ballot_called,
    workshop_with,
)
from tests.web.recalls_helpers import as_member, petition_to_threshold, sitting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Federation, Election]:
    return workshop_with(tmp_path, monkeypatch,
                         'replacement = "replacement-question"\nvote_days = 10', cal=LONG_AGO)


def client_of(number: str) -> Client:
    """A member's browser: signed in, with the CSRF cookie the API's writes check."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(Member.objects.get(number=number).user)
    client.get("/login/")
    return client


def post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(path, body, content_type="application/json",
                       HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)


def _written() -> tuple[int, ...]:
    return (ReplacementCandidate.objects.count(), Poll.objects.count(), Ballot.objects.count(),
            Mark.objects.count(), recorded().count() + QueuedEntry.objects.count())


def test_standing_through_the_api_and_its_refusals(workshop) -> None:  # type: ignore[no-untyped-def]
    """A member on the roll stands (201, the candidates listed); twice, from another workshop,
    the recalled member, or against a petition that does not exist: a 4xx naming the rule,
    nothing written."""
    target = sitting()[0]
    petition = petition_to_threshold(target, ["9", "10", "11"], when=NOW - DAY / 2)
    path = f"/api/recalls/petitions/{petition.pk}/candidacy"
    stood = post(client_of("5"), path)
    assert stood.status_code == 201, stood.content
    assert stood.json()["candidates"] == [{"number": 1, "name": "Member 5"}]
    assert Client().get(path).json()["candidates"] == [{"number": 1, "name": "Member 5"}]
    assert recorded().filter(kind="recall.candidate_stood").count() + QueuedEntry.objects.filter(
        kind="recall.candidate_stood").count() == 1
    before = _written()
    for number, status, rule in (("5", 409, "already-standing"),
                                 ("13", 403, "not-in-constituency"),
                                 (target.member.number, 403, "recalled-member-stands")):
        refused = post(client_of(number), path)
        assert (refused.status_code, refused.json()["rule"]) == (status, rule), refused.content
        assert refused.json()["detail"]
    assert post(client_of("6"), "/api/recalls/petitions/99999/candidacy").status_code == 404
    assert post(client_of("6"), "/api/recalls/petitions/0/candidacy").status_code == 422
    # Signed out (with no body: a form body to the API is a 415 before any other check).
    assert Client().post(path, content_type="application/json").status_code == 401
    assert _written() == before


def test_standing_is_refused_without_a_replacement_question(tmp_path: Path) -> None:
    """Where the seat is refilled by countback, standing is a 409 naming the rule."""
    from tests.web.recalls_helpers import elected_workshop

    elected_workshop(tmp_path, cal=LONG_AGO)
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"], when=NOW - DAY / 2)
    before = _written()
    refused = post(client_of("5"), f"/api/recalls/petitions/{petition.pk}/candidacy")
    assert (refused.status_code, refused.json()["rule"]) == (409, "no-replacement-question")
    assert _written() == before


def test_the_two_question_ballot_through_the_polls_api_seats_the_replacement(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    """The ballot's polls are found on the petition; members answer both, or one, through the
    polls' cast (a tracking code each); bad answers are refused and change nothing; the close
    recalls the delegate and seats the question's winner; verify replays it."""
    target = sitting()[0]
    petition = petition_to_threshold(target, ["9", "10", "11"], when=FILED)
    ballot_path = f"/api/recalls/petitions/{petition.pk}/ballot"
    assert Client().get(ballot_path).status_code == 409  # no vote called yet
    ballot_called(petition, ["5", "6"], FILED + DAY)
    questions = Client().get(ballot_path).json()["questions"]
    assert [(q["purpose"], q["question"], q["phase"]) for q in questions] == [
        ("recall", "yes-no", "poll"), ("recall-replacement", "ranked", "poll")]
    assert [o["name"] for o in questions[1]["options"]] == ["Member 5", "Member 6"]
    recall, question = (f"/api/polls/{q['poll']}/votes" for q in questions)
    for number, yes_no, ranking in (("9", [1], [2, 1]), ("10", [1], [2]), ("11", [1], None),
                                    ("7", [2], [1])):
        voter = client_of(number)
        cast = post(voter, recall, {"choices": yes_no})
        assert cast.status_code == 201 and len(cast.json()["tracking_code"]) == 19, cast.content
        if ranking:
            assert post(voter, question, {"choices": ranking}).status_code == 201
    before = _written()
    for number, path, choices, status in (
            ("12", question, [1, 1], 400),  # a candidate ranked twice
            ("12", question, [3], 409),  # no third candidate
            ("12", recall, [4], 409),  # yes, no or abstain only
            ("9", question, [1], 409),  # voted already
            ("13", recall, [1], 403)):  # not on the roll (another workshop)
        refused = post(client_of(number), path, {"choices": choices})
        assert refused.status_code == status, (number, choices, refused.content)
        assert refused.json()["detail"]
    assert _written() == before
    closes = Poll.objects.get(pk=questions[0]["poll"]).closes_at
    clock.run_due(now=closes)
    petition.refresh_from_db()
    assert petition.state == State.RECALLED
    replacement = [d for d in sitting() if d.member.number == "6"]
    assert len(replacement) == 1 and replacement[0].source == f"poll:{questions[1]['poll']}"
    assert target.member not in [d.member for d in sitting()]
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_a_recall_put_to_the_assembly_through_the_api(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoever presides at a quorate meeting puts the recall (201, its poll open, voted on
    through the polls' API); without quorum, by someone not presiding, of no delegate or with a
    malformed body: a 4xx naming what is wrong, nothing written."""
    assembly_federation(tmp_path, monkeypatch)
    target = Delegate.objects.get(constituency__key="w1", ended_at__isnull=True)
    meeting = do_call_meeting(council("w1"), title="w1 meets", starts_at=STARTS,
                              agenda=["Our delegate"], actor=as_member("2"))
    do_check_in(meeting, actor=as_member("2"))
    path = f"/api/meetings/{meeting.pk}/recalls"
    before = _written()
    no_quorum = post(client_of("2"), path, {"delegate": target.pk})
    assert (no_quorum.status_code, no_quorum.json()["rule"]) == (409, "quorum")
    do_check_in(meeting, actor=as_member("3"))
    before = _written()
    for number, body, status in (("4", {"delegate": target.pk}, 403),  # not checked in
                                 ("2", {"delegate": 99999}, 404),
                                 ("2", {"delegate": "x"}, 422),
                                 ("2", {}, 422)):
        refused = post(client_of(number), path, body)
        assert refused.status_code == status, (number, body, refused.content)
        assert refused.json()["detail"]
    assert post(client_of("2"), "/api/meetings/99999/recalls",
                {"delegate": target.pk}).status_code == 404
    assert _written() == before
    put = post(client_of("2"), path, {"delegate": target.pk})
    assert put.status_code == 201, put.content
    poll = Poll.objects.get(pk=put.json()["poll"])
    assert (poll.purpose, poll.question, poll.secret) == ("recall-assembly", "yes-no", True)
    assert recorded().filter(kind="recall.put_to_assembly").count() + QueuedEntry.objects.filter(
        kind="recall.put_to_assembly").count() == 1
    cast = post(client_of("4"), f"/api/polls/{poll.pk}/votes", {"choices": [1]})
    assert cast.status_code == 201, cast.content
    again = post(client_of("2"), path, {"delegate": target.pk})
    assert (again.status_code, again.json()["rule"]) == (409, "one-open-petition")


def test_the_recall_steps_are_in_the_openapi_document(db) -> None:  # type: ignore[no-untyped-def]
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/recalls/petitions/{petition_id}/candidacy"]
    assert "get" in paths["/api/recalls/petitions/{petition_id}/ballot"]
    assert "post" in paths["/api/meetings/{meeting_id}/recalls"]
    assert "post" in paths["/api/polls/{poll_id}/votes"]
