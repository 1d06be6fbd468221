"""Schemathesis against the served OpenAPI document: anonymous and signed in, no request the
schema allows or forbids may get a 5xx, an undocumented status, or an answer that disagrees
with the document.

The run is bounded and derandomised (the same requests every run, about 840 in all), so it is
a regression test, not a search: enough to meet each status each operation documents. Every
operation in the document is run (35 today: polls, elections, meetings, motions, amendments,
mandates, reports, tellers, petitions), with its ids pointed at real ones two times in three. The
app is the real WSGI application on the test database (SQLite, or the suite's PostgreSQL with
``--db=postgres``), with both cast doors in it as the server runs them.
"""

from __future__ import annotations

import re
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
from tests.web.factories import TEST_OPERATOR, member_login, small_federation
from tests.web.meetings_helpers import DELEGATES, SIZES, STARTS, as_member
from tests.web.polls_helpers import NOW, open_poll, vote

# Hypothesis runs many examples inside one test, so the test's data must be committed where the
# app's requests read it, and it is removed after the test whatever the examples did.
pytestmark = pytest.mark.django_db(transaction=True)

# Per operation and run: 35 operations x 2 runs x 12 is about 840 requests, a few minutes on
# two shared cores; enough, derandomised, to meet each operation's documented statuses.
EXAMPLES = 12
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
        (tmp_path / "polls").mkdir()
        fed = small_federation(tmp_path / "polls", {"w1": 4, "w2": 3})
        member_login(Member.objects.get(federation=fed, number="1"), "voter1", "pw-12345-x")
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
        self.assembly = Assembly(tmp_path / "assembly")


class Assembly:
    """The meetings' and recalls' operations' real ids, in a federation of their own (logins
    m1..m10; the signed-in voter is none of them, so writes meet the rules' refusals): district
    d1 in session, called by its delegate 1 and checked in, with a motion submitted to it, and a
    petition against w2's delegate 5."""

    def __init__(self, folder: Path) -> None:
        from communard.web.accounts.actions import do_create_member_account
        from communard.web.councils.models import Council, Delegate
        from communard.web.meetings.actions.attendance import do_check_in
        from communard.web.meetings.actions.call_meeting import do_call_meeting
        from communard.web.meetings.actions.motions import do_submit_motion
        from communard.web.recalls.actions.open import do_open_petition

        folder.mkdir()
        founding = "".join(f'[[delegates]]\nmember = "{m}"\nconstituency = "{c}"\n'
                           for m, c in DELEGATES)
        fed = small_federation(folder, SIZES, "assembly", extra=founding)
        for member in Member.objects.filter(federation=fed):
            # No password: hashing ten is most of a setup's time, and nobody signs in as them.
            do_create_member_account(member, username=f"m{member.number}", password=None,
                                     actor=TEST_OPERATOR)
        d1 = Council.objects.get(federation=fed, key="d1")
        self.meeting = do_call_meeting(d1, title="District meets", starts_at=STARTS,
                                       agenda=["Motions"], actor=as_member("1"))
        do_check_in(self.meeting, actor=as_member("1"))
        self.motion = do_submit_motion(d1, title="A shorter week", text="32 hours.",
                                       reasons="", actor=as_member("1"))
        self.delegate = Delegate.objects.get(council=d1, member__number="1",
                                             ended_at__isnull=True)
        w2_seat = Delegate.objects.get(council=d1, constituency__key="w2", ended_at__isnull=True)
        self.petition = do_open_petition(w2_seat, grounds="g", actor=as_member("6"))


@pytest.fixture
def polls(tmp_path: Path) -> Polls:
    return Polls(tmp_path)


@pytest.fixture
def signed_in(polls: Polls) -> dict[str, Any]:
    """The member's session and CSRF cookies and header, as a browser sends them."""
    client = Client()
    assert client.login(username="voter1", password="pw-12345-x")
    client.get("/login/")  # sets the CSRF cookie
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    return {"cookies": cookies, "headers": {"X-CSRFToken": cookies["csrftoken"]}}


# Loaded at collection from the served document (no database is needed to serve it).
# schemathesis.pytest.from_fixture would load it per test, but breaks on pytest 9 (it reads the
# test item's private ``_nodeid``).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
PICK = st.sampled_from(["generated", "open", "closed"])


def aim(case: Any, polls: Polls, pick: str) -> None:
    """Point a generated, schema-valid id at a real poll, election, meeting, motion, delegate
    or petition (two thirds of the cases), and a tracking code at the closed election's or
    poll's real one, so the runs reach past 404; a value the schema forbids is left alone, or
    a negative case would stop being one."""
    params = case.path_parameters or {}
    if pick == "generated":
        return
    a = polls.assembly
    real = {"poll_id": (polls.open_poll if pick == "open" else polls.closed_poll).pk,
            "election_id": (polls.open if pick == "open" else polls.closed).pk,
            "meeting_id": a.meeting.pk, "motion_id": a.motion.pk,
            "delegate_id": a.delegate.pk, "petition_id": a.petition.pk}
    for key, value in real.items():
        given = params.get(key)
        if isinstance(given, int) and not isinstance(given, bool) and 1 <= given <= MAX_ID:
            params[key] = value
    if all(isinstance(params.get(k), str) and re.fullmatch(r"[a-z0-9-]+", params[k])
           for k in ("slug", "key")):
        params["slug"], params["key"] = "assembly", "d1"
    if pick == "closed" and isinstance(params.get("code"), str):
        params["code"] = polls.poll_code if "poll_id" in params else polls.code


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


def test_the_ids_the_runs_aim_at_are_real(polls: Polls) -> None:
    """The control for ``aim``: each real id answers its read, so the runs above reach past
    404 into the operations of polls, elections, meetings, motions, scorecards, reports and
    petitions."""
    a, client = polls.assembly, Client()
    for path in (f"/api/polls/{polls.open_poll.pk}", f"/api/elections/{polls.open.pk}",
                 f"/api/meetings/{a.meeting.pk}", f"/api/motions/{a.motion.pk}",
                 f"/api/delegates/{a.delegate.pk}/scorecard",
                 f"/api/meetings/{a.meeting.pk}/reports",
                 f"/api/recalls/petitions/{a.petition.pk}"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.content)
