"""The scorecard's read model (issue 17 "Fast"): each roll call's verdicts written once at its
close, read by the scorecard page and API with the same verdicts as the old computation; roll
calls closed before the table still counted; a verdict row changed by plain SQL named by
verify with its poll's close entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from communard.constitution.mandates import Stance, Verdict
from communard.web.core.writeonce import Immutable
from communard.web.councils.models import Delegate, Federation
from communard.web.meetings.actions.mandates import do_adopt_mandate
from communard.web.meetings.actions.vote import do_put_motion_to_vote
from communard.web.meetings.models import RollCallVerdict
from communard.web.meetings.scorecard import delegate_scorecard, roll_calls_for
from communard.web.meetings.verdicts import FREE, backfill, read_scorecard
from communard.web.polls.models import Poll
from communard.web.records.audit import run
from tests.web import factories
from tests.web import test_motion_votes as votes
from tests.web.factories import recorded
from tests.web.meetings_helpers import as_member, council, meetings_federation
from tests.web.polls_helpers import vote
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db

YES, NO, ABSTAIN = [1], [2], [3]


@pytest.fixture
def fed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    monkeypatch.setattr(factories, "TWO_TIER", factories.TWO_TIER.replace(
        "[eligibility]", "[meetings]\nmotion_supporters = 1\n[eligibility]", 1))
    return meetings_federation(tmp_path)


def history() -> list[Poll]:
    """Four roll calls of d1 (delegates 1 for w1, 5 for w2), every verdict among them: w1
    binds 1 against and 1 votes for (deviated, binding); w1 advises for and 1 votes for
    (complied, advisory) while w2 binds 5 against and 5 is absent; w1 binds abstain and 1 is
    absent; no mandate at all (free)."""
    w1, w2 = votes.meeting_of("w1", "1", "2"), votes.meeting_of("w2", "5", "6")
    d1 = votes.meeting_of("d1", "1", "5")
    plans = [([(w1, Stance.AGAINST, True)], {"1": YES, "5": NO}),
             ([(w1, Stance.FOR, False), (w2, Stance.AGAINST, True)], {"1": YES}),
             ([(w1, Stance.ABSTAIN, True), (w2, Stance.FOR, False)], {"5": NO}),
             ([], {"1": ABSTAIN, "5": YES})]
    polls = []
    for mandates, casts in plans:
        motion = votes.debated_motion(d1)
        for meeting, stance, binding in mandates:
            do_adopt_mandate(meeting, motion, stance=stance, binding=binding,
                             actor=as_member(meeting.attendance.first().member.number))
        poll = do_put_motion_to_vote(motion, meeting=d1, actor=as_member("1"))
        for number, choice in casts.items():
            vote(poll, number, choice, poll.opens_at + votes.dt.timedelta(minutes=1))
        polls.append(votes.closed(poll))
    return polls


def old_and_new(delegate: Delegate) -> tuple[object, object]:
    """The old computation's card and the read model's, as comparable plain values."""
    old = delegate_scorecard(delegate, roll_calls_for(delegate))
    new = read_scorecard(delegate, recent=None)
    return ((dict(old.counts), [(d.motion, d.stance, d.choice, d.binding)
                                for d in old.deviations[::-1]]),
            ({k: n for k, n in new.counts.items() if n}, [(d.motion, d.stance, d.choice,
                                                           d.binding) for d in new.latest]))


def test_the_close_writes_every_verdict_and_the_card_equals_the_old_computation(
        fed: Federation) -> None:
    polls = history()
    assert sorted(RollCallVerdict.objects.values_list("member__number", "verdict", "binding")
                  ) == sorted([("1", "deviated", True), ("5", FREE, None),
                               ("1", "complied", False), ("5", "absent", True),
                               ("1", "absent", True), ("5", "deviated", False),
                               ("1", FREE, None), ("5", FREE, None)])
    assert RollCallVerdict.objects.filter(poll__in=polls).values("poll").distinct().count() == 4
    for number in ("1", "5"):
        delegate = Delegate.objects.get(council=council("d1"), member__number=number)
        old, new = old_and_new(delegate)
        assert new == old and old[0]  # not vacuous: each has verdicts
    one = Delegate.objects.get(council=council("d1"), member__number="1")
    card = read_scorecard(one, recent=None)
    assert (card.count(Verdict.DEVIATED, binding=True), card.count(Verdict.COMPLIED, binding=False),
            card.count(Verdict.ABSENT, binding=True), card.deviations) == (1, 1, 1, 1)


def test_the_page_and_the_api_show_the_old_verdicts(fed: Federation, client: Client) -> None:
    history()
    five = Delegate.objects.get(council=council("d1"), member__number="5")
    old = delegate_scorecard(five, roll_calls_for(five))
    page = client.get(f"/delegates/{five.pk}/scorecard/").content.decode()
    for verdict in Verdict:
        cells = (f"<th scope=\"row\">{verdict.label}</th><td class=\"num\">"
                 f"{old.count(verdict, binding=True)}</td><td class=\"num\">"
                 f"{old.count(verdict, binding=False)}</td>")
        assert cells in page
    body = client.get(f"/api/delegates/{five.pk}/scorecard").json()
    assert body["counts"] == {v.label: {"binding": old.count(v, binding=True),
                                        "advisory": old.count(v, binding=False)}
                              for v in Verdict}
    assert body["deviations"] == [{"motion": d.motion, "stance": d.stance.label,
                                   "choice": d.choice.label if d.choice else None,
                                   "binding": d.binding} for d in old.deviations] != []


def test_roll_calls_closed_before_the_table_are_still_counted(fed: Federation) -> None:
    """Rows of two roll calls removed (as before the migration): the card is unchanged, the
    old computation filling in; a backfill writes them again, the same."""
    polls = history()
    sql("DELETE FROM meetings_rollcallverdict WHERE poll_id IN (%s, %s)", polls[0].pk,
        polls[2].pk)
    one = Delegate.objects.get(council=council("d1"), member__number="1")
    old, new = old_and_new(one)
    assert new == old and old[0]
    assert backfill(polls) == 4
    assert old_and_new(one) == (old, old)
    assert RollCallVerdict.objects.count() == 8


def test_verdict_rows_are_written_once(fed: Federation) -> None:
    history()
    row = RollCallVerdict.objects.filter(verdict="deviated").first()
    assert row is not None
    with pytest.raises(Immutable):
        RollCallVerdict.objects.filter(pk=row.pk).update(verdict="complied")
    for statement in ("UPDATE meetings_rollcallverdict SET verdict = 'complied' WHERE id = %s",
                      "DELETE FROM meetings_rollcallverdict WHERE id = %s"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
            c.execute(statement, [row.pk])
    assert RollCallVerdict.objects.get(pk=row.pk).verdict == "deviated"


def test_verify_names_a_verdict_changed_by_sql_with_its_close_entry(fed: Federation) -> None:
    polls = history()
    recorded()
    assert [d for d in run() if d.table == "meetings_rollcallverdict"] == []
    row = RollCallVerdict.objects.get(poll=polls[0], verdict="deviated")
    sql("UPDATE meetings_rollcallverdict SET verdict = 'complied' WHERE id = %s", row.pk)
    close = recorded().get(kind="poll.closed", body__poll=polls[0].pk).index
    found = [d for d in run() if d.table == "meetings_rollcallverdict"]
    assert [(d.row, d.index) for d in found] == [
        (f"poll {polls[0].pk} member {row.member_id}", close)]
    assert "the row says" in found[0].problem and "verdict complied" in found[0].problem
    assert "verdict deviated" in found[0].problem
