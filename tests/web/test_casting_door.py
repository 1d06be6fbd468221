"""The casting door (``polls/casting_door.py``): on PostgreSQL it answers the API's casts itself,
with one read and one statement, through the same cast action; on SQLite it lets every request
through to the ninja operation. A response from the door lacks the headers of the middleware it
skips (``X-Frame-Options``), which tells the tests which door answered."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from communard.web.core.models import LoginSession
from communard.web.councils.models import Federation
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.models import Ballot, Envelope, Mark, Poll, RollEntry
from tests.web.elections_helpers import open_election
from tests.web.factories import small_federation
from tests.web.polls_helpers import open_poll
from tests.web.sealed_helpers import client_for, register_tellers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return small_federation(tmp_path, {"w1": 20, "w2": 3})


def by_the_door(response: HttpResponse) -> bool:
    """Whether the casting door answered (the full stack adds X-Frame-Options)."""
    return "X-Frame-Options" not in response.headers


def door_expected() -> bool:
    return connection.vendor == "postgresql"


def cast(fed: Federation, number: str, url: str, body: dict[str, object]) -> HttpResponse:
    response: HttpResponse = client_for(fed, number).post(url, json.dumps(body),
                                                          content_type="application/json")
    return response


@pytest.mark.parametrize("address", ["poll", "election"])
def test_the_door_casts_with_one_read_and_one_statement(fed: Federation, address: str) -> None:
    if address == "poll":
        poll = open_poll(fed)
        url, body = f"/api/polls/{poll.pk}/votes", {"choices": [1]}
    else:
        election: Election = open_election(fed, "w1", ["1", "2"])
        assert election.poll is not None
        poll, url, body = election.poll, f"/api/elections/{election.pk}/ballots", {"ranking": [2]}
    client = client_for(fed, "3")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert by_the_door(response) == door_expected()
    if door_expected():
        # The read and the cast; after them, in tests, only the record's sealing of the queued
        # entry (the sealer process's work on a server) and nothing of the poll or the voter.
        sql = [q["sql"] for q in queries.captured_queries]
        cast_at = next(i for i, q in enumerate(sql) if q.startswith("WITH p AS"))
        assert cast_at == 1 and sql[0].startswith("SELECT s.session_data"), "\n".join(sql)
        tables = [m._meta.db_table for m in (Poll, Member, RollEntry, LoginSession)]
        assert not [q for q in sql[2:] if any(f'"{t}"' in q for t in tables)], sql
    assert Mark.objects.filter(entry__poll=poll).count() == 1
    assert Ballot.objects.filter(poll=poll).get().tracking_code == response.json()["tracking_code"]


def test_16_simultaneous_casts_by_one_voter_store_one_ballot(fed: Federation) -> None:
    poll = open_poll(fed)
    client_for(fed, "4")  # their login, before the race (not what races)

    def attempt(i: int) -> tuple[int, bool]:
        try:
            response = cast(fed, "4", f"/api/polls/{poll.pk}/votes", {"choices": [1 + i % 3]})
            return response.status_code, by_the_door(response)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(attempt, range(16)))
    assert sorted(status for status, _ in outcomes) == [201] + [409] * 15
    assert {door for _, door in outcomes} == {door_expected()}
    assert Mark.objects.filter(entry__poll=poll).count() == 1
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_a_sealed_poll_s_cast_through_the_door_stores_an_envelope_only(fed: Federation) -> None:
    register_tellers(fed, ["1", "2", "3", "4", "5", "6"])
    poll: Poll = open_poll(fed)
    response = cast(fed, "7", f"/api/polls/{poll.pk}/votes", {"choices": [2]})
    assert response.status_code == 201, response.content
    assert by_the_door(response) == door_expected()
    code = response.json()["tracking_code"]
    assert Ballot.objects.filter(poll=poll).count() == 0
    assert Mark.objects.filter(entry__poll=poll).count() == 1
    sealed = bytes(Envelope.objects.get(poll=poll).sealed)
    assert code.encode() not in sealed
