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
from tests.web.doors import by_a_fast_door, fast_door_expected
from tests.web.elections_helpers import PAST
from tests.web.factories import recorded
from tests.web.recalls_helpers import CLOCK, at_once, elected_workshop, sitting

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


def test_the_signature_that_meets_the_threshold_answers_as_the_petition_reads(workshop) -> None:  # type: ignore[no-untyped-def]
    """Each signature's answer is the petition as a read of it then shows (on PostgreSQL the
    signature's own door builds it from its one read; on SQLite the ninja operation does),
    the threshold's included."""
    opened = post(client_of("12"), "/api/recalls/petitions",
                  {"mandate": {"kind": "delegate", "id": sitting()[0].pk}, "grounds": "g"}).json()
    path = f"/api/recalls/petitions/{opened['id']}"
    for number, count in (("9", 1), ("10", 2), ("11", 3)):
        signed = post(client_of(number), f"{path}/signature")
        assert signed.status_code == 200, signed.content
        assert by_a_fast_door(signed) == fast_door_expected()  # whose answer it is
        assert signed.json() == Client().get(path).json()
        assert signed.json()["signatures"] == count
    assert signed.json()["state"] == "threshold-met" and signed.json()["vote_opens_at"]
    late = post(client_of("8"), f"{path}/signature")
    assert (late.status_code, late.json()["rule"]) == (409, "petition-not-open")
    assert by_a_fast_door(late) == fast_door_expected()
    assert recorded().filter(kind="recall.threshold_met").count() == 1
    # Every member of the roll (workshop one's 12), and nobody else, hears that it was met.
    from communard.web.recalls.models import Notification

    heard = Notification.objects.filter(petition_id=opened["id"], text__contains="met its")
    assert sorted(heard.values_list("member__number", flat=True), key=int) == [
        str(n) for n in range(1, 13)]


def test_signing_needs_a_member_a_login_a_csrf_token_and_a_petition(workshop) -> None:  # type: ignore[no-untyped-def]
    """401 without a login, 403 without the CSRF header or as an operator, 404 for no such
    petition, each answered by the signing door on PostgreSQL: nothing written."""
    from tests.web.factories import operator_login

    opened = post(client_of("12"), "/api/recalls/petitions",
                  {"mandate": {"kind": "delegate", "id": sitting()[0].pk}, "grounds": "g"}).json()
    path = f"/api/recalls/petitions/{opened['id']}/signature"
    operator = operator_login("op", "a long operator passphrase 1871")
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(operator)
    staff.get("/login/")
    member = client_of("9")
    before = (Signature.objects.count(), recorded().count())
    # No body, as a script's fetch sends it (a form body is a 415 before any of these).
    anonymous = Client().post(path, content_type="application/json")
    no_token = member.post(path, content_type="application/json")
    assert anonymous.status_code == 401
    assert no_token.status_code == 403  # no X-CSRFToken
    refused = post(staff, path)
    assert (refused.status_code, refused.json()["rule"]) == (403, "members-only")
    assert refused.json()["detail"] == (f"only a member of {workshop[0].name} signed in as "
                                        "themself petitions and signs")
    missing = post(member, "/api/recalls/petitions/999999/signature")
    assert (missing.status_code, missing.json()["detail"]) == (404, "no such petition")
    # Each refusal is the signing door's own on PostgreSQL (the ninja operation's on SQLite):
    # without this the test passed before the door existed, answered by the operation.
    for answer in (anonymous, no_token, refused, missing):
        assert by_a_fast_door(answer) == fast_door_expected(), answer
    assert (Signature.objects.count(), recorded().count()) == before


def test_a_signature_on_postgresql_is_one_read_and_one_statement(workshop) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL the signature's door reads once and writes once: the count, the row, the
    openings of its two commitments and its queued entry in one statement that is its own
    transaction (no BEGIN or COMMIT around it), committed without holding the petition's row
    through the disk's flush, which the next statement waits for before the answer; on
    SQLite the ninja operation and the ORM action answer, in a transaction of several
    statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from communard.web.records import services as record
    from communard.web.records.models import Opening

    opened = post(client_of("12"), "/api/recalls/petitions",
                  {"mandate": {"kind": "delegate", "id": sitting()[0].pk}, "grounds": "g"}).json()
    client = client_of("9")
    with CaptureQueriesContext(connection) as queries:
        assert post(client, f"/api/recalls/petitions/{opened['id']}/signature").status_code == 200
    captured = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        writes = [i for i, sql in enumerate(captured) if "recalls_signature" in sql
                  and "INSERT" in sql]
        assert len(writes) == 1, captured
        # The read, then the write, then the wait for the flush; what follows is the inline
        # sealer's (a test server's).
        assert len(captured[:writes[0] + 1]) == 2 and "BEGIN" not in captured[:writes[0]]
        assert "set_config('synchronous_commit', 'off', true)" in captured[writes[0]]
        assert "pg_logical_emit_message" in captured[writes[0] + 1]
    else:
        statements = [s for s in captured[:captured.index("COMMIT")] if s != "BEGIN"]
        assert len(statements) > 3, statements
    record.seal()
    body = recorded().get(kind="recall.signed").parsed()
    assert body["body"]["signatures"] == 1
    openings = dict(Opening.objects.values_list("commitment", "value"))
    assert openings[body["body"]["signer"]] == "9"
    assert openings[body["actor"].removeprefix("member:")] == "m9"


