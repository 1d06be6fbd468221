"""``POST /api/recalls/petitions/{id}/ballot``: the recall ballot's two questions cast in one
transaction through the API (issue 15's closing note). Both answers or none: each refusal
names the rule and the question and casts neither question (on SQLite, and on PostgreSQL with
--db=postgres)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communard.web.core import clock
from communard.web.councils.models import Federation
from communard.web.elections.models import Election
from communard.web.polls.models import Ballot, Envelope, Mark, Poll
from communard.web.recalls.models import Petition, State
from tests.strategies import hostile_recall_ballots
from tests.web.elections_helpers import DAY
from tests.web.factories import recorded, verify_output
from tests.web.recall_more_helpers import FILED, LONG_AGO, ballot_called, workshop_with
from tests.web.recalls_helpers import petition_to_threshold, sitting
from tests.web.test_recall_api_steps import client_of, post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Federation, Election]:
    return workshop_with(tmp_path, monkeypatch,
                         'replacement = "replacement-question"\nvote_days = 10', cal=LONG_AGO)


@pytest.fixture
def called(workshop: tuple[Federation, Election]) -> Petition:
    """A delegate's recall ballot open now: the recall question, and members 5 and 6 standing
    on the replacement question."""
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"], when=FILED)
    return ballot_called(petition, ["5", "6"], FILED + DAY)


def _path(petition: Petition) -> str:
    return f"/api/recalls/petitions/{petition.pk}/ballot"


def _polls(petition: Petition) -> tuple[int, int]:
    recall, question = (q["poll"] for q in Client().get(_path(petition)).json()["questions"])
    return recall, question


def _cast_of(poll: int) -> tuple[int, int, int]:
    """What is stored of a poll's casts: marks, ballots and envelopes."""
    return (Mark.objects.filter(entry__poll_id=poll).count(),
            Ballot.objects.filter(poll_id=poll).count(),
            Envelope.objects.filter(poll_id=poll).count())


def _written() -> tuple[int, ...]:
    return (Mark.objects.count(), Ballot.objects.count(), Envelope.objects.count(),
            recorded().count(), *(q.count() for q in [_queued()]))


def _queued() -> Any:
    from communard.web.records.models import QueuedEntry

    return QueuedEntry.objects.all()


