"""In a real browser: a workplace's member calls its assembly, checks in and records the
assembly's mandate on the district's motion; a fellow member sees it on their page. And the
issue's path from a mandate to a recall: district d1's council adopts a binding mandate on a
congress motion, its congress delegate (member 1) votes against it in the roll call, and a
constituent (member 3, of workshop w1 beneath d1) finds the deviation on their page and opens
the recall petition from it, the grounds prefilled; the petition's page shows it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from communard.web.councils.models import Delegate
from communard.web.meetings.actions.attendance import do_check_in
from communard.web.meetings.actions.motions import do_submit_motion
from communard.web.meetings.actions.vote import do_put_motion_to_vote
from communard.web.meetings.models import Mandate, Meeting
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.models import NamedVote
from communard.web.recalls.models import Petition
from tests.web.congress_helpers import congress_motion, congress_rules
from tests.web.meetings_helpers import as_member, council, meetings_federation
from tests.web.polls_helpers import vote

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


def call_and_check_in(page: Any, url: str, key: str, title: str) -> None:
    """On council ``key``'s meetings page: call a meeting, open it and check in."""
    page.goto(url + f"/f/test/c/{key}/meetings/")
    call = page.get_by_role("region", name="Call a meeting")
    call.get_by_label("Title").fill(title)
    call.get_by_label("Starts at (UTC)").fill("2026-12-01T18:00")
    call.get_by_role("button", name="Send").click()
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Check in").click()


def test_assembly_adopts_a_mandate_its_member_sees(page: Any, live_server: Any,
                                                  tmp_path: Path) -> None:
    """Call → check in → quorum → mandate, all through the pages; then /me/ of member 3."""
    meetings_federation(tmp_path)
    motion = do_submit_motion(council("d1"), title="District budget", text="Spend it all.",
                              reasons="", actor=as_member("5"))
    log_in(page, live_server.url, "1")
    call_and_check_in(page, live_server.url, "w1", "Assembly on the budget")
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


def test_mandate_broken_at_the_congress_leads_to_a_recall_petition(
        page: Any, live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mandate (pages) → roll call (the delegate's vote on the poll's page) → deviation on the
    constituent's /me/ → the petition form prefilled → the petition's page."""
    congress_rules(monkeypatch)
    meetings_federation(tmp_path)
    congress, motion = congress_motion()

    # d1's council meets and binds its congress delegate to vote for the motion.
    log_in(page, live_server.url, "1")
    call_and_check_in(page, live_server.url, "d1", "District one on the congress")
    assert "quorate" in page.locator("#quorum").inner_text()
    mandates = page.get_by_role("region", name="Mandates for our delegates to Congress")
    mandates.get_by_label("Stance").select_option("for")
    mandates.get_by_label("Binding").check()
    mandates.get_by_role("button", name="Record the mandate adopted").click()
    assert page.get_by_role("status").inner_text().startswith("Done")
    assert Mandate.objects.get(motion=motion).binding

    # The congress puts it to the vote; member 1, bound to vote for, votes No on its page.
    poll = do_put_motion_to_vote(motion, meeting=congress, actor=as_member("8"))
    vote(poll, "8", [1], timezone.now())
    page.goto(live_server.url + f"/p/{poll.pk}/")
    page.get_by_role("link", name="Vote").click()
    page.get_by_label("No").check()
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Cast my vote").click()
    page.get_by_role("heading", name="Your vote is cast").wait_for()
    assert NamedVote.objects.get(entry__poll=poll, entry__member__number="1").choices == [2]
    do_close_poll(poll, now=poll.closes_at)  # as the clock does when its half hour is up
    page.get_by_role("button", name="Log out m1").click()

    # A constituent beneath d1 sees it and petitions, the grounds prefilled with the breach.
    log_in(page, live_server.url, "3")
    region = page.get_by_role("region", name="My delegates against our mandates")
    assert "voted against" in region.inner_text() and "A shorter working week" in region.inner_text()
    region.get_by_role("link", name="Petition for their recall").click()
    grounds = page.get_by_label("Grounds").input_value()
    assert grounds.startswith("Your delegate") and "binding mandate (for)" in grounds
    page.get_by_role("button", name="Open the petition").click()
    page.wait_for_url("**/petitions/*/")
    petition = Petition.objects.get()
    assert petition.delegate == Delegate.objects.get(council=council("congress"),
                                                     member__number="1")
    assert grounds in page.get_by_role("region", name="Grounds").inner_text()
    assert Meeting.objects.filter(council=council("d1"), mandates__isnull=False).exists()