def _door_read(number: str, petition_id: int) -> Any:
    """The PostgreSQL door's one read for member ``number``'s session, made now (and used
    later: a signature whose read is stale by the time it writes)."""
    from communard.web.recalls.signing import read_for_session

    return read_for_session(petition_id, client_of(number).cookies["sessionid"].value)


def _sign_with(read: Any, number: str) -> str:
    """Sign through the door from ``read``: "signed", or the rule refused (PostgreSQL)."""
    from communard.constitution.permissions import NotAllowed
    from communard.web.recalls.signing import do_sign_as_user

    try:
        do_sign_as_user(read, Member.objects.get(number=number).user)
    except NotAllowed as refused:
        return refused.refusal.rule
    return "signed"


def test_a_stale_second_signature_is_refused_and_changes_nothing(workshop) -> None:  # type: ignore[no-untyped-def]
    """A member whose second signature was read before their first was written (two requests
    at once) is refused as having signed; the count, the rows, the openings and the queued
    entries stay as the first signature left them (PostgreSQL: the door's one statement fails
    whole on the signature's key; SQLite: the ORM action refuses it)."""
    from django.db import connection

    from communard.web.records.models import Opening, QueuedEntry

    opened = post(client_of("12"), "/api/recalls/petitions",
                  {"mandate": {"kind": "delegate", "id": sitting()[0].pk}, "grounds": "g"}).json()
    path = f"/api/recalls/petitions/{opened['id']}/signature"
    stale = _door_read("9", opened["id"]) if connection.vendor == "postgresql" else None
    assert post(client_of("9"), path).status_code == 200

    def state() -> tuple[int, ...]:
        return (Petition.objects.get(pk=opened["id"]).signatures, Signature.objects.count(),
                Opening.objects.count(), QueuedEntry.objects.count() + recorded().count())

    before = state()
    if stale is not None:
        assert _sign_with(stale, "9") == "already-signed"
    else:
        again = post(client_of("9"), path)
        assert (again.status_code, again.json()["rule"]) == (409, "already-signed")
    assert state() == before and before[0] == 1


def test_signatures_at_once_through_the_door_meet_the_threshold_once(workshop) -> None:  # type: ignore[no-untyped-def]
    """Eight members whose reads were all made before any wrote sign at once (threads) a
    petition that needs three: three count, in order on the record, one of them meets the
    threshold, and the other five are refused as no longer collecting with nothing written;
    the recalls audit finds the rows and the record agree. (The door is PostgreSQL's; on
    SQLite the same requests go through the API's ORM action, one at a time.)"""
    from django.db import connection

    from communard.web.recalls.audit import audit_recalls
    from communard.web.records import services as record

    opened = post(client_of("12"), "/api/recalls/petitions",
                  {"mandate": {"kind": "delegate", "id": sitting()[0].pk}, "grounds": "g"}).json()
    signers = ["3", "4", "5", "6", "7", "8", "9", "10"]
    outcomes: list[str] = []
    if connection.vendor == "postgresql":
        reads = {n: _door_read(n, opened["id"]) for n in signers}
        outcomes = at_once(lambda n: _sign_with(reads[n], n), signers)
    else:
        for number in signers:
            answer = post(client_of(number), f"/api/recalls/petitions/{opened['id']}/signature")
            outcomes.append("signed" if answer.status_code == 200 else answer.json()["rule"])
    assert sorted(outcomes) == ["petition-not-open"] * 5 + ["signed"] * 3
    petition = Petition.objects.get(pk=opened["id"])
    assert (petition.signatures, petition.state) == (3, "threshold-met")
    assert Signature.objects.filter(petition=petition).count() == 3
    record.seal()
    assert recorded().filter(kind="recall.threshold_met").count() == 1
    counts = [e.parsed()["body"]["signatures"]
              for e in recorded().filter(kind="recall.signed").order_by("index")]
    assert counts == [1, 2, 3]
    assert list(audit_recalls()) == []
