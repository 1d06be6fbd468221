"""In a real browser: a workplace's member calls its assembly, checks in and records the
assembly's mandate on the district's motion; a fellow member sees it on their page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from communard.web.meetings.actions.attendance import do_check_in
from communard.web.meetings.actions.motions import do_submit_motion
from communard.web.meetings.models import Mandate, Meeting
from tests.web.meetings_helpers import as_member, council, meetings_federation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def log_in(page: Any, url: str, number: str) -> None:
    page.goto(url + "/login/")
    page.get_by_label("Username").fill(f"m{number}")
    page.get_by_label("Password").fill("commune1871")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")


def test_assembly_adopts_a_mandate_its_member_sees(page: Any, live_server: Any,
                                                  tmp_path: Path) -> None:
    """Call → check in → quorum → mandate, all through the pages; then /me/ of member 3."""
    meetings_federation(tmp_path)
    motion = do_submit_motion(council("d1"), title="District budget", text="Spend it all.",
                              reasons="", actor=as_member("5"))
    log_in(page, live_server.url, "1")
    page.goto(live_server.url + "/f/test/c/w1/meetings/")
    call = page.get_by_role("region", name="Call a meeting")
    call.get_by_label("Title").fill("Assembly on the budget")
    call.get_by_label("Starts at (UTC)").fill("2026-12-01T18:00")
    call.get_by_role("button", name="Send").click()
    page.get_by_role("link", name="Assembly on the budget").click()
    page.get_by_role("button", name="Check in").click()
    assert "1 of 4 checked in; quorum 2" in page.locator("#quorum").inner_text()
    do_check_in(Meeting.objects.get(), actor=as_member("2"))
    page.reload()
    assert "quorate" in page.locator("#quorum").inner_text()
    mandates = page.get_by_role("region", name="Mandates for our delegates to District one")
    mandates.get_by_label("Stance").select_option("against")
    mandates.get_by_role("button", name="Record the mandate adopted").click()
    assert page.get_by_role("status").inner_text().startswith("Done")
    assert Mandate.objects.get().motion == motion

    page.get_by_role("button", name="Log out m1").click()
    log_in(page, live_server.url, "3")
    region = page.get_by_role("region", name="My assembly's mandates")
    assert "District budget (District one): against, binding" in region.inner_text()
