"""The replacement question's pages: standing from the petition's page (and its refusals, each
changing nothing), and the recall ballot that asks both questions on one page, one cast per
question (on SQLite, and on PostgreSQL with --db=postgres)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from communard.web.councils.models import Federation
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.polls.models import Ballot, Mark, Poll
from communard.web.recalls.models import ReplacementCandidate
from communard.web.records.models import QueuedEntry
from tests.web.elections_helpers import DAY, NOW
from tests.web.factories import recorded
from tests.web.recall_more_helpers import (
    FILED,
    LONG_AGO,
    ballot_called,
    codes_in,
    reviewed,
    workshop_with,
)
from tests.web.recalls_helpers import petition_to_threshold, sitting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Federation, Election]:
    return workshop_with(tmp_path, monkeypatch,
                         'replacement = "replacement-question"\nvote_days = 10', cal=LONG_AGO)


def browser_of(number: str) -> Client:
    client = Client()
    client.force_login(Member.objects.get(number=number).user)
    return client


def _written() -> tuple[int, int]:
    return ReplacementCandidate.objects.count(), recorded().count() + QueuedEntry.objects.count()


def test_standing_and_its_refusals_on_the_page(workshop) -> None:  # type: ignore[no-untyped-def]
    """A member of the constituency stands from the petition's page, once; a second time, a
    member of another workshop, or anyone after the vote's opening is refused with the reason
    and a 4xx, and nothing is written."""
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"], when=NOW - DAY / 2)
    page = f"/petitions/{petition.pk}/"
    assert "Nobody stands yet" in Client().get(page).content.decode()
    assert browser_of("5").post(f"{page}stand/").status_code == 302
    assert "Member 5" in Client().get(page).content.decode()
    before = _written()
    twice = browser_of("5").post(f"{page}stand/")
    assert twice.status_code == 409 and "already stand" in twice.content.decode()
    outside = browser_of("13").post(f"{page}stand/")
    assert outside.status_code == 403
    assert "only members of the constituency" in outside.content.decode()
    assert _written() == before


def test_standing_after_the_vote_opened_is_refused(workshop) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"], when=FILED)
    stood = browser_of("5").post(f"/petitions/{petition.pk}/stand/")
    assert stood.status_code == 409  # the vote's opening (FILED + 7 days) has passed
    assert "until the recall vote opens" in stood.content.decode()
    assert ReplacementCandidate.objects.count() == 0


def test_the_recall_ballot_asks_both_questions_and_casts_each(workshop) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"], when=FILED)
    ballot_called(petition, ["5", "6"], FILED + DAY)
    recall = Poll.objects.get(purpose="recall")
    question = Poll.objects.get(purpose="recall-replacement")
    ballot = f"/petitions/{petition.pk}/ballot/"
    assert ballot in Client().get(f"/petitions/{petition.pk}/").content.decode()
    html = browser_of("9").get(ballot).content.decode()
    assert recall.title in html and question.title in html and 'name="rank-2"' in html
    # Both questions answered: reviewed, then two casts, two codes.
    nine = browser_of("9")
    _, form = reviewed(nine, ballot, {"recall": "1", "rank-2": "1", "rank-1": "2"})
    cast = nine.post(ballot, form)
    assert cast.status_code == 200, cast.content.decode()
    assert len(codes_in(cast)) == 2
    assert list(Ballot.objects.filter(poll=question).values_list("choices", flat=True)) == [[2, 1]]
    # Only the replacement question: one cast.
    ten = browser_of("10")
    only = ten.post(ballot, reviewed(ten, ballot, {"rank-1": "1"})[1])
    assert only.status_code == 200 and len(codes_in(only)) == 1
    assert (Mark.objects.filter(entry__poll=recall).count(),
            Mark.objects.filter(entry__poll=question).count()) == (1, 2)
    # A bad answer to one question casts neither.
    bad = browser_of("11").post(ballot, {"recall": "1", "rank-1": "1", "rank-2": "1"})
    assert bad.status_code == 400 and question.title in bad.content.decode()
    again = browser_of("9").post(ballot, {"recall": "2"})
    assert again.status_code == 409
    assert (Mark.objects.filter(entry__poll=recall).count(),
            Mark.objects.filter(entry__poll=question).count()) == (1, 2)
    nothing = browser_of("11").post(ballot, {})
    assert nothing.status_code == 400
