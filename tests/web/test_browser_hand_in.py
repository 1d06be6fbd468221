"""In Chromium: a sealed poll closes in a real browser. Its tellers sign in and hand in their
shares on the tellers' page; a wrong share is refused naming the teller; with the third share
the box opens and the result appears."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from communard.web.core import clock
from communard.web.polls.closing import teller_label
from communard.web.polls.models import Ballot, PollTeller, Result
from tests.web.factories import small_federation
from tests.web.polls_helpers import DAY, NOW, open_poll, vote
from tests.web.sealed_helpers import PASSWORD, register_tellers, share_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(browser: Any, live_server: Any, login: str) -> Any:
    """A page of a fresh browser context, signed in as ``login``."""
    page = browser.new_context().new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")
    return page


def test_tellers_hand_in_on_the_page_and_the_result_appears(
        browser: Any, live_server: Any, tmp_path: Path) -> None:
    fed = small_federation(tmp_path, {"w1": 10, "w2": 2})
    register_tellers(fed, ["1", "2", "3", "4", "5"])
    poll = open_poll(fed, title="Strike on Monday?", opens_at=NOW - 5 * DAY,
                     closes_at=NOW - DAY, roll_at=NOW - 6 * DAY)
    code = vote(poll, "9", [1], when=NOW - 2 * DAY)
    assert not clock.run_due().refused  # the clock begins the close: the closing key is made
    tellers = list(PollTeller.objects.filter(poll=poll).select_related("member", "member__user")
                   .order_by("index"))[:3]

    for n, teller in enumerate(tellers):
        page = _signed_in(browser, live_server, teller.member.user.get_username())
        page.goto(live_server.url + f"/p/{poll.pk}/tellers/")
        assert f"{n} of the 3 shares needed are in" in page.locator("#waiting").inner_text()
        if n == 0:  # another teller's share, pasted by mistake: refused, naming this teller
            page.get_by_label("Your share").fill(share_text(tellers[1]))
            page.get_by_role("button", name="Hand in my share").click()
            alert = page.get_by_role("alert").inner_text()
            assert f"{teller_label(teller)}: share refused: it is another teller's share" in (
                alert)
            assert "0 of the 3 shares needed are in" in page.locator("#waiting").inner_text()
        page.get_by_label("Your share").fill(share_text(teller))
        page.get_by_role("button", name="Hand in my share").click()
        if n < 2:
            assert page.get_by_text("Your share is accepted.").is_visible()
            assert f"{n + 1} of the 3 shares needed are in" in (
                page.locator("#waiting").inner_text())
        if n < 2:
            page.context.close()
    page.wait_for_selector("#counted")
    page.get_by_role("link", name="See the result").click()
    reason = Result.objects.get(poll=poll).reason
    assert page.locator("#reason").inner_text() == reason
    assert reason.startswith("passed: 1 yes, 0 no, 0 abstaining")
    assert Ballot.objects.get(poll=poll).tracking_code == code
    page.context.close()
