"""The recall API: open, sign, withdraw and read a petition; each refusal a 4xx naming its rule
that changes nothing; every operation in the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from communard.web.councils.models import Delegate, Federation
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.recalls.actions import do_recall
from communard.web.recalls.models import Petition, Signature
from tests.web.elections_helpers import PAST
from tests.web.factories import recorded
from tests.web.recalls_helpers import CLOCK, elected_workshop, sitting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workshop(tmp_path: Path) -> tuple[Federation, Election]:
    return elected_workshop(tmp_path, cal=PAST)  # seated yesterday: requests are made now


def client_of(number: str) -> Client:
    """A member's browser: signed in, with the CSRF cookie the API's writes check."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(Member.objects.get(number=number).user)
    client.get("/login/")
    return client


def post(client: Client, path: str, body: Any = None, method: str = "post") -> Any:
    token = client.cookies["csrftoken"].value
    return getattr(client, method)(path, body, content_type="application/json",
                                   HTTP_X_CSRFTOKEN=token)


def test_a_petition_is_opened_signed_withdrawn_and_read_through_the_api(workshop) -> None:  # type: ignore[no-untyped-def]
    target = sitting()[0]
    opened = post(client_of("12"), "/api/recalls/petitions",
                  {"mandate": {"kind": "delegate", "id": target.pk},
                   "grounds": "voted against the mandate"})
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert (body["state"], body["threshold"], body["signatures"]) == ("open", 3, 0)
    assert body["against"]["member"] == target.member.name
    path = f"/api/recalls/petitions/{body['id']}"
    signed = post(client_of("9"), f"{path}/signature")
    assert signed.status_code == 200 and signed.json()["signatures"] == 1
    withdrawn = post(client_of("9"), f"{path}/signature", method="delete")
    assert withdrawn.status_code == 200 and withdrawn.json()["signatures"] == 0
    assert Client().get(path).json()["signatures"] == 0  # the count is public


@pytest.mark.parametrize(("who", "status", "rule"), [
    ("13", 403, "not-in-constituency"),
    ("9", 409, "already-signed"),
])
def test_api_refusals_name_the_rule_and_change_nothing(workshop, who: str, status: int,  # type: ignore[no-untyped-def]
                                                       rule: str) -> None:
    opened = post(client_of("12"), "/api/recalls/petitions",
                  {"mandate": {"kind": "delegate", "id": sitting()[0].pk}, "grounds": "g"}).json()
    path = f"/api/recalls/petitions/{opened['id']}/signature"
    assert post(client_of("9"), path).status_code == 200
    before = (Signature.objects.count(), recorded().count())
    answer = post(client_of(who), path)
    assert (answer.status_code, answer.json()["rule"]) == (status, rule)
    assert (Signature.objects.count(), recorded().count()) == before


def test_a_petition_against_no_seat_or_a_second_one_is_refused(workshop) -> None:  # type: ignore[no-untyped-def]
    first, second = sitting()
    client = client_of("12")
    assert post(client, "/api/recalls/petitions",
                {"mandate": {"kind": "delegate", "id": first.pk}, "grounds": "g"}).status_code == 201
    again = post(client, "/api/recalls/petitions", {"mandate": {"kind": "delegate", "id": first.pk}, "grounds": "g"})
    assert (again.status_code, again.json()["rule"]) == (409, "one-open-petition")
    from django.db import transaction

    with transaction.atomic(durable=True):
        do_recall(second, source="meeting:1", actor=CLOCK)
    gone = post(client, "/api/recalls/petitions", {"mandate": {"kind": "delegate", "id": second.pk}, "grounds": "g"})
    assert (gone.status_code, gone.json()["rule"]) == (409, "no-seat")
    assert Petition.objects.count() == 1
    blank = post(client, "/api/recalls/petitions",
                 {"mandate": {"kind": "delegate", "id": first.pk}, "grounds": " \x1f "})
    assert blank.status_code == 422  # the schema's pattern: grounds need some text
    nobody = post(client, "/api/recalls/petitions",
                  {"mandate": {"kind": "delegate", "id": 10**6}, "grounds": "g"})
    assert nobody.status_code == 404


def test_writes_need_a_signed_in_member(workshop) -> None:  # type: ignore[no-untyped-def]
    anonymous = Client().post("/api/recalls/petitions",
                              {"mandate": {"kind": "delegate", "id": 1}, "grounds": "g"},
                              content_type="application/json")
    assert anonymous.status_code == 401
    assert Petition.objects.count() == 0


def test_every_recall_operation_is_in_the_openapi_document() -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/recalls/petitions/{petition_id}/signature"]) == {"post", "delete"}
    assert "post" in paths["/api/recalls/petitions"]
    assert "get" in paths["/api/recalls/petitions/{petition_id}"]
    assert Delegate  # (imported for the fixture's types)
