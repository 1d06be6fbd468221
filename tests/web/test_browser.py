"""In a real browser: log in, walk the pyramid from the congress to a workplace, see my delegates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from communard.web.councils.models import Delegate
from communard.web.demo import DEMO_PASSWORD, DEMO_SLUG, load_demo
from communard.web.members.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_member_logs_in_walks_pyramid_and_sees_delegates(page: Any, live_server: Any) -> None:
    """Log in as the demo member, go congress → district → workplace, then to my page."""
    load_demo()
    me = Member.objects.get(user__username="member")
    district = me.council.parent
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")
    assert page.get_by_role("heading", level=1).inner_text() == me.name

    page.goto(live_server.url + f"/f/{DEMO_SLUG}/")
    page.get_by_role("list", name="The pyramid").get_by_role(
        "link", name="Congress", exact=True
    ).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Congress"
    page.get_by_role("table").get_by_role("link", name=district.name).click()
    assert page.get_by_role("heading", level=1).inner_text() == district.name
    page.get_by_role("table").get_by_role("link", name=me.council.name).click()
    assert page.get_by_role("heading", level=1).inner_text() == me.council.name
    assert page.get_by_role("list", name="The general assembly").get_by_text(me.name).count() >= 1

    page.get_by_role("link", name="My page").click()
    table = page.get_by_role("table")
    for d in Delegate.objects.filter(  # my delegates now (the demo has recalled one)
        constituency__in=[me.council, district], ended_at__isnull=True
    ).select_related("member"):
        assert table.get_by_text(d.member.name).count() >= 1


def test_pages_work_by_keyboard(page: Any, live_server: Any) -> None:
    """The skip link is the first stop for the keyboard, and it moves focus to the content."""
    load_demo()
    page.goto(live_server.url + f"/f/{DEMO_SLUG}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
