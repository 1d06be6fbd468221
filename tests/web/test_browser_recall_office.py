"""In Chromium, an office-holder's recall with a replacement question (issue 15): members of
the body that elected the secretary sign the petition from the council's page until the
threshold, members stand for the office from the petition's page (the recalled holder is
refused), everyone votes both questions with the review step, the clock closes the vote, and
the petition's and the council's pages show the outcome; `communard verify` replays it.

The pages run on the real clock, and with a replacement question the vote opens at least a day
after the threshold (so that candidates have time, ``docs/recall.md``). ``time_machine`` moves
the clock the live server reads to the vote's opening: the only way to walk standing and voting
on one petition through the pages, and nothing of ours is replaced."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from communard.web.core import clock
from communard.web.councils.models import OfficeHolder
from communard.web.polls.models import Ballot, Poll
from communard.web.recalls.models import Petition, State
from tests.web.factories import recorded, verify_output
from tests.web.recall_more_helpers import LONG_AGO, workshop_with
from tests.web.test_browser_recall_flow import signed_in
from tests.web.test_recall_api_steps import client_of, post
from tests.web.test_recall_office_replacement import elect_secretary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_office_holder_is_recalled_and_replaced_through_the_pages(
        browser: Any, live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: Any) -> None:
    fed, _ = workshop_with(tmp_path, monkeypatch,
                           'replacement = "replacement-question"\nvote_opens_within_days = 1',
                           cal=LONG_AGO)
    secretary = elect_secretary(fed, LONG_AGO)
    page_of = signed_in(browser, live_server)
    council_page = live_server.url + f"/f/{fed.slug}/c/w1/"

    # Member 12 files the petition against the secretary (through the API: no page files
    # against an office-holder).
    filed = post(client_of("12"), "/api/recalls/petitions", {
        "mandate": {"kind": "office", "id": secretary.pk},
        "grounds": "kept the minutes of the strike meeting from the members"})
    assert filed.status_code == 201, filed.content
    petition = Petition.objects.get(pk=filed.json()["id"])

    # Three members sign it from the council's page (3 of 12 is the 20% threshold).
    for number in ("9", "10", "11"):
        signer = page_of(number)
        signer.goto(council_page)
        signer.get_by_role("region", name="Recalls").get_by_role(
            "link", name="Petition to recall Member 5").click()
        signer.get_by_role("button", name="Sign this petition").click()
        signer.get_by_text("You have signed this petition.").wait_for()
        signer.context.close()
    petition.refresh_from_db()
    assert (petition.signatures, petition.state) == (3, State.THRESHOLD_MET)
    assert petition.vote_opens_at is not None and petition.vote_closes_at is not None

    # Members 8 and 7 stand for the office from the petition's page; the secretary may not.
    for number in ("8", "7"):
        candidate = page_of(number)
        candidate.goto(live_server.url + f"/petitions/{petition.pk}/")
        candidate.get_by_role("button", name="Stand for the office").click()
        candidate.get_by_text("You stand for the office on the recall ballot.").wait_for()
        candidate.context.close()
    holder = page_of("5")
    holder.goto(live_server.url + f"/petitions/{petition.pk}/")
    holder.get_by_role("button", name="Stand for the office").click()
    assert "whose recall is asked (a delegate or an office-holder)" in holder.get_by_role(
        "alert").inner_text()
    holder.context.close()
    viewer = page_of("12")
    viewer.goto(live_server.url + f"/petitions/{petition.pk}/")
    assert viewer.locator("#candidates li").all_inner_texts() == ["Member 8", "Member 7"]

    # A day later the clock calls the two-question ballot; members vote with the review.
    with time_machine.travel(petition.vote_opens_at + dt.timedelta(minutes=1), tick=True):
        clock.run_due(now=timezone.now())
        clock.run_due(now=timezone.now())
        petition.refresh_from_db()
        assert petition.state == State.VOTE_CALLED
        codes = {}
        for number, recall, ranks in (("9", "Yes", ("2", "1")), ("10", "Yes", ("1", "2")),
                                      ("11", "Yes", ("", "1")), ("5", "No", None)):
            voter = page_of(number)
            voter.goto(live_server.url + f"/petitions/{petition.pk}/")
            voter.get_by_role("link", name="Vote in the recall").click()
            voter.get_by_label(recall).check()
            if ranks:
                for name, rank in zip(("Member 8", "Member 7"), ranks, strict=True):
                    voter.get_by_label(name).fill(rank)
            voter.get_by_role("button", name="Review my answers").click()
            assert voter.get_by_role("heading", level=1).inner_text() == "Review your answers"
            shown = voter.locator(".tracking-code").all_inner_texts()
            assert len(shown) == (2 if ranks else 1)
            voter.get_by_role("button", name="Cast my vote").click()
            assert voter.get_by_role("heading", level=1).inner_text() == "Your vote is cast"
            assert voter.locator(".tracking-code").all_inner_texts() == shown
            codes[number] = shown
            voter.context.close()
        recall_poll = Poll.objects.get(purpose="recall", subject=f"recall-petition:{petition.pk}")
        question = Poll.objects.get(purpose="recall-replacement",
                                    subject=recall_poll.subject)

        # The clock closes the vote: the secretary is recalled, the question's winner holds
        # the office; the petition's and the council's pages say so.
        clock.run_due(now=recall_poll.closes_at + dt.timedelta(seconds=1))
    petition.refresh_from_db()
    assert petition.state == State.RECALLED and petition.decided_by == f"poll:{recall_poll.pk}"
    holders = OfficeHolder.objects.filter(council=secretary.council, office="Secretary",
                                          ended_at__isnull=True).select_related("member")
    # Member 7 is the first preference of 9 and 11, member 8 of 10 only.
    assert [(h.member.number, h.source) for h in holders] == [("7", f"poll:{question.pk}")]
    assert recorded().filter(kind="recall.office_replacement_seated").count() == 1
    found = Ballot.objects.filter(poll=question).values_list("tracking_code", flat=True)
    assert {c for number in ("9", "10", "11") for c in codes[number][1:]} <= set(found)
    viewer.goto(live_server.url + f"/petitions/{petition.pk}/")
    assert viewer.locator("#state").inner_text() == "recalled"
    assert f"poll:{recall_poll.pk}" in viewer.get_by_text("Decided by").inner_text()
    viewer.goto(council_page)
    offices = viewer.get_by_role("region", name="Offices").inner_text()
    assert "Member 7" in offices and "Member 5" not in offices
    viewer.context.close()
    assert Client().get(f"/api/recalls/petitions/{petition.pk}").json()["state"] == "recalled"

    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out
