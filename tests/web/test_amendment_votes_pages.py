"""Amendments' votes on the motion page and in the API (issue 17): each amendment with its
state and roll call, the text as amended, "Put to the vote" for whoever presides, and each
refusal a 4xx that changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from communard.web.councils.models import Federation
from communard.web.meetings.models import AmendmentVote
from communard.web.polls.models import Poll
from tests.web import factories
from tests.web.amendment_helpers import debated, decide, district_fixture_constitution, propose
from tests.web.factories import recorded
from tests.web.meetings_helpers import meetings_federation
from tests.web.test_meetings_api import client_of, post
from tests.web.test_motion_votes import meeting_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    monkeypatch.setattr(factories, "TWO_TIER", district_fixture_constitution(factories.TWO_TIER))
    return meetings_federation(tmp_path)


def nothing_changes() -> tuple[int, int, int]:
    return recorded().count(), Poll.objects.count(), AmendmentVote.objects.count()


def test_motion_page_shows_each_amendment_its_roll_call_and_the_amended_text(
        fed: Federation) -> None:
    """Adopted by roll call (both delegates' names and votes), the text as amended with its
    diff; the chair sees "Put to the vote" on the one still proposed, a delegate does not."""
    meeting = meeting_of("d1", "1", "5")
    motion = debated(meeting)
    adopted = propose(motion, "Publish every expense weekly.", paragraph=2)
    pending = propose(motion, "Pay delegates the median wage.", paragraph=1)
    decide(adopted, meeting, yes=True)
    page = client_of("1").get(f"/motions/{motion.pk}/").content.decode()
    card = page[page.index(f'id="amendment-{adopted.pk}"'):
                page.index(f'id="amendment-{pending.pk}"')]
    assert '<span class="state">adopted</span>' in card
    assert "<td>Yes</td>" in card and card.count("<tr><td>") == 2
    amended = page[page.index('id="as-amended"'):page.index('id="amendments"')]
    assert "<del>expense.</del><ins>expense weekly.</ins>" in amended
    assert page.count('name="amendment"') == 1 and f'value="{pending.pk}"' in page
    delegate_page = client_of("5").get(f"/motions/{motion.pk}/").content.decode()
    assert "Put to the vote" not in delegate_page


def test_put_to_the_vote_from_the_motion_page(fed: Federation) -> None:
    """The chair's form opens the roll call; a delegate's post is a 403, a bad form a 400,
    neither changing anything."""
    meeting = meeting_of("d1", "1", "5")
    motion = debated(meeting)
    amendment = propose(motion, "Publish it.", paragraph=2)
    url = f"/motions/{motion.pk}/amendment-vote/"
    form = {"amendment": amendment.pk, "meeting": meeting.pk}
    before = nothing_changes()
    assert client_of("5").post(url, form).status_code == 403
    assert client_of("1").post(url, {"amendment": "x", "meeting": meeting.pk}).status_code == 400
    assert client_of("1").post(url, {"amendment": 999999, "meeting": meeting.pk}).status_code == 400
    assert nothing_changes() == before
    assert client_of("1").post(url, form).status_code == 303
    assert AmendmentVote.objects.get().amendment == amendment


def test_amendments_and_their_votes_through_the_api(fed: Federation) -> None:
    """Put to the vote (201), again (403), by a delegate who does not preside (403), an
    amendment of another council's motion (404); read back with state, roll call and the
    amended text; both operations in the OpenAPI document."""
    meeting = meeting_of("d1", "1", "5")
    motion = debated(meeting)
    amendment = propose(motion, "Publish it.", paragraph=2)
    chair, delegate = client_of("1"), client_of("5")
    url = f"/api/meetings/{meeting.pk}/amendment-votes"
    before = nothing_changes()
    status, answer = post(delegate, url, {"amendment": amendment.pk})
    assert (status, "chair presides" in str(answer["detail"])) == (403, True), answer
    assert post(chair, url, {"amendment": 999999})[0] == 404
    assert nothing_changes() == before
    status, opened = post(chair, url, {"amendment": amendment.pk})
    assert (status, opened["amendment"], opened["secret"]) == (201, amendment.pk, False)
    before = nothing_changes()
    status, answer = post(chair, url, {"amendment": amendment.pk})
    assert (status, "put to the vote once" in str(answer["detail"])) == (403, True), answer
    assert nothing_changes() == before
    for client in (chair, delegate):
        assert post(client, f"/api/polls/{opened['poll']}/votes", {"choices": [1]})[0] == 201
    read = Client().get(f"/api/motions/{motion.pk}/amendments").json()
    row = read["amendments"][0]
    assert (row["id"], row["state"], row["poll"]) == (amendment.pk, "voted", opened["poll"])
    assert sorted((v["member"], v["choices"]) for v in row["roll_call"]) == [
        ("1", ["Yes"]), ("5", ["Yes"])]
    assert read["amended_text"] == read["text"]  # not adopted until its close
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert "/api/motions/{motion_id}/amendments" in paths
    assert "post" in paths["/api/meetings/{meeting_id}/amendment-votes"]