def test_both_questions_cast_in_one_request_with_the_codes_shown_before(called, capsys) -> None:  # type: ignore[no-untyped-def]
    """A member reads the ballot (each question with a fresh code and its ticket), answers both
    in one request: 201 with the codes it was shown; another answers without tickets (new
    codes) or one question only; the close recalls and seats the winner; verify replays it."""
    recall, question = _polls(called)
    voter = client_of("9")
    shown = {q["poll"]: q for q in voter.get(_path(called)).json()["questions"]}
    assert all(shown[p]["tracking_code"] and shown[p]["ticket"] for p in (recall, question))
    assert Client().get(_path(called)).json()["questions"][0]["ticket"] is None  # signed out
    cast = post(voter, _path(called), {"answers": [
        {"poll": question, "choices": [2, 1], "ticket": shown[question]["ticket"]},
        {"poll": recall, "choices": [1], "ticket": shown[recall]["ticket"]}]})
    assert cast.status_code == 201, cast.content
    assert cast.json() == {"petition": called.pk, "receipts": [
        {"poll": recall, "tracking_code": shown[recall]["tracking_code"]},
        {"poll": question, "tracking_code": shown[question]["tracking_code"]}]}
    assert Ballot.objects.get(poll_id=question).tracking_code == shown[question]["tracking_code"]
    untracked = post(client_of("10"), _path(called), {"answers": [
        {"poll": recall, "choices": [1]}, {"poll": question, "choices": [2]}]})
    assert untracked.status_code == 201, untracked.content
    codes = {r["poll"]: r["tracking_code"] for r in untracked.json()["receipts"]}
    assert Ballot.objects.filter(poll_id=recall, tracking_code=codes[recall]).exists()
    assert post(client_of("11"), _path(called), {"answers": [
        {"poll": recall, "choices": [1]}]}).status_code == 201  # one question answered
    assert _cast_of(recall)[:2] == (3, 3) and _cast_of(question)[:2] == (2, 2)
    clock.run_due(now=Poll.objects.get(pk=recall).closes_at)
    called.refresh_from_db()
    assert called.state == State.RECALLED
    assert [d.member.number for d in sitting() if d.source == f"poll:{question}"] == ["6"]
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_each_refusal_names_the_rule_and_the_poll_and_casts_neither_question(called, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Voted already on one question, a bad ranking, not on the roll, an altered ticket, a
    poll of another ballot, a question answered twice, a poll closed: each a 4xx naming the
    rule and the question, and the other question is not cast either."""
    recall, question = _polls(called)
    assert post(client_of("9"), f"/api/polls/{question}/votes",
                {"choices": [1]}).status_code == 201
    other = Poll.objects.exclude(pk__in=[recall, question]).values_list("pk", flat=True).first()
    alien = other if other is not None else 99999
    ticket_of_10 = client_of("10").get(_path(called)).json()["questions"][1]["ticket"]
    before = _written()
    for number, answers, status, rule, poll in (
            ("9", [(recall, [1]), (question, [2])], 409, "already-voted", question),
            ("12", [(recall, [1]), (question, [1, 1])], 400, "invalid-choices", question),
            ("12", [(recall, [1]), (question, [3])], 409, "choices-not-offered", question),
            ("12", [(recall, [4]), (question, [1])], 409, "choices-not-offered", recall),
            ("13", [(recall, [1]), (question, [1])], 403, "not-on-roll", recall),
            ("12", [(recall, [1]), (alien, [1])], 409, "not-on-this-ballot", alien),
            ("12", [(recall, [1]), (recall, [2])], 400, "answered-twice", recall)):
        body = {"answers": [{"poll": p, "choices": c} for p, c in answers]}
        refused = post(client_of(number), _path(called), body)
        assert refused.status_code == status, (number, answers, refused.content)
        assert (refused.json()["rule"], refused.json()["poll"]) == (rule, poll), refused.content
        assert refused.json()["detail"]
    # 10's ticket, sent by 12 (a ticket is signed for one voter): refused, nothing cast.
    forged = post(client_of("12"), _path(called), {"answers": [
        {"poll": recall, "choices": [1]},
        {"poll": question, "choices": [1], "ticket": ticket_of_10}]})
    assert (forged.status_code, forged.json()["rule"], forged.json()["poll"]) == (
        400, "ticket-not-valid", question), forged.content
    assert post(client_of("12"), "/api/recalls/petitions/99999/ballot",
                {"answers": [{"poll": recall, "choices": [1]}]}).status_code == 404
    signed_out = Client().post(_path(called), {"answers": [{"poll": recall, "choices": [1]}]},
                               content_type="application/json")
    assert signed_out.status_code == 401
    assert _written() == before
    assert _cast_of(recall) == (0, 0, 0)  # 9's recall answer was not cast with the refused one
    clock.run_due(now=Poll.objects.get(pk=recall).closes_at)
    before = _written()
    late = post(client_of("12"), _path(called), {"answers": [{"poll": recall, "choices": [1]}]})
    assert (late.status_code, late.json()["rule"], late.json()["poll"]) == (
        409, "wrong-phase", recall), late.content
    assert _written() == before


def test_a_ballot_not_called_yet_is_a_409(workshop) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"], when=FILED)
    refused = post(client_of("9"), _path(petition), {"answers": [{"poll": 1, "choices": [1]}]})
    assert (refused.status_code, refused.json()["rule"]) == (409, "no-vote-yet")


def test_8_simultaneous_identical_ballots_by_one_voter_store_one_per_question(called) -> None:  # type: ignore[no-untyped-def]
    recall, question = _polls(called)
    body = {"answers": [{"poll": recall, "choices": [1]}, {"poll": question, "choices": [1, 2]}]}
    client_of("9")  # their login, before the race (not what races)

    def attempt(_: int) -> int:
        try:
            return int(post(client_of("9"), _path(called), body).status_code)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    assert statuses == [201] + [409] * 7
    for poll in (recall, question):
        marks, ballots, envelopes = _cast_of(poll)
        assert (marks, ballots + envelopes) == (1, 1)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_hostile_body_is_a_4xx_and_stores_nothing(called, data) -> None:  # type: ignore[no-untyped-def]
    """Bodies of the wrong shape, types or fields, unknown polls, a poll twice, bad choices or
    a forged ticket, by a member on the roll who has not voted: a 4xx, nothing cast."""
    body = data.draw(hostile_recall_ballots(list(_polls(called))))
    before = _written()
    refused = post(client_of("12"), _path(called), body)
    # The operation's own refusals (a missing operation's 405 is no answer to this body).
    assert refused.status_code in (400, 409, 422), (body, refused.content)
    assert refused.json()["detail"], refused.content
    assert _written() == before


def test_both_casts_are_in_the_openapi_document(db) -> None:  # type: ignore[no-untyped-def]
    paths = Client().get("/api/openapi.json").json()["paths"]
    operation = paths["/api/recalls/petitions/{petition_id}/ballot"]["post"]
    assert "one transaction" in operation["description"]
    assert {"201", "400", "403", "404", "409", "422"} <= set(operation["responses"])
    assert "post" in paths["/api/polls/{poll_id}/votes"]
