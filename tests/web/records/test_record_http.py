"""The record's public HTTP endpoints and pages, and `communard verify --server` and
`communard witness` against a live server."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communard.cli import main
from communard.record import (
    Entry as RecordEntry,
)
from communard.record import (
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from communard.record.kinds import BALLOT_CAST
from communard.web.records import services
from communard.web.records.models import Entry
from tests.strategies import query_values
from tests.web.factories import operator_login
from tests.web.tampering import guards_lifted


def fill(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            services.append(BALLOT_CAST, {"federation": "t", "election": i})


@pytest.mark.django_db
def test_endpoints_serve_checkpoint_entries_and_proofs_that_verify(client) -> None:  # type: ignore[no-untyped-def]
    """The checkpoint is signed, the entries hash to leaves, the proofs verify against it."""
    fill(13)
    key = services.verifier()
    cp = open_checkpoint(client.get("/record/api/checkpoint").content, key)
    assert cp.size == 13
    page = client.get("/record/api/entries", {"start": 0, "limit": 20}).json()
    assert page["size"] == 13 and len(page["entries"]) == 13
    assert page["entries"][5]["data"] is None  # anonymous: hashes only, by default
    leaf5 = base64.b64decode(page["entries"][5]["leaf_hash"])
    incl = client.get("/record/api/proof/inclusion", {"index": 5, "size": 13}).json()
    verify_inclusion(5, 13, leaf5, [base64.b64decode(h) for h in incl["proof"]], cp.root_hash)
    old = open_checkpoint(client.get("/record/api/checkpoint", {"size": 6}).content, key)
    cons = client.get("/record/api/proof/consistency", {"old": 6, "new": 13}).json()
    verify_consistency(6, 13, old.root_hash, cp.root_hash,
                       [base64.b64decode(h) for h in cons["proof"]])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        ("/record/api/entries", {"start": "-1"}, "non-negative integer"),
        ("/record/api/entries", {"start": "99"}, "past the end"),
        ("/record/api/entries", {"limit": "0"}, "between 1 and 1000"),
        ("/record/api/entries", {"limit": "x"}, "non-negative integer"),
        ("/record/api/proof/inclusion", {}, "'index' is required"),
        ("/record/api/proof/inclusion", {"index": 3, "size": 3}, "not in a tree of size 3"),
        ("/record/api/proof/inclusion", {"index": 0, "size": 9}, "not between 0"),
        ("/record/api/proof/consistency", {"old": 4, "new": 2}, "old size <= new size"),
        ("/record/api/checkpoint", {"size": 42}, "no signed checkpoint"),
        # Superscript and other-script digits pass str.isdigit but not int(): they were a 500.
        ("/record/api/checkpoint", {"size": "\u00b2"}, "'size' must be a non-negative integer"),
        ("/record/api/entries", {"start": "\u0663"}, "'start' must be a non-negative integer"),
        ("/record/api/entries", {"limit": "1_0"}, "'limit' must be a non-negative integer"),
        ("/record/api/proof/inclusion", {"index": " 1"}, "'index' must be a non-negative"),
        ("/record/api/proof/inclusion", {"index": 0, "size": "\u00b3"}, "'size' must be"),
        ("/record/api/proof/consistency", {"old": "\u00b9"}, "'old' must be a non-negative"),
        ("/record/api/proof/consistency", {"old": 1, "new": "\u00b2"}, "'new' must be a non"),
        # Past a bigint: PostgreSQL refused it with a range error.
        ("/record/api/checkpoint", {"size": str(2**63)}, "at most 9223372036854775807"),
        ("/record/api/proof/inclusion", {"index": "9" * 30}, "at most 9223372036854775807"),
        # RFC 9162 defines no consistency proof from 0 or between equal sizes (§2.1.4.1).
        ("/record/api/proof/consistency", {"old": 0, "new": 3}, "'old' must be at least 1"),
        ("/record/api/proof/consistency", {"old": 0}, "'old' must be at least 1"),
        ("/record/api/proof/consistency", {"old": 2, "new": 2}, "are both 2"),
        ("/record/api/proof/consistency", {"old": 3}, "are both 3"),
    ],
)
def test_bad_requests_get_clear_errors(client, url: str, params: dict, message: str) -> None:  # type: ignore[no-untyped-def,type-arg]
    """Bad ranges and parameters get a 4xx and a message naming the problem."""
    fill(3)
    response = client.get(url, params)
    assert 400 <= response.status_code < 500
    assert message in response.json()["error"]


RECORD_READS = {
    "/record/": ["start"],
    "/record/api/checkpoint": ["size"],
    "/record/api/entries": ["start", "limit"],
    "/record/api/proof/inclusion": ["index", "size"],
    "/record/api/proof/consistency": ["old", "new"],
}


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.sampled_from(sorted(RECORD_READS)), data=st.data())
def test_record_reads_never_fail_on_any_parameter(client, url: str, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    """Whatever text each integer parameter holds, every record read answers 200 or a 4xx that
    names the problem, never a 500 (the test client raises the server's exception)."""
    if not Entry.objects.exists():
        fill(3)
    params = {name: data.draw(query_values(), label=name) for name in RECORD_READS[url]}
    response = client.get(url, params)
    assert response.status_code in (200, 400, 404), (params, response.status_code)
    if response.status_code == 400:
        assert any(repr(name) in response.json()["error"] or name in response.json()["error"]
                   for name in params) or "past the end" in response.json()["error"]


@pytest.mark.django_db
def test_record_page_refuses_a_superscript_start(client) -> None:  # type: ignore[no-untyped-def]
    """The record page reads ``start`` with the same strict parser: a 400, not a 500."""
    fill(1)
    response = client.get("/record/", {"start": "\u00b2"})
    assert response.status_code == 400 and "'start'" in response.json()["error"]


@pytest.mark.django_db
def test_client_asks_no_proof_for_the_trivial_sizes(live_server) -> None:  # type: ignore[no-untyped-def]
    """Our own client answers the empty proof for 0 and equal sizes without asking (the server
    refuses those), so a witness that kept the empty tree's checkpoint still checks the next."""
    from communard.record import HttpLogClient

    fill(3)
    remote = HttpLogClient(live_server.url)
    assert remote.consistency_proof(0, 3) == [] and remote.consistency_proof(3, 3) == []
    assert len(remote.consistency_proof(1, 3)) == 2


@pytest.mark.django_db
def test_members_see_bodies_and_pages_show_entries_with_proofs(client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    """Logged-in members see canonical bodies; the pages list entries and show a proof."""
    fill(4)
    user = operator_login("m1", "pw-long-enough-1")
    client.force_login(user)
    data = client.get("/record/api/entries").json()["entries"][2]["data"]
    body = RecordEntry.decode(data.encode()).body  # casts are shuffled within their batch
    assert body["federation"] == "t" and body["election"] in range(4)
    assert base64.b64encode(leaf_hash(data.encode())).decode() == \
        client.get("/record/api/entries").json()["entries"][2]["leaf_hash"]
    page = client.get("/record/").content.decode()
    assert "ballot.cast" in page and "/record/3/" in page
    entry = client.get("/record/2/").content.decode()
    assert "Inclusion proof" in entry and f"&quot;election&quot;:{body['election']}" in entry
    assert client.get("/record/99/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_verify_and_witness_over_http(live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`verify --server` checks a live server; `witness` co-signs, then catches a rewrite."""
    fill(5)
    key = services.verifier().text()
    assert main(["verify", "--server", live_server.url, "--key", key]) == 0
    state = tmp_path / "w"
    assert main(["witness", live_server.url, "--state", str(state), "--log-key", key]) == 0
    fill(2)
    assert main(["witness", live_server.url, "--state", str(state)]) == 0
    from communard.web.records.models import Checkpoint, Entry, Head, Node

    with guards_lifted():  # the operator as the database's superuser
        for model in (Entry, Node, Checkpoint):
            model.objects.all().delete()
        Head.objects.update(size=0)
    fill(9)  # a different history, signed with the organisation's own key
    assert main(["witness", live_server.url, "--state", str(state)]) == 1
    assert "REWRITE" in (state / "ALERT").read_text()


def test_remote_commands_do_not_import_django() -> None:
    """`communard verify --server` and `witness` work where Django is not importable."""
    code = ("import sys; sys.modules['django'] = None; "
            "from communard.cli import main; "
            "sys.exit(main(['verify', '--server', 'http://127.0.0.1:9', '--key', "
            "'x.example/log+00000000+AQ==']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "verifier key" in done.stderr or "key" in done.stderr
