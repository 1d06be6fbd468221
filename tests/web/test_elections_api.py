"""The JSON API for casting: refusals are clear, have the right status, and change nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from communard.constitution.permissions import MemberActor
from communard.web.accounts.actions import do_set_own_password
from communard.web.core.models import LoginSession
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.models import Ballot, Mark
from tests.web.doors import door  # noqa: F401
from tests.web.elections_helpers import open_election
from tests.web.factories import member_login, operator_login, small_federation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("door")]

# An election's ballot is cast through the polls' one cast action, whichever address it is
# posted to (issue 15), and through either door (tests/web/doors.py): every case runs twice.


@pytest.fixture
def election(tmp_path: Path) -> Election:
    fed = small_federation(tmp_path, {"w1": 6, "w2": 2, "w3": 2})
    for number in ("3", "9"):
        member_login(Member.objects.get(number=number), f"m{number}", "pw-12345-x")
    return open_election(fed, "w1", ["1", "2"])


def client_for(username: str | None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if username:
        client.login(username=username, password="pw-12345-x")
    client.get("/login/")  # sets the CSRF cookie
    return client


def post(client: Client, election: Election, body: object) -> tuple[int, dict[str, str]]:
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    r = client.post(f"/api/elections/{election.pk}/ballots", json.dumps(body),
                    content_type="application/json", HTTP_X_CSRFTOKEN=token)
    return r.status_code, r.json()


def test_api_cast_returns_tracking_code(election: Election) -> None:
    """A member on the roll casts through the API and gets a tracking code."""
    status, body = post(client_for("m3"), election, {"ranking": [2, 1]})
    assert status == 201 and Ballot.objects.filter(tracking_code=body["tracking_code"]).exists()


def test_api_cast_reads_2_0_as_candidate_2(election: Election) -> None:
    """JSON has one kind of number and the schema's "integer" admits 2.0: it ranks candidate 2,
    and the stored ranking holds integers."""
    status, body = post(client_for("m3"), election, {"ranking": [2.0, 1]})
    assert status == 201
    assert Ballot.objects.get(tracking_code=body["tracking_code"]).choices == [2, 1]


@pytest.mark.parametrize("user, body, status, detail", [
    (None, {"ranking": [1]}, 401, "Unauthorized"),
    ("m9", {"ranking": [1]}, 403, "only members of Workshop one vote"),
    ("m3", {"ranking": [1, 1]}, 400, "a second time"),
    # Well-formed, so 409 (the election's candidate list), not 400: the schema allows it.
    ("m3", {"ranking": [7]}, 409, "the options are 1 to 2"),
    ("m3", {"ranking": []}, 400, "at least one option"),
    ("m3", {"ranking": ["1"]}, 400, "not an option number"),
    ("m3", {"ranking": [1.5]}, 400, "not an option number"),
    ("m3", {"ranking": [1, 1.0]}, 400, "a second time"),
    ("m3", {"ranking": "1"}, 422, ""),
    ("m3", {"order": [1]}, 422, ""),
])
def test_api_refusals(election: Election, user: str | None, body: object, status: int, detail: str) -> None:
    """Anonymous, outside the constituency, bad rankings, wrong shapes: each refused, nothing stored."""
    code, payload = post(client_for(user), election, body)
    assert code == status
    assert detail in json.dumps(payload)
    assert Ballot.objects.filter(poll_id=election.poll_id).count() == 0


def test_api_malformed_body_and_unknown_election_are_refused(election: Election) -> None:
    """Not JSON at all, or an election that does not exist: a clear refusal, nothing stored."""
    client = client_for("m3")
    token = client.cookies["csrftoken"].value
    r = client.post(f"/api/elections/{election.pk}/ballots", b"{ranking: [1",
                    content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 400
    r = client.post("/api/elections/987654/ballots", json.dumps({"ranking": [1]}),
                    content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 404 and r.json() == {"detail": "there is no such election"}
    assert Ballot.objects.count() == 0


def test_api_after_logout_is_401(election: Election) -> None:
    """A session that was logged out no longer casts, even with its old cookie."""
    client = client_for("m3")
    token = client.cookies["csrftoken"].value
    session = client.cookies["sessionid"].value
    client.post("/logout/", HTTP_X_CSRFTOKEN=token)
    client.cookies["sessionid"] = session
    r = client.post(f"/api/elections/{election.pk}/ballots", json.dumps({"ranking": [1]}),
                    content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 401 and Ballot.objects.count() == 0


@pytest.mark.parametrize("change", ["password changed", "account deactivated"])
def test_api_login_ended_elsewhere_is_401(election: Election, change: str) -> None:
    """The login's row, read with the election in one query, is checked as Django checks it: a
    session whose password has since changed, or whose account was deactivated, casts nothing."""
    client = client_for("m3")
    user = Member.objects.get(number="3").user
    assert user is not None
    if change == "password changed":
        do_set_own_password(user, password="a-new-pw-4567", actor=MemberActor("m3"))
    else:
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    status, body = post(client, election, {"ranking": [1]})
    assert (status, body) == (401, {"detail": "Unauthorized"})
    assert Ballot.objects.count() == 0


def test_api_expired_session_is_401(election: Election) -> None:
    """The session's expiry counts, also where the session is read with the election."""
    client = client_for("m3")
    LoginSession.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    status, body = post(client, election, {"ranking": [1]})
    assert (status, body) == (401, {"detail": "Unauthorized"})
    assert Ballot.objects.count() == 0


