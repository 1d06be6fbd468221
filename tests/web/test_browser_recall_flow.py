"""In Chromium, the whole recall (issue 15): a member opens a petition from the workshop's
page, others sign it until the threshold is met, the clock calls and opens the vote, members
vote on the recall ballot, the close recalls the delegate and seats the countback's winner, and
`communard verify` replays all of it (exit 0), its audit following the new delegate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from communard.web.core import clock
from communard.web.members.models import Member
from communard.web.polls.models import Poll
from communard.web.recalls.models import Petition, State
from tests.web.elections_helpers import PAST
from tests.web.factories import verify_output
from tests.web.polls_helpers import vote
from tests.web.recalls_helpers import elected_workshop, sitting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser: Any, live_server: Any) -> Callable[[str], Any]:
    """A page of a fresh browser context signed in as member ``number`` (the session made as
    the login page makes it; the workshop's logins have no passwords to type)."""

    def page_of(number: str) -> Any:
        client = Client()
        client.force_login(Member.objects.get(number=number).user)
        context = browser.new_context()
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    return page_of


def test_a_delegate_is_recalled_and_replaced_through_the_pages(
        browser: Any, live_server: Any, tmp_path: Path, capsys: Any) -> None:
    fed, election = elected_workshop(tmp_path, cal=PAST)
    target = sitting()[0]
    page_of = signed_in(browser, live_server)

    # Member 12 opens the petition from the workshop's page.
    opener = page_of("12")
    opener.goto(live_server.url + f"/f/{fed.slug}/c/w1/")
    opener.get_by_role("region", name="Recalls").get_by_role(
        "link", name=target.member.name).click()
    opener.get_by_label("Grounds").fill("voted against the assembly's mandate on the strike")
    opener.get_by_role("button", name="Open the petition").click()
    opener.wait_for_url("**/petitions/*/")
    petition = Petition.objects.get()
    assert opener.locator("#signatures").inner_text() == "0"

    # Three members sign (3 of the 12 at filing is the 20% threshold, rounded up).
    for number in ("9", "10", "11"):
        signer = page_of(number)
        signer.goto(live_server.url + f"/petitions/{petition.pk}/")
        signer.get_by_role("button", name="Sign this petition").click()
        signer.get_by_text("You have signed this petition.").wait_for()
        signer.context.close()
    petition.refresh_from_db()
    assert (petition.signatures, petition.state) == (3, State.THRESHOLD_MET)

    # The clock (`communard tick`, in-process) calls the vote and opens it.
    now = timezone.now()
    assert "1 recall vote(s) called" in clock.run_due(now=now).summary()
    assert "1 poll roll(s) frozen" in clock.run_due(now=now).summary()
    poll = Poll.objects.get(purpose="recall")

    # Members vote on the recall ballot, reached from the petition's page.
    for number in ("9", "10", "11"):
        voter = page_of(number)
        voter.goto(live_server.url + f"/petitions/{petition.pk}/")
        voter.get_by_role("link", name="Vote in the recall").click()
        voter.get_by_label("Yes").check()
        voter.get_by_role("button", name="Review my answers").click()
        voter.get_by_role("button", name="Cast my vote").click()
        voter.get_by_role("heading", name="Your vote is cast").wait_for()
        assert len(voter.locator(".tracking-code").inner_text()) >= 16
        voter.context.close()
    vote(Poll.objects.get(pk=poll.pk), "5", [2], when=timezone.now())  # one No, by the action

    # The clock closes the vote at its end: the delegate is recalled, the countback seats.
    assert poll.closes_at is not None
    clock.run_due(now=poll.closes_at + dt.timedelta(seconds=1))
    petition.refresh_from_db()
    assert petition.state == State.RECALLED and petition.decided_by == f"poll:{poll.pk}"
    successor = next(d for d in sitting() if d.source.endswith(":countback"))
    assert target.member not in [d.member for d in sitting()] and len(sitting()) == 2
    assert successor.council == election.council
    opener.goto(live_server.url + f"/petitions/{petition.pk}/")
    assert opener.locator("#state").inner_text() == "recalled"
    opener.goto(live_server.url + f"/f/{fed.slug}/c/w1/")
    sent = opener.get_by_role("region", name="Our delegates to District one")
    assert successor.member.name in sent.inner_text()
    assert target.member.name not in sent.inner_text()
    opener.context.close()

    # `communard verify` replays it all, and its audit follows the new delegate: the seat the
    # countback gave, ended behind the record's back, is named.
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out
    with connection.cursor() as c:
        c.execute("UPDATE councils_delegate SET ended_at = %s WHERE id = %s",
                  [timezone.now(), successor.pk])
    status, out = verify_output(capsys)
    assert status == 1
    assert (f"member {successor.member.number} (for w1): the record seats them but no current "
            "row") in out, out
