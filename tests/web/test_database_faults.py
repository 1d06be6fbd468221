"""While the database cannot be reached, the APIs answer JSON 503 with Retry-After and the pages
a "try again shortly" page; once it is back, the same requests work. Real faults only: on
PostgreSQL the suite's server kills the connection and the settings point at a closed port; on
SQLite the file cannot be opened."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import close_old_connections, connections
from django.test import Client

from communard.web.core.database_faults import RETRY_AFTER_SECONDS
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.models import Ballot
from tests.web.elections_helpers import open_election
from tests.web.factories import member_login, small_federation

# Committed data: the connection made while the database is "down" is not the test's own, so it
# sees only what was committed (and on PostgreSQL a transaction would not survive the kill).
pytestmark = pytest.mark.django_db(transaction=True)



def _closed_port() -> int:
    """A loopback port nobody listens on: bound, then released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def database_down(tmp_path: Path) -> Iterator[Callable[[], None]]:
    """This thread's requests meet a database that has gone away; yields ``back_up()``, which
    brings it back without the test touching the connection.

    PostgreSQL: a fresh connection to the suite's server is made, then the server terminates it
    (``pg_terminate_backend``, as a restart does) and its settings point at a closed port, so
    the next query fails on the dead socket and every reconnect is refused. SQLite: the file is
    in a directory that does not exist. The test's own connection is set aside meanwhile."""
    original = connections["default"]
    working = dict(original.settings_dict)
    broken = dict(working)
    if original.vendor == "postgresql":
        broken["PORT"] = _closed_port()
    else:
        broken["NAME"] = str(tmp_path / "no such directory" / "db.sqlite3")
    wrapper = type(original)(dict(working), alias="default")
    if original.vendor == "postgresql":
        wrapper.ensure_connection()
        with original.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])
            assert cursor.fetchone() == (True,)
    wrapper.settings_dict.update(broken)
    connections["default"] = wrapper
    try:
        yield lambda: wrapper.settings_dict.update(working)
    finally:
        wrapper.close()
        connections["default"] = original


@pytest.fixture
def election(tmp_path: Path) -> Election:
    fed = small_federation(tmp_path, {"w1": 3})
    member_login(Member.objects.get(number="1"), "m1", "pw-12345-x")
    return open_election(fed, "w1", ["2", "3"])


class Served(Client):
    """The test client, ending each request as a WSGI server does.

    Django's test client disconnects ``close_old_connections`` from ``request_finished`` (to
    keep a test's transaction open); a server's handler runs it, and that is what replaces a
    connection that failed (with persistent connections, CONN_MAX_AGE=None) once the database
    is back. So it runs here after each request too."""

    def request(self, **request: object) -> object:  # type: ignore[override]
        try:
            return super().request(**request)
        finally:
            close_old_connections()


def voter() -> Client:
    client = Served(enforce_csrf_checks=True)
    client.login(username="m1", password="pw-12345-x")
    client.get("/login/")  # sets the CSRF cookie
    return client


def cast(client: Client, election: Election) -> object:
    return client.post(f"/api/elections/{election.pk}/ballots", json.dumps({"ranking": [2]}),
                       content_type="application/json",
                       HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)


def assert_unavailable(response: object, *, json_key: str | None) -> None:
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)  # type: ignore[attr-defined]
    if json_key is None:
        assert response["Content-Type"].startswith("text/html")  # type: ignore[index]
        assert "Try again shortly" in response.content.decode()  # type: ignore[attr-defined]
    else:
        assert response.json() == {  # type: ignore[attr-defined]
            json_key: "the database cannot be reached just now; try again shortly"}


def test_cast_while_the_database_is_down_is_503_then_works(
    election: Election, tmp_path: Path
) -> None:
    """The cast API answers JSON 503 with Retry-After while the database is gone (the killed
    connection, then refused reconnects), stores nothing, and casts once the database is back,
    on the same connection settings."""
    client = voter()
    with database_down(tmp_path) as back_up:
        assert_unavailable(cast(client, election), json_key="detail")  # the dead connection
        assert_unavailable(cast(client, election), json_key="detail")  # a refused reconnect
        back_up()
        response = cast(client, election)
        assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    assert Ballot.objects.filter(poll_id=Election.objects.get(pk=election.pk).poll_id).count() == 1


@pytest.mark.parametrize(("url", "json_key"), [
    ("/api/elections/{pk}", "detail"),
    ("/record/api/checkpoint", "error"),
    ("/record/api/entries", "error"),
    ("/", None),
    ("/e/{pk}/", None),
    ("/record/", None),
])
def test_reads_while_the_database_is_down_are_503(
    election: Election, tmp_path: Path, url: str, json_key: str | None
) -> None:
    """The read APIs answer JSON 503 in their own error shape, the pages a proper page (which
    needs no database: no user, no messages), each with Retry-After; back up, they answer 200."""
    url = url.format(pk=election.pk)
    client = voter()
    with database_down(tmp_path) as back_up:
        assert_unavailable(client.get(url), json_key=json_key)
        assert_unavailable(client.get(url), json_key=json_key)
        back_up()
        assert client.get(url).status_code == 200


def test_ballot_page_while_the_database_is_down_is_the_try_again_page(
    election: Election, tmp_path: Path
) -> None:
    """Sending the ballot form while the database is gone shows the page, stores nothing."""
    client = Served()
    client.login(username="m1", password="pw-12345-x")
    with database_down(tmp_path):
        response = client.post(f"/e/{election.pk}/vote/", {"p1": "2"})
    assert_unavailable(response, json_key=None)
    assert Ballot.objects.count() == 0
