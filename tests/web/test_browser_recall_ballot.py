"""In Chromium, the recall ballot with a replacement question (issue 15): a member answers
both questions, reviews them with the tracking codes, goes back to change an answer (the
answers kept), reviews again and casts; the receipt's codes are the review's; back on the
ballot they are told they have voted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from communard.web.polls.models import Ballot
from tests.web.elections_helpers import DAY
from tests.web.recall_more_helpers import FILED, LONG_AGO, ballot_called, workshop_with
from tests.web.recalls_helpers import petition_to_threshold, sitting
from tests.web.test_browser_recall_flow import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_reviews_changes_and_casts_both_answers(
        browser: Any, live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workshop_with(tmp_path, monkeypatch, 'replacement = "replacement-question"\nvote_days = 10',
                  cal=LONG_AGO)
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"], when=FILED)
    ballot_called(petition, ["5", "6"], FILED + DAY)
    page = signed_in(browser, live_server)("9")
    page.goto(live_server.url + f"/petitions/{petition.pk}/ballot/")
    page.get_by_label("Yes").check()
    page.get_by_label("Member 5").fill("1")
    page.get_by_label("Member 6").fill("2")
    page.get_by_role("button", name="Review my answers").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Review your answers"
    first = page.locator(".review .answer").all_inner_texts()
    assert [t.split() for t in first] == [["Yes"], ["Member", "5", "Member", "6"]]
    page.get_by_role("button", name="Change my answers").click()
    assert page.get_by_label("Yes").is_checked()
    assert page.get_by_label("Member 5").input_value() == "1"
    page.get_by_label("Member 5").fill("2")
    page.get_by_label("Member 6").fill("1")
    page.get_by_role("button", name="Review my answers").click()
    codes = page.locator(".tracking-code").all_inner_texts()
    assert len(codes) == 2 and not Ballot.objects.filter(
        poll__purpose__in=["recall", "recall-replacement"]).exists()
    page.get_by_role("button", name="Cast my vote").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your vote is cast"
    assert page.locator(".tracking-code").all_inner_texts() == codes
    assert list(Ballot.objects.filter(poll__purpose="recall-replacement")
                .values_list("choices", flat=True)) == [[2, 1]]
    page.goto(live_server.url + f"/petitions/{petition.pk}/ballot/")
    assert "You have already voted on this recall ballot" in page.locator("#voted").inner_text()
