"""In Chromium: a member casts a ranked ballot with the keyboard alone in the demo's sealed
election, three of its demo tellers hand in their shares at the close, and the member finds
their tracking code in the published ballot box."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from communard.constitution.permissions import MemberActor
from communard.sealing import open_sealed_share
from communard.web.core import clock
from communard.web.demo import DEMO_PASSWORD, demo_teller_key, load_demo
from communard.web.elections.models import Election
from communard.web.polls.actions.hand_in import do_hand_in
from communard.web.polls.models import Ballot, Envelope, Poll, PollTeller
from tests.web.tampering import guards_lifted  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_votes_by_keyboard_and_finds_tracking_code(browser: Any, live_server: Any) -> None:
    """Log in, rank three candidates by typing, confirm, keep the code; after close, look it up."""
    load_demo()
    election = Election.objects.get(closed_at__isnull=True)
    page = browser.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").focus()  # as the page's autofocus does, without a race
    page.keyboard.type("member")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/me/")

    # The demo's poll has just reached its opening time; the server's clock opens it.
    page.goto(live_server.url + f"/e/{election.pk}/")
    assert page.locator("#opening").is_visible()
    assert clock.run_due().done["poll(s) opened"] == 1
    page.goto(live_server.url + f"/e/{election.pk}/vote/")
    fields = page.get_by_role("spinbutton")
    assert fields.count() == election.candidates.filter(number__isnull=False).count()
    fields.first.focus()
    names = []
    for preference in (1, 2, 3):
        page.keyboard.type(str(preference))
        names.append(page.evaluate("document.activeElement.labels[0].textContent.trim()"))
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # submits the form: "Review my ballot"
    page.wait_for_selector("#ranked")
    assert page.locator("#ranked li").all_inner_texts() == names
    page.get_by_role("button", name="Cast my ballot").focus()
    page.keyboard.press("Enter")
    code = page.locator("#tracking-code").inner_text()
    # The demo's election is sealed (its five tellers are demo logins): the ballot is stored as
    # an envelope nobody can open alone, and no plaintext ballot exists before the close.
    poll = Poll.objects.get(pk=Election.objects.get(pk=election.pk).poll_id)
    assert Envelope.objects.filter(poll=poll).count() == 1
    assert not Ballot.objects.filter(tracking_code=code).exists()

    # The poll ends: pages say the count is coming; the clock closes, counts and publishes.
    end = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with guards_lifted():  # a poll's terms are fixed at its call: only the test moves time
        Election.objects.filter(pk=election.pk).update(poll_closes_at=end)
        Poll.objects.filter(pk=Election.objects.get(pk=election.pk).poll_id).update(closes_at=end)
    page.goto(live_server.url + f"/e/{election.pk}/")
    assert page.locator("#closing").is_visible()
    # Closed and uncounted until three of its five tellers hand in their shares, each opened
    # with the teller's own delivery key (what `communard teller keep --key` does).
    assert clock.run_due().done.get("election(s) closed", 0) == 0
    for teller in PollTeller.objects.filter(poll=poll).select_related("member__user")[:3]:
        login = teller.member.user.get_username()
        share = open_sealed_share(demo_teller_key(int(login.removeprefix("teller"))).private,
                                  teller.sealed_share)
        do_hand_in(poll, teller.member, share.to_text(), actor=MemberActor(login))
    assert clock.run_due().done["election(s) closed"] == 1
    page.goto(live_server.url + f"/e/{election.pk}/")
    assert page.get_by_role("heading", name="Result").is_visible()
    page.get_by_label("Find my ballot by its tracking code").fill(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#found")
    assert page.locator("#found li").all_inner_texts() == names
    page.close()
