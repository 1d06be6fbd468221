"""`communard verify --server URL` replays what the public can read of a live server's record
and compares it with the state the server publishes: a change made with SQL behind the
record's back is named with its entry and the URL that shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from communard.cli import main
from communard.web.elections.actions import do_close_election
from communard.web.members.models import Member
from communard.web.records import services
from tests.web.elections_helpers import DAY, NOW, cast_ballot, open_election
from tests.web.factories import small_federation
from tests.web.test_audit import ATTACKS, PARAMS, sql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def public_server(live_server: Any, settings: Any, tmp_path: Path) -> str:
    """A live server whose record bodies are public, with workshop one's delegates elected."""
    settings.COMMUNARD_RECORD_BODIES = "public"
    fed = small_federation(tmp_path, {"w1": 12, "w2": 3, "w3": 5})
    election = open_election(fed, "w1", ["1", "2", "3"])
    for number, ranking in [("4", [1, 2]), ("5", [1]), ("6", [2, 3]), ("7", [3, 1]), ("8", [2])]:
        cast_ballot(election, Member.objects.get(number=number), ranking, now=NOW)
    do_close_election(election, now=NOW + 2 * DAY)
    services.seal()
    return str(live_server.url)


def verify_server(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["verify", "--server", url, "--key", services.verifier().text()])
    return status, capsys.readouterr().out


def test_an_untouched_server_matches_its_public_record(
    public_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = verify_server(public_server, capsys)
    assert status == 0 and "public state: matches the record" in out, out


#: What the public sees of each of test_audit's attacks (the same SQL statements).
EXPECTED = {
    "seat count raised":
        "/api/public/state#federations/test/councils/w1: seats_in_parent is 7; the record "
        "last apportioned 2",
    "workplace moved":
        "(entry #0, {url}/record/0/): {url}/api/public/state#federations/test/councils/w1: "
        "tier 'workplace' under 'd2'",
    "constitution edited": "#federations/test: its constitution is not the text the record",
    "delegate by decree": "a delegate (no commitment) whom no entry seated",
    "delegate unseated":
        "#federations/test/delegates/w1: 0 sitting delegates published; the record seats 2",
    "office-holder by decree": None,  # offices are not in the public state yet
    "poll re-timed": "poll_closes_at is",
    "election re-opened": "re-opened: the record closed it but it is published as open",
    "ballots rewritten": "/box.blt: the published box hashes to",
    "result edited": "result winners is [3]; the record counted",
    # Rolls and candidacies name members: the public state does not publish them.
    "voter added to a roll": None,
    "candidacy by decree": None,
    # An election's published box is its poll's, naming candidates by their numbers on the
    # record: rows renumbered do not change it (the local rolls audit names them).
    "candidates renumbered": None,
}


@pytest.mark.parametrize("attack", sorted(a for a in ATTACKS if EXPECTED[a]))
def test_a_change_behind_the_record_is_named_with_entry_and_url(
    public_server: str, attack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    statement, _ = ATTACKS[attack]
    expected = EXPECTED[attack]
    assert expected is not None
    sql(statement, *PARAMS.get(attack, ()))
    status, out = verify_server(public_server, capsys)
    assert status == 1, out
    assert expected.format(url=public_server) in out, out
    assert "record intact" in out  # the log itself was not touched: only the tables were


def test_a_server_that_hides_bodies_is_not_called_matching(
    public_server: str, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without public bodies there is nothing to replay: the output says so, and does not
    claim the public state matches."""
    settings.COMMUNARD_RECORD_BODIES = "members"
    sql("UPDATE councils_council SET seats_in_parent = seats_in_parent + 5 WHERE key = 'w1'")
    status, out = verify_server(public_server, capsys)
    assert "public state: not replayed" in out and "matches" not in out, out
    assert status == 0  # the log is intact; what could not be compared is said, not failed
