"""verify and amendments' votes (issue 17): an amendment's vote, decision and text changed by
plain SQL behind the record, and a forwarded motion whose text is not its origin's as amended,
each named with its entry and row, and `communard verify` exiting 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.web.councils.models import Federation
from communard.web.meetings.actions.motions import do_forward_motion
from communard.web.meetings.actions.vote import do_put_motion_to_vote
from communard.web.meetings.models import Amendment, Motion
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.models import Poll
from communard.web.records.audit import run
from tests.web import factories
from tests.web.amendment_helpers import (
    MINUTE,
    debated,
    decide,
    district_fixture_constitution,
    propose,
)
from tests.web.factories import recorded, verify_output
from tests.web.meetings_helpers import as_member, council, meetings_federation
from tests.web.polls_helpers import vote
from tests.web.test_audit import sql
from tests.web.test_motion_votes import meeting_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    monkeypatch.setattr(factories, "TWO_TIER", district_fixture_constitution(factories.TWO_TIER))
    return meetings_federation(tmp_path)


def forwarded() -> tuple[Motion, Amendment, Poll, Motion]:
    """d1 adopts an amendment to paragraph 2 by roll call, adopts the motion and forwards it."""
    meeting = meeting_of("d1", "1", "5")
    motion = debated(meeting)
    amendment = propose(motion, "Publish every expense weekly.", paragraph=2)
    poll = decide(amendment, meeting, yes=True)
    vote_on_motion = do_put_motion_to_vote(motion, meeting=meeting, actor=as_member("1"))
    for number in ("1", "5"):
        vote(vote_on_motion, number, [1], vote_on_motion.opens_at + MINUTE)
    do_close_poll(vote_on_motion, now=vote_on_motion.closes_at)
    return motion, amendment, poll, do_forward_motion(motion, council("congress"),
                                                       actor=as_member("1"))


def findings() -> list[str]:
    recorded()
    return [f"{d.table} {d.row}: {d.problem} #{d.index}" for d in run()
            if d.table.startswith("meetings_")]


def index_of(kind: str, **body: object) -> int:
    return recorded().get(kind=kind, **{f"body__{k}": v for k, v in body.items()}).index


def test_amendments_voted_and_forwarded_match_the_record(fed: Federation) -> None:
    """The control: nothing changed, nothing named."""
    forwarded()
    assert findings() == []


def test_a_decision_changed_by_sql_is_named(fed: Federation,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Adopted by its roll call, made rejected in the table: named with the entry and the
    poll's close."""
    _, amendment, poll, _ = forwarded()
    sql("UPDATE meetings_amendmentdecision SET state = 'rejected' WHERE amendment_id = %s",
        amendment.pk)
    row = f"meetings_amendmentdecision test/{amendment.pk}"
    decided = index_of("amendment.decided", amendment=amendment.pk)
    closed = index_of("poll.closed", poll=poll.pk)
    found = findings()
    assert f"{row}: the row says 'rejected'; the record says 'adopted' #{decided}" in found
    assert f"{row}: the amendment is rejected; its poll passed, so it is adopted #{closed}" in found
    status, out = verify_output(capsys)
    assert status == 1 and row in out, out


def test_a_decision_inserted_by_sql_is_named(fed: Federation) -> None:
    """An amendment never voted made adopted behind the record: no entry records it."""
    meeting = meeting_of("d1", "1", "5")
    amendment = propose(debated(meeting), "Publish nothing.", paragraph=2)
    sql("INSERT INTO meetings_amendmentdecision (amendment_id, state, at) "
        "VALUES (%s, 'adopted', CURRENT_TIMESTAMP)", amendment.pk)
    assert (f"meetings_amendmentdecision test/{amendment.pk}: 'adopted': no entry records it "
            "#None") in findings()


def test_an_amendment_vote_changed_by_sql_is_named(fed: Federation,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The text voted, rewritten in the vote's row: named with its amendment.put_to_vote."""
    _, amendment, poll, _ = forwarded()
    sql("UPDATE meetings_amendmentvote SET text_sha256 = %s WHERE amendment_id = %s",
        "0" * 64, amendment.pk)
    put = index_of("amendment.put_to_vote", amendment=amendment.pk)
    row = f"meetings_amendmentvote test/{amendment.pk}"
    assert any(f.startswith(f"{row}: the row says") and f.endswith(f"#{put}")
               for f in findings()), findings()
    status, out = verify_output(capsys)
    assert status == 1 and row in out, out


def test_an_amendment_text_changed_by_sql_is_named(fed: Federation,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The adopted amendment's text rewritten: its row against amendment.proposed, the motion
    voted on a text that no longer folds, and the forwarded motion, each named."""
    motion, amendment, _, sent = forwarded()
    sql("UPDATE meetings_amendment SET text = 'Publish nothing.' WHERE id = %s", amendment.pk)
    found = findings()
    assert any(f.startswith(f"meetings_amendment test/{amendment.pk}: the row says")
               for f in found), found
    settled = index_of("motion.text_settled", motion=motion.pk)
    assert any(f.startswith(f"meetings_motion test/{motion.pk}: voted on the text as amended")
               and f.endswith(f"#{settled}") for f in found), found
    assert any(f.startswith(f"meetings_motion test/{sent.pk}: forwarded from motion "
                            f"{motion.pk}") for f in found), found
    status, out = verify_output(capsys)
    assert status == 1 and f"meetings_amendment test/{amendment.pk}" in out, out


def test_a_forwarded_motion_whose_text_is_not_the_fold_is_named(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """The forwarded motion's text put back to the original: named with its motion.forwarded
    entry, the amendments it should carry said."""
    motion, amendment, _, sent = forwarded()
    sql("UPDATE meetings_motion SET text = %s WHERE id = %s", motion.text, sent.pk)
    index = index_of("motion.forwarded", motion=sent.pk)
    assert (f"meetings_motion test/{sent.pk}: forwarded from motion {motion.pk}, its text is "
            f"not that motion's as amended by its adopted amendments [{amendment.pk}] "
            f"#{index}") in findings()
    status, out = verify_output(capsys)
    assert status == 1 and f"forwarded from motion {motion.pk}" in out, out
