"""The replacement question on the recall ballot: members stand until the vote opens, the vote
asks the recall and the replacement together, and on a yes the question's winner takes the
seat in the same close (on SQLite, and on PostgreSQL with --db=postgres)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import transaction

from communard.constitution.permissions import NotAllowed
from communard.web.core import clock
from communard.web.councils.models import Federation
from communard.web.elections.models import Election
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.models import Poll
from communard.web.recalls.actions import do_sign, do_stand_for_replacement
from communard.web.recalls.models import Petition, ReplacementCandidate, State
from communard.web.records.models import QueuedEntry
from tests.web.elections_helpers import DAY
from tests.web.factories import recorded, verify_output
from tests.web.polls_helpers import vote
from tests.web.recall_more_helpers import workshop_with
from tests.web.recalls_helpers import AFTER, as_member, petition_to_threshold, sitting

pytestmark = pytest.mark.django_db(transaction=True)
HOUR = DAY / 24


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Federation, Election]:
    return workshop_with(tmp_path, monkeypatch, 'replacement = "replacement-question"')


def _polls(petition: Petition) -> tuple[Poll, Poll]:
    subject = f"recall-petition:{petition.pk}"
    return (Poll.objects.get(purpose="recall", subject=subject),
            Poll.objects.get(purpose="recall-replacement", subject=subject))


def _written() -> tuple[int, int]:
    return ReplacementCandidate.objects.count(), recorded().count() + QueuedEntry.objects.count()


def _to_the_vote(petition: Petition) -> tuple[Poll, Poll]:
    """The clock calls both polls when the vote opens, and freezes their rolls."""
    assert petition.vote_opens_at is not None
    assert "1 recall vote(s) called" in clock.run_due(now=petition.vote_opens_at).summary()
    clock.run_due(now=petition.vote_opens_at)
    recall, question = _polls(petition)
    recall.refresh_from_db()
    question.refresh_from_db()
    assert recall.roll_frozen_at is not None and question.roll_frozen_at is not None
    return recall, question


def test_a_yes_seats_the_replacement_questions_winner_in_the_same_close(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    """Two members stand; the ballot asks both questions (one voter answers only the second);
    the recall passes and the question's winner sits, recorded; verify replays it."""
    fed, election = workshop
    target = sitting()[0]
    petition = petition_to_threshold(target, ["9", "10", "11"])
    assert petition.vote_opens_at == petition.threshold_met_at + 7 * DAY  # time to stand
    for number in ("5", "6"):
        do_stand_for_replacement(petition, actor=as_member(number), now=AFTER + 2 * HOUR)
    assert "0 recall vote(s) called" in clock.run_due(now=AFTER + 3 * HOUR).summary()
    recall, question = _to_the_vote(petition)
    assert (question.question, question.secret, question.seats, question.roll_at) == (
        "ranked", True, 1, petition.filed_at)
    assert (question.opens_at, question.closes_at) == (recall.opens_at, recall.closes_at)
    assert list(question.options.values_list("label", flat=True)) == ["Member 5", "Member 6"]
    during = recall.opens_at + HOUR
    for number in ("9", "10", "11"):
        vote(recall, number, [1], when=during)
    vote(recall, "5", [2], when=during)
    for number, ranking in (("9", [2]), ("10", [2, 1]), ("11", [1]), ("7", [2])):
        vote(question, number, ranking, when=during)
    clock.run_due(now=recall.closes_at)
    petition.refresh_from_db()
    assert petition.state == State.RECALLED and petition.decided_by == f"poll:{recall.pk}"
    seated = [d for d in sitting() if d.member.number == "6"]
    assert len(seated) == 1 and seated[0].source == f"poll:{question.pk}"
    assert seated[0].council == election.council and target.member not in [
        d.member for d in sitting()]
    assert recorded().filter(kind="recall.replacement_seated").count() == 1
    assert recorded().filter(kind="election.called").count() == 1  # no by-election
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_a_no_records_the_question_and_seats_nobody(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    """The replacement question is counted and recorded, but a kept delegate keeps the seat."""
    target = sitting()[0]
    petition = petition_to_threshold(target, ["9", "10", "11"])
    do_stand_for_replacement(petition, actor=as_member("5"), now=AFTER + 2 * HOUR)
    recall, question = _to_the_vote(petition)
    during = recall.opens_at + HOUR
    vote(recall, "9", [1], when=during)
    for number in ("6", "7"):
        vote(recall, number, [2], when=during)
    vote(question, "9", [1], when=during)
    # The clock may close either first: closing the question closes the recall with it.
    with transaction.atomic():
        do_close_poll(question, now=recall.closes_at)
    petition.refresh_from_db()
    question.refresh_from_db()
    assert petition.state == State.KEPT and target in sitting()
    assert question.closed_at is not None and question.result.winners == [1]
    assert "5" not in [d.member.number for d in sitting()]
    assert recorded().filter(kind="recall.replacement_seated").count() == 0
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_with_nobody_standing_the_vacancy_rule_fills_the_seat(workshop) -> None:  # type: ignore[no-untyped-def]
    """No candidate: only the recall poll is called, and a yes refills by countback."""
    target = sitting()[0]
    petition = petition_to_threshold(target, ["9", "10", "11"])
    assert petition.vote_opens_at is not None
    clock.run_due(now=petition.vote_opens_at)
    clock.run_due(now=petition.vote_opens_at)
    subject = f"recall-petition:{petition.pk}"
    assert not Poll.objects.filter(purpose="recall-replacement", subject=subject).exists()
    recall = Poll.objects.get(purpose="recall", subject=subject)
    for number in ("9", "10", "11"):
        vote(recall, number, [1], when=recall.opens_at + HOUR)
    clock.run_due(now=recall.closes_at)
    petition.refresh_from_db()
    assert petition.state == State.RECALLED
    assert recorded().filter(kind="election.countback").count() == 1
    assert len(sitting()) == 2 and target.member not in [d.member for d in sitting()]


@pytest.mark.parametrize(("number", "rule"), [
    ("13", "not-in-constituency"),  # a member of workshop two
    ("5", "already-standing"),
])
def test_bad_candidacies_are_refused_and_change_nothing(workshop, number: str, rule: str) -> None:  # type: ignore[no-untyped-def]
    """Standing from outside the constituency, or twice: refused, nothing written."""
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"])
    do_stand_for_replacement(petition, actor=as_member("5"), now=AFTER + 2 * HOUR)
    before = _written()
    with pytest.raises(NotAllowed) as refused:
        do_stand_for_replacement(petition, actor=as_member(number), now=AFTER + 3 * HOUR)
    assert refused.value.refusal.rule == rule
    assert _written() == before


def test_the_recalled_a_sitting_or_a_late_candidate_is_refused(workshop) -> None:  # type: ignore[no-untyped-def]
    """The delegate whose recall is asked, the constituency's other delegate, and anyone once
    the vote has opened cannot stand; a petition still collecting takes no candidates."""
    target, other = sitting()
    petition = petition_to_threshold(target, ["9"])
    assert petition.state == State.OPEN
    with pytest.raises(NotAllowed, match="until the recall vote opens"):
        do_stand_for_replacement(petition, actor=as_member("5"), now=AFTER + 2 * HOUR)
    for n in ("10", "11"):
        petition = do_sign(petition, actor=as_member(n), now=AFTER + 2 * HOUR)
    assert petition.state == State.THRESHOLD_MET
    before = _written()
    for actor, rule, when in (
        (as_member(target.member.number), "recalled-member-stands", AFTER + 3 * HOUR),
        (as_member(other.member.number), "already-seated", AFTER + 3 * HOUR),
        (as_member("5"), "standing-closed", petition.vote_opens_at),
    ):
        with pytest.raises(NotAllowed) as refused:
            do_stand_for_replacement(petition, actor=actor, now=when)
        assert refused.value.refusal.rule == rule
    assert _written() == before


def test_verify_names_a_candidate_added_by_sql(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    """A candidacy inserted with SQL (so that the clock would put them on the ballot) is named
    by verify: no entry stood them."""
    from django.db import connection

    from communard.web.members.models import Member

    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"])
    do_stand_for_replacement(petition, actor=as_member("5"), now=AFTER + 2 * HOUR)
    with connection.cursor() as c:
        c.execute("INSERT INTO recalls_replacementcandidate (petition_id, member_id, stood_at) "
                  "VALUES (%s, %s, %s)", [petition.pk, Member.objects.get(number="7").pk,
                                          AFTER + 2 * HOUR])
    status, out = verify_output(capsys)
    assert status == 1
    assert (f"recalls_replacementcandidate {petition.federation.slug}/petition {petition.pk}: "
            "member 7: stands for the seat with no recorded candidacy") in out, out
