"""In a real browser: the demo member finds the petition in progress on their page, signs it,
sees the count move, and withdraws; the demo's completed recall shows on the district's page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from communard.web.demo import DEMO_PASSWORD, DEMO_SLUG, load_demo
from communard.web.recalls.models import Petition, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_member_signs_and_withdraws_from_the_demo_petition(page: Any, live_server: Any) -> None:
    load_demo()
    # The demo's petition in progress against an East delegate (the congress's is another).
    running = Petition.objects.get(state=State.OPEN, grounds__startswith="Has not reported")
    before = running.signatures
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")
    petitions = page.get_by_role("region", name="Recall petitions I may sign")
    petitions.get_by_role("link", name=f"Recall {running.delegate.member.name}").click()
    assert page.locator("#signatures").inner_text() == str(before)
    page.get_by_role("button", name="Sign this petition").click()
    assert page.locator("#signatures").inner_text() == str(before + 1)
    assert page.locator("#progress").get_attribute("value") == str(before + 1)
    page.get_by_role("button", name="Withdraw my signature").click()
    assert page.locator("#signatures").inner_text() == str(before)
    assert page.get_by_text("You withdrew your signature.").count() == 1
    page.goto(live_server.url + f"/f/{DEMO_SLUG}/c/east/")
    recalls = page.get_by_role("region", name="Recalls")
    assert recalls.get_by_text("recalled").count() >= 1
