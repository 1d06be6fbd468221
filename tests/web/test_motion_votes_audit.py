"""verify and motions' votes (issue 17): a motion's outcome against its poll's result, its
state history against its entries, its declared matter against its entry; and a matter the
constitution makes secret voted by secret ballot whatever the presiding member asks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from communard.constitution.permissions import NotAllowed
from communard.record.kinds import MOTION_STATE_CHANGED
from communard.web.councils.models import Federation
from communard.web.meetings.actions.motions import do_move_motion, do_submit_motion
from communard.web.meetings.actions.vote import do_put_motion_to_vote
from communard.web.meetings.models import Motion
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.models import Poll
from communard.web.records import services
from communard.web.records.audit import run
from tests.web import factories
from tests.web import test_motion_votes as votes
from tests.web.factories import recorded, verify_output
from tests.web.meetings_helpers import as_member, council, meetings_federation
from tests.web.polls_helpers import vote
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    """As the motion votes' federation, with personnel votes secret."""
    monkeypatch.setattr(factories, "TWO_TIER", factories.TWO_TIER.replace(
        "[eligibility]", '[meetings]\nmotion_supporters = 1\nsecret_matters = ["personnel"]\n'
        "[eligibility]", 1))
    return meetings_federation(tmp_path)


def decided(passes: bool = True) -> tuple[Motion, Poll]:
    meeting = votes.meeting_of("d1", "1", "5")
    motion = votes.debated_motion(meeting)
    poll = do_put_motion_to_vote(motion, meeting=meeting, actor=as_member("1"))
    vote(poll, "5", [1 if passes else 2], poll.opens_at + dt.timedelta(minutes=1))
    do_close_poll(poll, now=poll.closes_at)
    motion.refresh_from_db()
    return motion, poll


def findings(*tables: str) -> list[str]:
    recorded()
    return [f"{d.table} {d.row}: {d.problem} #{d.index}" for d in run()
            if d.table in tables]


MOTION_TABLES = ("meetings_motion", "meetings_motionstep")


def test_a_decided_motion_matches_its_poll_and_entries(fed: Federation) -> None:
    """The control: adopted by its poll, its history and entries agree."""
    motion, _ = decided()
    assert motion.state == "adopted"
    assert findings(*MOTION_TABLES) == []


def test_an_outcome_reversed_by_sql_is_named_with_the_poll_entry(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """The row says rejected though the poll passed: named with the poll.closed entry."""
    motion, poll = decided()
    sql("UPDATE meetings_motion SET state = 'rejected' WHERE id = %s", motion.pk)
    closed = recorded().get(kind="poll.closed", body__poll=poll.pk).index
    assert f"meetings_motion test/{motion.pk}: the motion is rejected; its poll passed, so it "\
           f"is adopted #{closed}" in findings("meetings_motion")
    status, out = verify_output(capsys)
    assert status == 1 and "its poll passed" in out, out


def test_a_forged_outcome_entry_is_named(fed: Federation) -> None:
    """From the shell: the row rewritten and a matching motion.state_changed appended. The
    meetings replay agrees with the row; the outcome check names the forged entry."""
    motion, _ = decided()
    sql("UPDATE meetings_motion SET state = 'rejected' WHERE id = %s", motion.pk)
    services.append(MOTION_STATE_CHANGED, {"federation": "test", "motion": motion.pk,
                                           "from": "voted", "to": "rejected", "present": None},
                    actor="clock")
    forged = recorded().filter(kind="motion.state_changed").order_by("-index")[0].index
    assert any(f"the record's entry #{forged} moves it to rejected; its poll passed" in f
               for f in findings("meetings_motion"))


def test_a_history_step_rewritten_by_sql_is_named_with_its_entry(fed: Federation) -> None:
    """The step voted → adopted rewritten as voted → rejected: named with its entry."""
    motion, _ = decided()
    sql("UPDATE meetings_motionstep SET to_state = 'rejected' WHERE motion_id = %s "
        "AND to_state = 'adopted'", motion.pk)
    entry = recorded().filter(kind="motion.state_changed", body__motion=motion.pk,
                              body__to="adopted").get().index
    assert findings("meetings_motionstep") == [
        f"meetings_motionstep test/{motion.pk} step 5: the row says ('voted', 'rejected', None); "
        f"the record says ('voted', 'adopted', None) #{entry}"]


def test_a_history_step_deleted_by_sql_is_named(fed: Federation) -> None:
    motion, _ = decided()
    sql("DELETE FROM meetings_motionstep WHERE motion_id = %s AND to_state = 'adopted'",
        motion.pk)
    assert any("step 5: on the record" in f for f in findings("meetings_motionstep"))


def test_personnel_votes_are_secret_whatever_is_asked(fed: Federation) -> None:
    """A motion declared a personnel matter is put to a secret ballot though a roll call was
    asked; an undeclared one to the roll call asked."""
    meeting = votes.meeting_of("d1", "1", "5")
    motion = do_submit_motion(council("d1"), title="Dismiss the treasurer", text="Dismiss.",
                              reasons="", actor=as_member("5"), matter="personnel")
    from communard.constitution.meetings import MotionState
    from communard.web.meetings.actions.motions import do_support_motion

    do_support_motion(motion, actor=as_member("1"))
    for state in (MotionState.ADMITTED, MotionState.DEBATED):
        do_move_motion(motion, state, meeting=meeting, actor=as_member("1"))
    poll = do_put_motion_to_vote(motion, meeting=meeting, actor=as_member("1"), secret=False)
    assert poll.secret is True
    assert recorded().get(kind="motion.matter_declared").body == {
        "federation": "test", "motion": motion.pk, "matter": "personnel"}
    assert findings("meetings_motion") == []


def test_a_malformed_matter_is_refused(fed: Federation) -> None:
    before = recorded().count()
    with pytest.raises(NotAllowed, match="matter: a lower-case word"):
        do_submit_motion(council("d1"), title="T", text="x", reasons="", actor=as_member("5"),
                         matter="Personnel!")
    assert recorded().count() == before


def test_a_matter_cleared_by_sql_is_named(fed: Federation) -> None:
    motion = do_submit_motion(council("d1"), title="Dismiss", text="x", reasons="",
                              actor=as_member("5"), matter="personnel")
    sql("UPDATE meetings_motion SET matter = '' WHERE id = %s", motion.pk)
    entry = recorded().get(kind="motion.matter_declared").index
    assert findings("meetings_motion") == [
        f"meetings_motion test/{motion.pk}: its matter is ''; the record declared "
        f"'personnel' #{entry}"]
