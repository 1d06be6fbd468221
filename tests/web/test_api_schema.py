"""Schemathesis against the served OpenAPI document: anonymous and signed in, no request the
schema allows or forbids may get a 5xx, an undocumented status, or an answer that disagrees
with the document.

The run is bounded and derandomised (the same requests every run, a few hundred in all), so it
is a regression test, not a search: enough to meet each status each operation documents. The
app is the real WSGI application on the test database (SQLite, or the suite's PostgreSQL with
``--db=postgres``), with both cast doors in it as the server runs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from communard.web.core.params import MAX_ID
from communard.web.elections.actions import do_close_election
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.actions.close import do_close_poll
from communard.web.wsgi import application
from tests.web.elections_helpers import DAY, PAST, cast_ballot, open_election
from tests.web.factories import member_login, small_federation
from tests.web.polls_helpers import NOW, open_poll, vote

# Hypothesis runs many examples inside one test, so the test's data must be committed where the
# app's requests read it, and it is removed after the test whatever the examples did.
pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 40  # per operation and run: 9 operations x 40 x 2 runs, about 720 requests
BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,  # a request's time is the machine's, not a property of the API
    database=None,  # nothing kept between runs: the same run every time
    suppress_health_check=list(HealthCheck),
)


class Polls:
    """An open election the signed-in member is on the roll of, and a closed one with a
    published ballot, so generated ids can be swapped for ids that exist."""

    def __init__(self, tmp_path: Path) -> None:
        fed = small_federation(tmp_path, {"w1": 4, "w2": 3})
        member_login(Member.objects.get(number="1"), "m1", "pw-12345-x")
        self.open = open_election(fed, "w1", ["2", "3"])
        closed = open_election(fed, "w2", ["5", "6"], PAST)
        self.code = cast_ballot(closed, Member.objects.get(number="7"), [2, 1],
                                   now=PAST.opens + DAY / 2)
        do_close_election(closed, now=PAST.closes)
        self.closed = Election.objects.get(pk=closed.pk)
        # A poll the member may vote in, and a closed one with a published ballot.
        self.open_poll = open_poll(fed, "w1")
        past = open_poll(fed, "w2", opens_at=NOW - 3 * DAY, closes_at=NOW - 2 * DAY,
                         roll_at=NOW - 4 * DAY)
        self.poll_code = vote(past, "7", [1], when=NOW - 3 * DAY + DAY / 2)
        do_close_poll(past, now=NOW - 2 * DAY)
        self.closed_poll = past


@pytest.fixture
def polls(tmp_path: Path) -> Polls:
    return Polls(tmp_path)


@pytest.fixture
def signed_in(polls: Polls) -> dict[str, Any]:
    """The member's session and CSRF cookies and header, as a browser sends them."""
    client = Client()
    assert client.login(username="m1", password="pw-12345-x")
    client.get("/login/")  # sets the CSRF cookie
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    return {"cookies": cookies, "headers": {"X-CSRFToken": cookies["csrftoken"]}}


# Loaded at collection from the served document (no database is needed to serve it).
# schemathesis.pytest.from_fixture would load it per test, but breaks on pytest 9 (it reads the
# test item's private ``_nodeid``).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
PICK = st.sampled_from(["generated", "open", "closed"])


def aim(case: Any, polls: Polls, pick: str) -> None:
    """Point a generated, schema-valid election id at a real election (a third of the cases
    each), and a tracking code at the closed election's real one, so the runs reach past 404;
    a value the schema forbids is left alone, or a negative case would stop being one."""
    params = case.path_parameters or {}
    key = "poll_id" if "poll_id" in params else "election_id"
    given = params.get(key)
    valid = isinstance(given, int) and not isinstance(given, bool) and 1 <= given <= MAX_ID
    if pick == "generated" or not valid:
        return
    if key == "poll_id":
        params[key] = (polls.open_poll if pick == "open" else polls.closed_poll).pk
        code = polls.poll_code
    else:
        params[key] = (polls.open if pick == "open" else polls.closed).pk
        code = polls.code
    if pick == "closed" and isinstance(params.get("code"), str):
        params["code"] = code


@schema.parametrize()
@schema.given(pick=PICK)
@BOUNDED
def test_api_agrees_with_its_schema_anonymous(case: Any, polls: Polls, pick: str) -> None:
    """Anonymous: the reads answer, the cast is 401 (or 403 without the CSRF token)."""
    aim(case, polls, pick)
    case.call_and_validate()


@schema.parametrize()
@schema.given(pick=PICK)
@BOUNDED
def test_api_agrees_with_its_schema_signed_in(
    case: Any, polls: Polls, pick: str, signed_in: dict[str, Any]
) -> None:
    """Signed in with a session and the CSRF token, as a member on the open election's roll."""
    aim(case, polls, pick)
    case.call_and_validate(cookies=signed_in["cookies"], headers=signed_in["headers"])
