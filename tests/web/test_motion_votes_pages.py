"""A motion's roll call through the pages: the presiding member puts it to the vote from the
meeting page, delegates vote on the poll's page, and after the close the motion page shows each
delegate's vote against their mandate, /me/ tells the constituents of a deviation, and its link
opens the recall petition with the breach as its grounds."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from django.test import Client

from communard.constitution.mandates import Stance
from communard.constitution.meetings import MotionState
from communard.web.councils.models import Delegate, Federation
from communard.web.meetings.actions.mandates import do_adopt_mandate
from communard.web.meetings.actions.motions import (
    do_move_motion,
    do_submit_motion,
    do_support_motion,
)
from communard.web.meetings.models import DeviationNotice, Motion
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.models import Poll
from tests.web import factories
from tests.web.factories import recorded
from tests.web.meetings_helpers import as_member, council, meetings_federation
from tests.web.test_motion_votes import debated_motion, meeting_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    monkeypatch.setattr(factories, "TWO_TIER", factories.TWO_TIER.replace(
        "[eligibility]", "[meetings]\nmotion_supporters = 1\n[eligibility]", 1))
    return meetings_federation(tmp_path)


def signed_in(number: str) -> Client:
    client = Client()
    assert client.login(username=f"m{number}", password="commune1871")
    return client


def cast(number: str, poll: Poll, choice: str) -> int:
    response = signed_in(number).post(f"/p/{poll.pk}/vote/", {"choice": choice,
                                                              "confirm": "yes"})
    return response.status_code


def test_roll_call_through_the_pages_reaches_the_constituents(fed: Federation) -> None:
    """w1 binds delegate 1 against; 1 votes yes at d1; the motion page shows the deviation,
    member 3 of w1 sees it on /me/, and its link prefills the recall petition's grounds."""
    w1 = meeting_of("w1", "1", "2")
    d1 = meeting_of("d1", "1", "5")
    motion = debated_motion(d1)
    do_adopt_mandate(w1, motion, stance=Stance.AGAINST, binding=True,
                     actor=as_member("1"))
    not_presiding = signed_in("5").post(f"/meetings/{d1.pk}/vote/", {"motion": motion.pk})
    assert not_presiding.status_code == 403
    assert not Poll.objects.exists()
    response = signed_in("1").post(f"/meetings/{d1.pk}/vote/", {"motion": motion.pk})
    assert response.status_code == 303
    poll = Poll.objects.get(purpose="motion")
    assert cast("2", poll, "1") == 403  # not a delegate of d1
    assert cast("1", poll, "1") == 200
    assert cast("1", poll, "2") == 409  # twice
    assert cast("5", poll, "1") == 200
    do_close_poll(poll, now=poll.closes_at)
    assert cast("5", poll, "2") == 409  # after the close
    motion.refresh_from_db()
    assert motion.state == "adopted"
    page = unescape(Client().get(f"/motions/{motion.pk}/").content.decode())
    assert "Roll call" in page and "deviated" in page and "against (binding)" in page
    me = unescape(signed_in("3").get("/me/").content.decode())
    assert "against your assembly's binding mandate" in me
    delegate = Delegate.objects.get(council=council("d1"), member__number="1")
    link = f"/recall/{delegate.pk}/?grounds="
    assert link in me
    start = me.index(link)
    href = me[start:me.index('"', start)]
    form = unescape(signed_in("3").get(href).content.decode())
    assert "voted for on motion" in form
    assert DeviationNotice.objects.filter(motion=motion).count() == 4
    assert not DeviationNotice.objects.filter(member__number="5").exists()


def test_put_to_vote_of_an_unknown_motion_is_refused_on_the_page(fed: Federation) -> None:
    """A motion that is not the meeting's is a 400 naming it, and no poll is called."""
    d1 = meeting_of("d1", "1", "5")
    motion = debated_motion(d1)
    response = signed_in("1").post(f"/meetings/{d1.pk}/vote/", {"motion": "999"})
    assert response.status_code == 400
    assert "motion 999 is not one this meeting can act on" in unescape(response.content.decode())
    assert not Poll.objects.exists()
    assert Motion.objects.get(pk=motion.pk).state == "debated"


def test_put_to_vote_without_quorum_is_refused_on_the_page(fed: Federation) -> None:
    """An assembly of four with only its chair checked in has no quorum: the page says so, no
    poll is called and the record does not grow; with a second member in, the assembly's own
    members are the roll."""
    w1 = meeting_of("w1", "1")
    motion = do_submit_motion(council("w1"), title="Hours", text="Six.", reasons="",
                              actor=as_member("2"))
    for n in ("3", "4"):
        do_support_motion(motion, actor=as_member(n))
    for state in (MotionState.ADMITTED, MotionState.DEBATED):
        do_move_motion(motion, state, meeting=w1, actor=as_member("1"))
    before = recorded().count()
    response = signed_in("1").post(f"/meetings/{w1.pk}/vote/", {"motion": motion.pk})
    assert response.status_code == 403
    assert "quorum" in unescape(response.content.decode()).lower()
    assert (Poll.objects.count(), recorded().count()) == (0, before)
    signed_in("2").post(f"/meetings/{w1.pk}/check-in/")
    assert signed_in("1").post(f"/meetings/{w1.pk}/vote/", {"motion": motion.pk}).status_code == 303
    poll = Poll.objects.get()
    assert (poll.voters, poll.roll.count()) == ("members", 4)


def test_presiding_member_closes_the_roll_call_from_the_meeting_page(fed: Federation) -> None:
    """The meeting page offers a voted motion's early close; a delegate who does not preside is
    refused (403, still open); the chair's close counts it at once."""
    d1 = meeting_of("d1", "1", "5")
    motion = debated_motion(d1)
    assert signed_in("1").post(f"/meetings/{d1.pk}/vote/", {"motion": motion.pk}
                               ).status_code == 303
    page = unescape(signed_in("1").get(f"/meetings/{d1.pk}/").content.decode())
    assert "Close the roll call now" in page
    poll = Poll.objects.get(purpose="motion")
    assert cast("5", poll, "1") == 200
    refused = signed_in("5").post(f"/meetings/{d1.pk}/close-vote/", {"motion": motion.pk})
    assert refused.status_code == 403
    assert Poll.objects.get(pk=poll.pk).closed_at is None
    done = signed_in("1").post(f"/meetings/{d1.pk}/close-vote/", {"motion": motion.pk})
    assert done.status_code == 303
    assert Motion.objects.get(pk=motion.pk).state == "adopted"
    assert Poll.objects.get(pk=poll.pk).closed_at is not None
