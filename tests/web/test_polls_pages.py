"""Poll pages and API: vote, confirm, receipt with tracking code, result with the majority
rule's reason, the published box recounted by `communard count`, the tracking lookup, and a
roll call's public votes; refusals as 4xx that change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from communard.cli import main
from communard.web.councils.models import Federation
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.models import Ballot, Poll
from tests.web.doors import door  # noqa: F401
from tests.web.factories import operator_login, small_federation
from tests.web.polls_helpers import DAY, NOW, open_poll, vote, voter

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long test password 1871"


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return small_federation(tmp_path, {"w1": 5, "w2": 2})


def client_for(fed: Federation, number: str) -> Client:
    member, _ = voter(fed, number)
    client = Client()
    assert client.login(username=member.user.get_username(), password=PASSWORD)
    return client


def test_vote_page_confirms_then_casts_once(fed: Federation) -> None:
    """Choose, confirm, get a tracking code; a second vote is a 409 and stores nothing."""
    poll = open_poll(fed, title="Strike on Monday?")
    client = client_for(fed, "1")
    page = client.get(f"/p/{poll.pk}/vote/")
    assert page.status_code == 200 and 'type="radio"' in page.text and "Abstain" in page.text
    confirm = client.post(f"/p/{poll.pk}/vote/", {"choice": "1"})
    assert confirm.status_code == 200 and "Confirm your vote" in confirm.text
    assert Ballot.objects.filter(poll=poll).count() == 0
    receipt = client.post(f"/p/{poll.pk}/vote/", {"choice": "1", "confirm": "yes"})
    assert receipt.status_code == 200
    code = receipt.text.split('id="tracking-code" class="tracking-code">')[1][:19]
    assert Ballot.objects.get(poll=poll).tracking_code == code
    again = client.post(f"/p/{poll.pk}/vote/", {"choice": "2", "confirm": "yes"})
    assert again.status_code == 409 and "already voted" in again.text
    assert Ballot.objects.filter(poll=poll).count() == 1


@pytest.mark.parametrize(("form", "status", "message"), [
    ({"choice": ["1", "2"], "confirm": "yes"}, 409, "at most 1"),
    ({"choice": "9", "confirm": "yes"}, 409, "the options are 1 to 3"),
    ({"choice": "x"}, 409, "names option 0"),
    ({}, 400, "Choose at least one option"),
])
def test_vote_page_refuses_bad_choices(fed: Federation, form: dict[str, object], status: int,
                                       message: str) -> None:
    poll = open_poll(fed)
    response = client_for(fed, "1").post(f"/p/{poll.pk}/vote/", form)
    assert response.status_code == status and message in response.text
    assert Ballot.objects.filter(poll=poll).count() == 0


def test_vote_page_refuses_those_not_on_the_roll_and_operators(fed: Federation) -> None:
    poll = open_poll(fed)
    outsider = client_for(fed, "6").post(f"/p/{poll.pk}/vote/", {"choice": "1", "confirm": "yes"})
    assert outsider.status_code == 403 and "only members of Workshop one" in outsider.text
    operator_login("op", PASSWORD)
    op = Client()
    assert op.login(username="op", password=PASSWORD)
    assert op.post(f"/p/{poll.pk}/vote/", {"choice": "1", "confirm": "yes"}).status_code == 403
    assert Ballot.objects.filter(poll=poll).count() == 0


def test_result_page_box_and_recount(fed: Federation, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """After the close: the reason on the page, the box published, `communard count` on the
    box gives the recorded tally, and each voter finds their ballot by its code."""
    poll = open_poll(fed)
    codes = [vote(poll, n, [c]) for n, c in [("1", 1), ("2", 1), ("3", 2)]]
    client = Client()
    assert client.get(f"/p/{poll.pk}/box.blt").status_code == 409
    result = do_close_poll(poll, now=NOW + 2 * DAY)
    page = client.get(f"/p/{poll.pk}/")
    assert result.reason in page.text.replace("&#x27;", "'")
    box = client.get(f"/p/{poll.pk}/box.blt")
    assert box.status_code == 200
    (tmp_path / "box.blt").write_bytes(box.content)
    assert main(["count", str(tmp_path / "box.blt"), "--method", "yes-no", "--format",
                 "json"]) == 0
    assert json.loads(capsys.readouterr().out)["extra"] == result.sheet["extra"]
    found = client.post(f"/p/{poll.pk}/track/", {"code": codes[2].lower()})
    assert '<ol id="found"><li>No</li></ol>' in found.text
    api = client.get(f"/api/polls/{poll.pk}/result").json()
    assert (api["passed"], api["reason"], api["tally"]) == (True, result.reason,
                                                           {"yes": 2, "no": 1, "abstain": 0})
    assert client.post(f"/api/polls/{poll.pk}/track", {"tracking_code": codes[0]},
                       content_type="application/json").json()["choices"] == [1]
    # A code never travels in a URL (issue 16): the old GET is gone.
    assert client.get(f"/api/polls/{poll.pk}/ballots/{codes[0]}").status_code in (404, 405)


def test_roll_call_page_lists_each_vote(fed: Federation) -> None:
    poll = open_poll(fed, secret=False, question="choose-n", options=["Ann", "Bo", "Cy"],
                     seats=2)
    vote(poll, "1", [1, 3])
    page = Client().get(f"/p/{poll.pk}/")
    assert "Member 1" in page.text and "Ann, Cy" in page.text
    assert Client().get(f"/api/polls/{poll.pk}/roll-call").json() == [
        {"member": "1", "name": "Member 1", "choices": ["Ann", "Cy"]}]


@pytest.mark.usefixtures("door")
def test_api_casts_through_the_same_action(fed: Federation) -> None:
    """201 with a tracking code, then 409; 409 for choices the question does not take, 400 for
    malformed ones; 403 off the roll."""
    poll = open_poll(fed)
    client = client_for(fed, "1")
    url = f"/api/polls/{poll.pk}/votes"
    bad = client.post(url, {"choices": [1, 2]}, content_type="application/json")
    assert bad.status_code == 409 and "at most 1" in bad.json()["detail"]
    twice = client.post(url, {"choices": [1, 1]}, content_type="application/json")
    assert twice.status_code == 400 and "a second time" in twice.json()["detail"]
    ok = client.post(url, {"choices": [2]}, content_type="application/json")
    assert ok.status_code == 201 and len(ok.json()["tracking_code"]) == 19
    assert client.post(url, {"choices": [1]}, content_type="application/json").status_code == 409
    outsider = client_for(fed, "6").post(url, {"choices": [1]}, content_type="application/json")
    assert outsider.status_code == 403
    assert Poll.objects.get(pk=poll.pk).ballots.count() == 1
    detail = Client().get(f"/api/polls/{poll.pk}").json()
    assert detail["question"] == "yes-no" and [o["label"] for o in detail["options"]] == [
        "Yes", "No", "Abstain"]
