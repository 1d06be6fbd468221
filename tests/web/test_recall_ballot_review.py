"""The recall ballot's review step (issue 15, as the election ballot's, issue 16): both answers
and the tracking codes shown before anything is cast; the cast keeps those codes; "Change my
answers" goes back with the answers kept; a voter who has voted is told so before answering
again (on SQLite, and on PostgreSQL with --db=postgres)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from communard.web.polls.models import Ballot, Mark, Poll
from communard.web.records.models import QueuedEntry
from tests.web.elections_helpers import DAY
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
from tests.web.test_recall_replacement_pages import browser_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ballot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The open recall ballot's page, members 5 and 6 standing."""
    workshop_with(tmp_path, monkeypatch, 'replacement = "replacement-question"\nvote_days = 10',
                  cal=LONG_AGO)
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"], when=FILED)
    ballot_called(petition, ["5", "6"], FILED + DAY)
    return f"/petitions/{petition.pk}/ballot/"


def _written() -> tuple[int, int, int]:
    return (Ballot.objects.count(), Mark.objects.count(),
            recorded().count() + QueuedEntry.objects.count())


def test_the_review_shows_both_answers_and_codes_and_the_cast_keeps_them(ballot: str) -> None:
    """Nothing is cast by the review; the receipt's codes are the review's, and the published
    ballots carry them."""
    before = _written()
    voter = browser_of("9")
    review, form = reviewed(voter, ballot, {"recall": "1", "rank-2": "1", "rank-1": "2"})
    html = review.content.decode()
    assert "Review your answers" in html and "Change my answers" in html
    assert re.search(r'class="answer"><li>Yes</li></ol>', html), html
    assert re.search(r'class="answer"><li>Member 6</li><li>Member 5</li></ol>', html), html
    shown = codes_in(review)
    assert len(shown) == 2 and _written() == before
    cast = voter.post(ballot, form)
    assert cast.status_code == 200, cast.content.decode()
    assert codes_in(cast) == shown
    recall_ballots = Ballot.objects.filter(poll__purpose__in=["recall", "recall-replacement"])
    assert sorted(recall_ballots.values_list("tracking_code", flat=True)) == sorted(shown)


def test_change_my_answers_returns_to_the_ballot_with_the_answers_kept(ballot: str) -> None:
    voter = browser_of("9")
    _, form = reviewed(voter, ballot, {"recall": "2", "rank-2": "1", "rank-1": "2"})
    before = _written()
    back = voter.post(ballot, {**form, "confirm": "", "change": "yes"})
    html = back.content.decode()
    assert back.status_code == 200 and "Review my answers" in html
    assert 'id="recall-2" name="recall" value="2" checked' in html
    assert 'id="recall-1" name="recall" value="1">' in html
    assert 'name="rank-2" size="3" value="1"' in html and 'name="rank-1" size="3" value="2"' in html
    assert _written() == before


def test_a_voter_who_voted_is_told_before_answering_again(ballot: str) -> None:
    """After casting both, the ballot says so with the way to look the codes up; an answer
    to a question voted on is refused at the review, before any cast."""
    voter = browser_of("9")
    voter.post(ballot, reviewed(voter, ballot, {"recall": "1", "rank-1": "1"})[1])
    page = voter.get(ballot).content.decode()
    assert "You have already voted on this recall ballot" in page
    assert page.count("find my ballot with my tracking code") == 2
    assert "Review my answers" not in page
    ten = browser_of("10")
    ten.post(ballot, reviewed(ten, ballot, {"recall": "1"})[1])
    partly = ten.get(ballot).content.decode()
    assert "You have already voted on this question." in partly and 'name="rank-1"' in partly
    before = _written()
    again = ten.post(ballot, {"recall": "2", "rank-1": "1"})
    assert again.status_code == 409 and "already voted" in again.content.decode()
    assert "Review your answers" not in again.content.decode() and _written() == before


def test_a_resubmitted_cast_is_refused_and_shows_the_codes(ballot: str) -> None:
    """The cast posted twice (a lost answer, a double click): the second is refused as voted,
    casts nothing, and shows the codes the review gave."""
    voter = browser_of("9")
    review, form = reviewed(voter, ballot, {"recall": "1", "rank-1": "1"})
    assert voter.post(ballot, form).status_code == 200
    before = _written()
    twice = voter.post(ballot, form)
    assert twice.status_code == 409 and _written() == before
    assert codes_in(twice) == codes_in(review)


@pytest.mark.parametrize("tamper", ["altered", "missing"])
def test_an_altered_or_missing_ticket_casts_nothing(ballot: str, tamper: str) -> None:
    voter = browser_of("9")
    _, form = reviewed(voter, ballot, {"recall": "1", "rank-1": "1"})
    question = Poll.objects.get(purpose="recall-replacement")
    key = f"ticket-{question.pk}"
    if tamper == "altered":
        form[key] = form[key][:-2] + ("AA" if not form[key].endswith("AA") else "BB")
    else:
        del form[key]
    before = _written()
    refused = voter.post(ballot, form)
    assert refused.status_code == 400 and "review your answers again" in refused.content.decode()
    assert _written() == before
