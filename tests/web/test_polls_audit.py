"""`communard verify` compares each poll with its record: a poll changed behind the record's
back by plain SQL (with the write-once guards lifted, as the database's owner could) is named
with its entry; a poll closed twice is refused and named."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.errors import AlreadyClosed
from communard.web.polls.models import Poll
from communard.web.records.audit import run
from tests.web.factories import recorded, small_federation, verify_output
from tests.web.polls_helpers import DAY, NOW, open_poll, vote
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(tmp_path: Path) -> Poll:
    """Workshop one's six members voted 3 yes, 1 no on a secret yes/no poll, closed."""
    fed = small_federation(tmp_path, {"w1": 6, "w2": 2})
    poll = open_poll(fed)
    for number, choice in [("1", 1), ("2", 1), ("3", 1), ("4", 2)]:
        vote(poll, number, [choice])
    do_close_poll(poll, now=NOW + 2 * DAY)
    poll.refresh_from_db()
    recorded()
    return poll


def test_an_untouched_poll_matches_its_record(closed: Poll,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The control: called, frozen, voted, closed; verify finds nothing."""
    assert run() == []
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


ATTACKS = {
    "majority rewritten": ("UPDATE polls_poll SET majority = 'two-thirds'",
                           "majority is 'two-thirds'; it was called with 'simple'"),
    "re-timed": ("UPDATE polls_poll SET closes_at = opens_at", "closes_at is"),
    "option relabelled": ("UPDATE polls_option SET label = 'Yes' WHERE number = 2",
                          "options is ['Yes', 'Yes', 'Abstain']"),
    "re-opened": ("UPDATE polls_poll SET closed_at = NULL",
                  "re-opened: the record closed it but closed_at is empty"),
    "ballots rewritten": ("UPDATE polls_ballot SET choices = JSON(%s)", "polls_ballot poll="),
    "result reversed": ("UPDATE polls_result SET passed = NOT passed",
                        "passed is False; the record counted True"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_poll_changed_behind_the_record_is_named(closed: Poll, attack: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    statement, expected = ATTACKS[attack]
    sql(statement, *(("[2]",) if "JSON" in statement else ()))
    status, out = verify_output(capsys)
    assert status == 1, out
    assert expected in out and "state diverges from the record (entry #" in out, out


def test_a_re_opened_poll_is_not_counted_again(closed: Poll) -> None:
    """Result deleted and closed_at cleared by SQL: the record's poll.closed refuses a second
    count."""
    sql("DELETE FROM polls_result")
    sql("UPDATE polls_poll SET closed_at = NULL")
    with pytest.raises(AlreadyClosed, match="the record's entry #"):
        do_close_poll(closed, now=NOW + 3 * DAY)


def test_a_poll_called_in_the_federations_zone_is_not_re_timed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A purpose may call its poll with times in any zone: the record keeps them as written
    ("+01:00") and the row as instants, and the audit compares instants, not their text."""
    import datetime as dt

    fed = small_federation(tmp_path, {"w1": 3})
    paris = dt.timezone(dt.timedelta(hours=1))
    open_poll(fed, opens_at=(NOW - DAY).astimezone(paris), closes_at=(NOW + DAY).astimezone(paris),
              roll_at=(NOW - 2 * DAY).astimezone(paris))
    recorded()
    assert run() == []
    status, out = verify_output(capsys)
    assert status == 0, out
