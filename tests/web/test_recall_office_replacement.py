"""An office-holder recalled on a ballot with a replacement question (issue 15): the body that
elected them petitions, members of it stand, the ballot asks both questions, and on a yes the
question's winner takes the office in the same close; with nobody standing, an election of the
office is called as before (on SQLite, and on PostgreSQL with --db=postgres)."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.constitution.permissions import NotAllowed
from communard.web.core import clock
from communard.web.councils.models import Council, Federation, OfficeHolder
from communard.web.elections.actions import (
    do_call_election,
    do_close_election,
    do_nominate,
    do_open_poll,
)
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.models import Poll
from communard.web.recalls.actions import do_stand_for_replacement
from communard.web.recalls.models import Petition, State
from tests.web.elections_helpers import DAY, Calendar, cast_ballot
from tests.web.factories import TEST_OPERATOR, recorded, verify_output
from tests.web.polls_helpers import vote
from tests.web.recall_more_helpers import ballot_called, workshop_with
from tests.web.recalls_helpers import AFTER, as_member, petition_to_threshold

pytestmark = pytest.mark.django_db(transaction=True)
HOUR = DAY / 24


@pytest.fixture
def secretary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> OfficeHolder:
    """Workshop one (members 1-12) elected member 5 its secretary; the constitution refills a
    recalled seat by a replacement question."""
    fed, _ = workshop_with(tmp_path, monkeypatch, 'replacement = "replacement-question"')
    return elect_secretary(fed)


def elect_secretary(fed: Federation, cal: Calendar | None = None) -> OfficeHolder:
    """Workshop one elects member 5 its secretary on ``cal`` (by default, closing after now)."""
    cal = cal or Calendar()
    w1 = Council.objects.get(federation=fed, key="w1")
    election = do_call_election(w1, kind="office", office="Secretary",
                                nominations_open_at=cal.nominations, poll_opens_at=cal.opens,
                                poll_closes_at=cal.closes, actor=TEST_OPERATOR, now=cal.called)
    member = Member.objects.get(number="5")
    do_nominate(election, member, nominated_by=member, actor=as_member("5"),
                now=cal.nominations + DAY)
    do_open_poll(election, now=cal.opens)
    election.refresh_from_db()
    for voter in ("7", "8", "9"):
        cast_ballot(election, Member.objects.get(number=voter), [1], now=cal.opens + DAY)
    do_close_election(election, now=cal.closes + DAY)
    return OfficeHolder.objects.get(council=w1, office="Secretary", ended_at__isnull=True)


def _polls(petition: Petition) -> tuple[Poll, Poll]:
    subject = f"recall-petition:{petition.pk}"
    return (Poll.objects.get(purpose="recall", subject=subject),
            Poll.objects.get(purpose="recall-replacement", subject=subject))


def test_a_yes_gives_the_office_to_the_replacement_questions_winner(secretary, capsys) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(secretary, ["9", "10", "11"])  # type: ignore[arg-type]
    with pytest.raises(NotAllowed) as refused:  # the recalled holder does not stand
        do_stand_for_replacement(petition, actor=as_member("5"), now=AFTER + 2 * HOUR)
    assert refused.value.refusal.rule == "recalled-member-stands"
    petition = ballot_called(petition, ["7", "8"], AFTER + 2 * HOUR)
    recall, question = _polls(petition)
    constitution = secretary.council.federation.constitution
    assert (question.method, question.seats) == (constitution.elections.office_method, 1)
    assert list(question.options.values_list("label", flat=True)) == ["Member 7", "Member 8"]
    during = recall.opens_at + HOUR
    for number in ("9", "10", "11"):
        vote(recall, number, [1], when=during)
        vote(question, number, [2, 1], when=during)
    vote(recall, "5", [2], when=during)
    clock.run_due(now=recall.closes_at)
    petition.refresh_from_db()
    assert petition.state == State.RECALLED
    holders = list(OfficeHolder.objects.filter(council=secretary.council, office="Secretary",
                                               ended_at__isnull=True).select_related("member"))
    assert [(h.member.number, h.source) for h in holders] == [("8", f"poll:{question.pk}")]
    assert recorded().filter(kind="recall.office_replacement_seated").count() == 1
    assert recorded().filter(kind="office.vacated").count() == 1
    assert not Election.objects.filter(kind="office", closed_at__isnull=True).exists()
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_with_nobody_standing_an_election_of_the_office_is_called(secretary, capsys) -> None:  # type: ignore[no-untyped-def]
    petition = ballot_called(petition_to_threshold(secretary, ["9", "10", "11"]), [],  # type: ignore[arg-type]
                             AFTER + 2 * HOUR)
    recall = Poll.objects.get(purpose="recall", subject=f"recall-petition:{petition.pk}")
    assert not Poll.objects.filter(purpose="recall-replacement").exists()
    for number in ("9", "10", "11"):
        vote(recall, number, [1], when=recall.opens_at + HOUR)
    clock.run_due(now=recall.closes_at)
    assert not OfficeHolder.objects.filter(office="Secretary", ended_at__isnull=True).exists()
    called = Election.objects.filter(kind="office", office="Secretary").order_by("pk").last()
    assert called is not None and called.closed_at is None
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_verify_names_an_office_given_by_sql_after_a_replacement(secretary, capsys) -> None:  # type: ignore[no-untyped-def]
    """The office the replacement question gave is replayed from the record: a holder added
    with SQL is named, the replacement is not."""
    petition = ballot_called(petition_to_threshold(secretary, ["9", "10", "11"]), ["7"],  # type: ignore[arg-type]
                             AFTER + 2 * HOUR)
    recall, question = _polls(petition)
    for number in ("9", "10", "11"):
        vote(recall, number, [1], when=recall.opens_at + HOUR)
        vote(question, number, [1], when=recall.opens_at + HOUR)
    clock.run_due(now=recall.closes_at)
    OfficeHolder.objects.create(council=secretary.council, office="Secretary",
                                member=Member.objects.get(number="12"), began_at=AFTER,
                                source="sql")
    status, out = verify_output(capsys)
    assert status == 1 and "member 12 (as Secretary): sits with no recorded result" in out, out
    assert "member 7 (" not in out, out  # the replacement's holding is replayed from the record
