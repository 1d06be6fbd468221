"""In Chromium: a member votes Yes in a secret yes/no poll with the keyboard, keeps the
tracking code, and after the close reads the result's reason and finds the ballot by its code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.models import Ballot
from tests.web.factories import small_federation
from tests.web.polls_helpers import DAY, NOW, open_poll, voter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_votes_in_a_poll_by_keyboard(browser: Any, live_server: Any,
                                            tmp_path: Path) -> None:
    fed = small_federation(tmp_path, {"w1": 4, "w2": 2})
    poll = open_poll(fed, title="Strike on Monday?")
    member, actor = voter(fed, "1")
    page = browser.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").focus()
    page.keyboard.type(actor.account)
    page.keyboard.press("Tab")
    page.keyboard.type("a long test password 1871")
    page.keyboard.press("Enter")
    page.wait_for_url("**/me/")

    page.goto(live_server.url + f"/p/{poll.pk}/")
    page.get_by_role("link", name="Vote").click()
    page.get_by_label("Yes").focus()
    page.keyboard.press("Space")  # checks the radio button
    page.keyboard.press("Enter")  # submits: "Review my vote"
    page.wait_for_selector("#chosen")
    assert page.locator("#chosen li").all_inner_texts() == ["Yes"]
    promised = page.locator("#tracking-code").inner_text()  # known before the cast
    page.get_by_role("button", name="Cast my vote").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your vote is cast").wait_for()
    code = page.locator("#tracking-code").inner_text()
    assert code == promised
    assert Ballot.objects.get(poll=poll).tracking_code == code

    result = do_close_poll(poll, now=NOW + 2 * DAY)  # as the clock does once the poll ends
    page.goto(live_server.url + f"/p/{poll.pk}/")
    assert page.locator("#reason").inner_text() == result.reason
    assert result.reason.startswith("passed: 1 yes, 0 no, 0 abstaining")
    page.get_by_role("link", name="Find my ballot").click()
    page.get_by_label("Tracking code").fill(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#found")
    assert page.locator("#found li").all_inner_texts() == ["Yes"]
    page.close()
