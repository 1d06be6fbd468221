"""`communard verify` on sealed polls (issue 16): a key, a teller's commitment, an envelope or
a ballot changed behind the record's back is named with its entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.web.polls.actions.hand_in import try_close
from communard.web.polls.models import Poll, PollTeller
from communard.web.records.audit import run
from tests.web.factories import recorded, small_federation, verify_output
from tests.web.polls_helpers import DAY, NOW, open_poll, vote
from tests.web.sealed_helpers import hand_in, register_tellers
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cast(tmp_path: Path) -> Poll:
    """A sealed yes/no poll of w1 with four ballots cast, not yet closed."""
    fed = small_federation(tmp_path, {"w1": 8, "w2": 2})
    register_tellers(fed, ["1", "2", "3", "4", "5"])
    poll = open_poll(fed)
    for number, choice in [("1", 1), ("2", 1), ("6", 2), ("7", 3)]:
        vote(poll, number, [choice])
    recorded()
    return poll


@pytest.fixture
def counted(cast: Poll) -> Poll:
    """The same poll closed and opened by three tellers."""
    from communard.web.core import clock

    assert not clock.run_due(NOW + 2 * DAY).refused
    for teller in PollTeller.objects.filter(poll=cast).order_by("index")[:3]:
        hand_in(cast, teller)
    assert try_close(cast, now=NOW + 2 * DAY)
    recorded()
    return cast


def test_an_untouched_sealed_poll_matches_its_record(
        counted: Poll, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: sealed, cast, opened by three tellers, counted; verify finds nothing."""
    assert run() == []
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


BEFORE_CLOSE = {
    "key swapped": ("UPDATE polls_pollseal SET public_key = %s", ("ab" * 32,),
                    "public_key is 'abab"),
    "teller's commitment swapped": ("UPDATE polls_pollteller SET commitment = %s "
                                    "WHERE \"index\" = 1", ("cd" * 32,),
                                    "commitments are not those the record made"),
    "envelope stuffed": ("INSERT INTO polls_envelope (poll_id, sealed) SELECT poll_id, sealed "
                         "FROM polls_envelope LIMIT 1", (), "5 envelope(s) for 4 mark(s)"),
    "ballot in the clear": ("INSERT INTO polls_ballot (tracking_code, poll_id, choices) SELECT "
                            "'AAAA-AAAA-AAAA-AAAA', id, JSON(%s) FROM polls_poll", ("[1]",),
                            "1 plaintext ballot(s) in a sealed poll the record never opened"),
}


@pytest.mark.parametrize("attack", sorted(BEFORE_CLOSE))
def test_a_sealed_poll_changed_before_its_close_is_named(
        cast: Poll, attack: str, capsys: pytest.CaptureFixture[str]) -> None:
    statement, params, expected = BEFORE_CLOSE[attack]
    sql(statement, *params)
    status, out = verify_output(capsys)
    assert status == 1 and expected in out, out


def test_an_envelope_removed_after_the_close_is_named(
        counted: Poll, capsys: pytest.CaptureFixture[str]) -> None:
    """The box the record opened had four envelopes; one deleted later is found."""
    sql("DELETE FROM polls_envelope WHERE id = (SELECT min(id) FROM polls_envelope)")
    status, out = verify_output(capsys)
    assert status == 1 and "3 envelopes; the record opened the box with 4" in out, out
    assert "their digest differs" in out, out
