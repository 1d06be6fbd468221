"""A recall ballot with a replacement question, sealed (issue 15 with issue 16's sealing):
tellers have registered delivery keys, so both polls open sealed; members vote; at the close
neither is counted until three tellers of each have handed in; then the recall is decided, the
replacement seated, and ``communard verify`` replays it all (on SQLite, and on PostgreSQL with
--db=postgres)."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.web.core import clock
from communard.web.councils.models import Federation
from communard.web.elections.models import Election
from communard.web.polls.actions.hand_in import try_close
from communard.web.polls.models import Ballot, Envelope, Poll, PollSeal, PollTeller, Result
from communard.web.recalls.models import State
from tests.web.elections_helpers import DAY
from tests.web.factories import recorded, verify_output
from tests.web.polls_helpers import vote
from tests.web.recall_more_helpers import ballot_called, workshop_with
from tests.web.recalls_helpers import AFTER, petition_to_threshold, sitting
from tests.web.sealed_helpers import hand_in, register_tellers

pytestmark = pytest.mark.django_db(transaction=True)
HOUR = DAY / 24


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Federation, Election]:
    return workshop_with(tmp_path, monkeypatch, 'replacement = "replacement-question"')


def test_a_sealed_recall_ballot_is_decided_after_both_polls_tellers_hand_in(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    fed, _ = workshop
    # Six members of the roll (workshop one) registered delivery keys: each poll draws five.
    register_tellers(fed, ["1", "2", "3", "4", "8", "12"])
    target = sitting()[0]
    petition = ballot_called(petition_to_threshold(target, ["9", "10", "11"]), ["5", "6"],
                             AFTER + 2 * HOUR)
    subject = f"recall-petition:{petition.pk}"
    recall, question = (Poll.objects.get(purpose=p, subject=subject)
                        for p in ("recall", "recall-replacement"))
    for poll in (recall, question):
        assert PollSeal.objects.get(poll=poll).threshold == 3
        assert PollTeller.objects.filter(poll=poll).count() == 5
    during = recall.opens_at + HOUR
    for number in ("9", "10", "11"):
        vote(recall, number, [1], when=during)
    vote(recall, "5", [2], when=during)
    for number, ranking in (("9", [2]), ("10", [2, 1]), ("11", [1]), ("7", [2])):
        vote(question, number, ranking, when=during)
    # Stored sealed: envelopes only, no readable ballot of either question.
    assert Envelope.objects.filter(poll__in=[recall, question]).count() == 8
    assert not Ballot.objects.filter(poll__in=[recall, question]).exists()

    assert not clock.run_due(now=recall.closes_at).refused
    assert not Result.objects.filter(poll__in=[recall, question]).exists()
    # Three of the recall poll's tellers hand in (each then tries the close, as the tellers'
    # page does): still nothing is decided, since its partner's box cannot be opened yet.
    for teller in PollTeller.objects.filter(poll=recall).order_by("index")[:3]:
        hand_in(recall, teller)
        assert not try_close(recall, now=recall.closes_at)
    petition.refresh_from_db()
    assert petition.state == State.VOTE_CALLED and target in sitting()
    tellers = list(PollTeller.objects.filter(poll=question).order_by("index"))
    for teller in tellers[1:3]:
        hand_in(question, teller)
        assert not try_close(question, now=question.closes_at)
    hand_in(question, tellers[4])
    assert try_close(question, now=question.closes_at)

    petition.refresh_from_db()
    assert petition.state == State.RECALLED and petition.decided_by == f"poll:{recall.pk}"
    assert Result.objects.get(poll=recall).tally == {"yes": 3, "no": 1, "abstain": 0}
    assert Result.objects.get(poll=question).winners == [2]
    seated = [d for d in sitting() if d.member.number == "6"]
    assert len(seated) == 1 and seated[0].source == f"poll:{question.pk}"
    assert target.member not in [d.member for d in sitting()]
    assert recorded().filter(kind="poll.box_opened").count() == 2
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out
