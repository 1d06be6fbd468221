"""The JSON API refuses a form body (``multipart/form-data``, ``application/x-www-form-urlencoded``)
with a 415 naming what it takes, and changes nothing, through both doors: a form's body is read as
a form by the CSRF check (it looks for ``csrfmiddlewaretoken`` there), after which the JSON parser
could not read it again and the request was a 500 (issue 13)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.client import encode_multipart

from communard.web.councils.models import Federation
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.models import Mark
from communard.web.recalls.models import Petition, Signature
from tests.web.doors import door  # noqa: F401  (the fixture: each case through both doors)
from tests.web.elections_helpers import PAST, open_election
from tests.web.factories import recorded, small_federation
from tests.web.polls_helpers import open_poll, voter
from tests.web.recalls_helpers import elected_workshop, sitting

pytestmark = pytest.mark.django_db(transaction=True)

FORMS = ["multipart", "urlencoded"]


def browser_of(member: Member) -> Client:
    """The member signed in, with the CSRF cookie, checks enforced as for a browser."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    client.get("/login/")
    return client


def post_form(client: Client, path: str, form: str, fields: dict[str, Any]) -> Any:
    """POST ``fields`` and the CSRF token as a browser's form would (in the body, not a header)."""
    data = {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, **fields}
    if form == "multipart":
        return client.post(path, encode_multipart("BoUnDaRy", data),
                           content_type="multipart/form-data; boundary=BoUnDaRy")
    return client.generic("POST", path, "&".join(f"{k}={v}" for k, v in data.items()),
                          content_type="application/x-www-form-urlencoded")


def assert_refused(answer: Any, form: str) -> None:
    assert answer.status_code == 415, answer.content
    detail = answer.json()["detail"]
    assert "application/json" in detail
    assert ("multipart/form-data" if form == "multipart"
            else "application/x-www-form-urlencoded") in detail


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return small_federation(tmp_path, {"w1": 6, "w2": 3})


@pytest.mark.parametrize("form", FORMS)
def test_a_form_body_to_a_poll_s_votes_is_415_and_casts_nothing(fed: Federation, form: str,
                                                                door: str) -> None:  # noqa: F811
    poll = open_poll(fed)
    member, _ = voter(fed, "3")
    before = recorded().count()
    answer = post_form(browser_of(member), f"/api/polls/{poll.pk}/votes", form,
                       {"choices": "1"})
    assert_refused(answer, form)
    assert (Mark.objects.filter(entry__poll=poll).count(), recorded().count()) == (0, before)


@pytest.mark.parametrize("form", FORMS)
def test_a_form_body_to_an_election_s_ballots_is_415_and_casts_nothing(
        fed: Federation, form: str, door: str) -> None:  # noqa: F811
    election: Election = open_election(fed, "w1", ["1", "2"])
    member, _ = voter(fed, "3")
    before = recorded().count()
    answer = post_form(browser_of(member), f"/api/elections/{election.pk}/ballots", form,
                       {"ranking": "2"})
    assert_refused(answer, form)
    assert (Mark.objects.filter(entry__poll=election.poll).count(),
            recorded().count()) == (0, before)


@pytest.mark.parametrize("form", FORMS)
def test_a_form_body_to_a_petition_s_signature_is_415_and_signs_nothing(tmp_path: Path,
                                                                        form: str) -> None:
    """Through the signing door (PostgreSQL) and the ninja operation: the signature takes no
    body at all, and a form is refused rather than read for its CSRF token."""
    elected_workshop(tmp_path, cal=PAST)
    opener = browser_of(Member.objects.get(number="12"))
    opened = opener.post("/api/recalls/petitions",
                         {"mandate": {"kind": "delegate", "id": sitting()[0].pk},
                          "grounds": "g"}, content_type="application/json",
                         HTTP_X_CSRFTOKEN=opener.cookies["csrftoken"].value)
    assert opened.status_code == 201, opened.content
    before = (Signature.objects.count(), recorded().count())
    answer = post_form(browser_of(Member.objects.get(number="9")),
                       f"/api/recalls/petitions/{opened.json()['id']}/signature", form, {})
    assert_refused(answer, form)
    assert (Signature.objects.count(), recorded().count()) == before


@pytest.mark.parametrize("form", FORMS)
def test_a_form_body_to_an_ordinary_json_operation_is_415(tmp_path: Path, form: str) -> None:
    """Any JSON operation, not only the doors' (here: opening a petition)."""
    elected_workshop(tmp_path, cal=PAST)
    before = (Petition.objects.count(), recorded().count())
    answer = post_form(browser_of(Member.objects.get(number="12")), "/api/recalls/petitions",
                       form, {"grounds": "g"})
    assert_refused(answer, form)
    assert (Petition.objects.count(), recorded().count()) == before
