"""The ballot pages' steps (issue 16): the tracking code shown before the cast commits, kept
through a lost answer; the way back from the confirmation; a member who has voted told before
the ballot; tracking codes looked up by POST only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from communard.web.councils.models import Federation
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.models import Ballot, Mark
from tests.web.factories import small_federation
from tests.web.polls_helpers import DAY, NOW, open_poll
from tests.web.sealed_helpers import client_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return small_federation(tmp_path, {"w1": 5, "w2": 2})



def shown_code(html: str) -> str:
    return html.split('id="tracking-code" class="tracking-code">')[1][:19]


def test_the_code_is_shown_before_the_cast_and_survives_a_lost_answer(fed: Federation) -> None:
    """The confirmation shows the code the ballot will carry; a retry of the same cast (its
    answer lost) is told 'already voted' with that code and where to look it up."""
    poll = open_poll(fed)
    client = client_for(fed, "1")
    confirm = client.post(f"/p/{poll.pk}/vote/", {"choice": "2"})
    code = shown_code(confirm.text)
    assert not Mark.objects.exists()
    ticket = confirm.text.split('name="ticket" value="')[1].split('"')[0]
    cast = {"choice": "2", "confirm": "yes", "ticket": ticket}
    assert client.post(f"/p/{poll.pk}/vote/", cast).status_code == 200
    retry = client.post(f"/p/{poll.pk}/vote/", cast)
    assert retry.status_code == 409 and "already voted" in retry.text and code in retry.text
    assert f"/p/{poll.pk}/track/" in retry.text
    do_close_poll(poll, now=NOW + 2 * DAY)
    assert Ballot.objects.get(poll=poll).tracking_code == code


def test_an_altered_ticket_is_refused_and_stores_nothing(fed: Federation) -> None:
    """A voter cannot choose their code (another's, say): the ticket is signed."""
    poll = open_poll(fed)
    client = client_for(fed, "1")
    confirm = client.post(f"/p/{poll.pk}/vote/", {"choice": "1"})
    ticket = confirm.text.split('name="ticket" value="')[1].split('"')[0]
    forged = "AAAA-AAAA-AAAA-AAAA" + ticket[19:]
    answer = client.post(f"/p/{poll.pk}/vote/", {"choice": "1", "confirm": "yes",
                                                 "ticket": forged})
    assert answer.status_code == 400 and "altered" in answer.text
    assert not Mark.objects.exists() and not Ballot.objects.exists()


def test_change_my_preferences_goes_back_to_the_ballot_with_them(fed: Federation) -> None:
    """From the confirmation, 'Change my preferences' shows the ballot, filled in."""
    poll = open_poll(fed, question="ranked", options=("Ada", "Bo", "Cy"), method="irv")
    client = client_for(fed, "1")
    confirm = client.post(f"/p/{poll.pk}/vote/", {"pref-3": "1", "pref-1": "2"})
    assert "Change my preferences" in confirm.text
    back = client.post(f"/p/{poll.pk}/vote/", {"pref-3": "1", "pref-1": "2", "change": "yes"})
    assert back.status_code == 200 and "Review my vote" in back.text
    assert 'name="pref-3" size="3" value="1"' in back.text
    assert 'name="pref-1" size="3" value="2"' in back.text
    assert 'name="pref-2" size="3" value=""' in back.text
    assert not Mark.objects.exists()


def test_a_member_who_has_voted_is_told_before_the_ballot(fed: Federation) -> None:
    poll = open_poll(fed)
    client = client_for(fed, "1")
    assert 'type="radio"' in client.get(f"/p/{poll.pk}/vote/").text
    client.post(f"/p/{poll.pk}/vote/", {"choice": "1", "confirm": "yes"})
    page = client.get(f"/p/{poll.pk}/vote/")
    assert "already voted" in page.text and 'type="radio"' not in page.text


def test_tracking_codes_are_looked_up_by_post_only(fed: Federation) -> None:
    """A code in the query string is not looked up (it would be in the access log); posted,
    on the page or the API, it finds the ballot."""
    poll = open_poll(fed)
    client = client_for(fed, "1")
    confirm = client.post(f"/p/{poll.pk}/vote/", {"choice": "1"})
    code = shown_code(confirm.text)
    ticket = confirm.text.split('name="ticket" value="')[1].split('"')[0]
    client.post(f"/p/{poll.pk}/vote/", {"choice": "1", "confirm": "yes", "ticket": ticket})
    do_close_poll(poll, now=NOW + 2 * DAY)
    anyone = Client()
    assert 'id="found"' not in anyone.get(f"/p/{poll.pk}/track/", {"code": code}).text
    assert '<ol id="found"><li>Yes</li></ol>' in anyone.post(f"/p/{poll.pk}/track/",
                                                             {"code": code}).text
    found = anyone.post(f"/api/polls/{poll.pk}/track", {"tracking_code": code},
                        content_type="application/json")
    assert found.status_code == 200 and found.json()["choices"] == [1]