def test_api_the_session_s_signed_data_names_the_voter_not_its_user_column(
    election: Election,
) -> None:
    """The session row's user column only saves a query: if it names someone else (a stale or
    altered row), the ballot is still cast for the login in the session's signed data."""
    voter, other = Member.objects.get(number="3"), Member.objects.get(number="4")
    member_login(other, "m4", "pw-12345-x")
    client = client_for("m3")
    LoginSession.objects.update(user_id=Member.objects.get(number="4").user_id)
    assert post(client, election, {"ranking": [1]})[0] == 201
    marked = set(Mark.objects.values_list("entry__member__number", flat=True))
    assert marked == {voter.number}


def test_api_second_ballot_is_409(election: Election) -> None:
    """Voting twice through the API is a conflict, and says only that you have voted."""
    client = client_for("m3")
    assert post(client, election, {"ranking": [1]})[0] == 201
    status, body = post(client, election, {"ranking": [2]})
    assert status == 409 and body == {"detail": "you have already voted in this poll"}


def test_api_without_csrf_token_is_refused(election: Election) -> None:
    """A cross-site request without the CSRF token cannot cast a ballot."""
    client = client_for("m3")
    r = client.post(f"/api/elections/{election.pk}/ballots", json.dumps({"ranking": [1]}),
                    content_type="application/json")
    assert r.status_code == 403 and Ballot.objects.count() == 0


def test_api_election_detail_and_openapi(election: Election) -> None:
    """The election's candidates are listed, and the OpenAPI schema documents the cast endpoint."""
    detail = Client().get(f"/api/elections/{election.pk}").json()
    assert detail["phase"] == "poll" and [c["number"] for c in detail["candidates"]] == [1, 2]
    schema = Client().get("/api/openapi.json").json()
    assert "/api/elections/{election_id}/ballots" in schema["paths"]
    assert Client().get("/api/elections/999999").status_code == 404


@pytest.mark.parametrize("election_id", [str(2**63), str(2**63 + 1), "9" * 19, "1" + "0" * 30, "0"])
def test_api_cast_to_an_id_past_a_bigint_is_422(election: Election, election_id: str) -> None:
    """An id no bigint holds is refused by the schema's bound before any query; on SQLite the
    raw read used to raise OverflowError (a 500). Id 0 too, through both doors alike."""
    client = client_for("m3")
    r = client.post(f"/api/elections/{election_id}/ballots", json.dumps({"ranking": [1]}),
                    content_type="application/json",
                    HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    bound = "greater than or equal to 1" if election_id == "0" else "9223372036854775807"
    assert r.status_code == 422 and bound in json.dumps(r.json())
    assert Ballot.objects.count() == 0 and Mark.objects.count() == 0


def test_api_cast_to_an_id_with_a_leading_zero_casts(election: Election) -> None:
    """"0012" is the id 12 to the schema; the fast path leaves such ids to the ninja operation,
    which casts."""
    client = client_for("m3")
    r = client.post(f"/api/elections/0{election.pk}/ballots", json.dumps({"ranking": [1]}),
                    content_type="application/json",
                    HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert r.status_code == 201 and Ballot.objects.count() == 1


def test_api_cast_to_a_superscript_id_is_422(election: Election) -> None:
    """"\u00b2" is a digit to the regex "\\d" but not to int() (a 500 in the fast path): the
    fast path now takes ASCII digits only, and the operation's schema refuses the id."""
    client = client_for("m3")
    r = client.post("/api/elections/\u00b2/ballots", json.dumps({"ranking": [1]}),
                    content_type="application/json",
                    HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert r.status_code == 422 and Ballot.objects.count() == 0


@pytest.mark.parametrize("path", ["", "/result"])
def test_api_reads_of_an_id_past_a_bigint_are_422(election: Election, path: str) -> None:
    """The GETs bound the id as the cast does, with the status their schema lists."""
    r = Client().get(f"/api/elections/{2**63}{path}")
    assert r.status_code == 422
    assert 422 in _documented(f"/api/elections/{{election_id}}{path}", "get")


def test_api_tracking_code_of_any_shape_is_404(election: Election) -> None:
    """A code that is no tracking code (a NUL byte, which PostgreSQL refuses in text) names no
    ballot, without a query; codes are posted, and no GET takes one in its URL (issue 16)."""
    Election.objects.filter(pk=election.pk).update(closed_at=timezone.now())
    for code in ["\x00", "x" * 40, "ABCD-ABCD-ABCD-ABC\u00b2"]:
        r = Client().post(f"/api/elections/{election.pk}/track", {"tracking_code": code},
                          content_type="application/json")
        assert r.status_code == 404, code
    schema = Client().get("/api/openapi.json").json()
    assert not [p for p in schema["paths"] if "{code}" in p]
    assert set(schema["paths"]["/api/elections/{election_id}/track"]) == {"post"}


def _documented(path: str, method: str) -> set[int]:
    schema = Client().get("/api/openapi.json").json()
    return {int(s) for s in schema["paths"][path][method]["responses"]}


def test_api_schema_lists_the_statuses_the_cast_gives(election: Election) -> None:
    """401, 409 (a candidate not standing) and 422 are all answered, so all are documented."""
    assert _documented("/api/elections/{election_id}/ballots", "post") == {
        201, 400, 401, 403, 404, 409, 422}
    assert _documented("/api/elections/{election_id}", "get") == {200, 404, 422}


def test_api_login_without_membership_is_403(election: Election) -> None:
    """An account that is no member of the federation (an operator, say) cannot vote."""
    operator_login("outsider", "pw-12345-x")
    status, body = post(client_for("outsider"), election, {"ranking": [1]})
    assert (status, body) == (403, {"detail": "only members of the federation vote"})
    assert Ballot.objects.filter(poll_id=election.poll_id).count() == 0
