"""The meeting, motion and scorecard pages through the real views: forms call the actions, a
refusal is a 4xx with its reason that changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from communard.constitution.mandates import Cast, Choice, RollCall, Stance, Verdict
from communard.web.councils.models import Delegate, Federation
from communard.web.meetings.actions.attendance import do_check_in
from communard.web.meetings.actions.call_meeting import do_call_meeting
from communard.web.meetings.actions.mandates import do_adopt_mandate
from communard.web.meetings.actions.motions import do_submit_motion, do_support_motion
from communard.web.meetings.models import Meeting, Motion
from communard.web.meetings.scorecard import delegate_scorecard
from tests.web.factories import recorded
from tests.web.meetings_helpers import STARTS, as_member, council, meetings_federation

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return meetings_federation(tmp_path)


def mandated(stance: Stance, *, binding: bool) -> Motion:
    """A motion of district d1, and workplace w1's mandate on it, adopted at a quorate
    meeting of w1 (two of its four members checked in)."""
    motion = do_submit_motion(council("d1"), title="Budget", text="Spend", reasons="",
                              actor=as_member("5"))
    meeting = do_call_meeting(council("w1"), title="M", starts_at=STARTS, agenda=[],
                              actor=as_member("1"))
    for n in ("1", "2"):
        do_check_in(meeting, actor=as_member(n))
    do_adopt_mandate(meeting, motion, stance=stance, binding=binding, actor=as_member("1"))
    return motion


def signed_in(number: str) -> Client:
    client = Client()
    assert client.login(username=f"m{number}", password="commune1871")
    return client


def test_call_meeting_and_check_in_through_the_pages(fed: Federation) -> None:
    """A member calls a meeting of their workplace from its page, checks in, and the meeting
    page shows attendance against the quorum and the minutes from the record."""
    client = signed_in("1")
    response = client.post("/f/test/c/w1/meetings/call/", {
        "title": "Monthly", "starts_at": "2026-12-01T18:00", "agenda": "Pay\nHours",
        "how": "call"})
    assert response.status_code == 303
    meeting = Meeting.objects.get()
    assert client.post(f"/meetings/{meeting.pk}/check-in/").status_code == 303
    recorded()  # the minutes read sealed entries (a commit seals; the test's never commits)
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "1 of 4 checked in; quorum 2" in html and "no quorum" in html
    assert "<li>Pay</li>" in html and "A member checked in." in html


def test_check_in_from_outside_the_council_is_a_403(fed: Federation) -> None:
    """A member of another workplace is refused with the reason; attendance is unchanged."""
    meeting = do_call_meeting(council("w1"), title="M", starts_at=STARTS, agenda=[],
                              actor=as_member("1"))
    before = recorded().count()
    response = signed_in("5").post(f"/meetings/{meeting.pk}/check-in/")
    assert response.status_code == 403
    assert "only the body&#x27;s delegates" in response.content.decode()
    assert recorded().count() == before and not meeting.attendance.exists()


def test_call_meeting_with_a_bad_date_is_a_400(fed: Federation) -> None:
    """A malformed field is named, and nothing is made."""
    response = signed_in("1").post("/f/test/c/w1/meetings/call/", {
        "title": "M", "starts_at": "tomorrow", "how": "call"})
    assert response.status_code == 400
    assert "starts_at: &#x27;tomorrow&#x27; is not a date and time" in response.content.decode()
    assert not Meeting.objects.exists()


def test_support_twice_and_amend_show_on_the_motion_page(fed: Federation) -> None:
    """Supporting twice is refused (403); an amendment shows as a word diff."""
    motion = do_submit_motion(council("w1"), title="Hours", text="We work eight hours.",
                              reasons="", actor=as_member("2"))
    client = signed_in("3")
    assert client.post(f"/motions/{motion.pk}/support/").status_code == 303
    again = client.post(f"/motions/{motion.pk}/support/")
    assert again.status_code == 403 and "already a supporter" in again.content.decode()
    assert client.post(f"/motions/{motion.pk}/amend/", {
        "paragraph": "1", "text": "We work six hours."}).status_code == 303
    html = client.get(f"/motions/{motion.pk}/").content.decode()
    assert "<del>eight</del><ins>six</ins>" in html
    assert "1 supporter" in html


def test_motion_page_lists_the_mandates_on_it(fed: Federation) -> None:
    """The district's motion shows the mandate its workplace adopted."""
    motion = mandated(Stance.AGAINST, binding=False)
    html = Client().get(f"/motions/{motion.pk}/").content.decode()
    assert "<td>Workshop one</td><td>against</td><td>advisory</td>" in html


def test_scorecard_from_mandates_and_given_votes(fed: Federation) -> None:
    """The scorecard compares the given roll call with the constituency's mandates: voting
    against a binding mandate adopted before the vote is a binding deviation."""
    motion = mandated(Stance.AGAINST, binding=True)
    delegate = Delegate.objects.get(member__number="1", council__key="d1")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    vote = RollCall(str(motion.pk), later, {"1": "w1"}, {"1": Cast(Choice.FOR, later)})
    card = delegate_scorecard(delegate, [vote])
    assert card.count(Verdict.DEVIATED, binding=True) == 1
    assert card.deviations[0].motion == str(motion.pk)
    html = Client().get(f"/delegates/{delegate.pk}/scorecard/").content.decode()
    assert "No deviations." in html  # no roll calls yet: the polls app brings them


def test_pages_404_for_unknown_ids(fed: Federation) -> None:
    """Unknown and out-of-range ids are a 404, never a 500."""
    client = Client()
    for url in ("/meetings/99/", "/motions/99/", "/delegates/99/scorecard/",
                f"/motions/{2**64}/"):
        assert client.get(url).status_code == 404, url
    assert not Motion.objects.exists()


def test_my_page_lists_motions_i_can_support_and_my_assemblys_mandates(fed: Federation) -> None:
    """Member 3 of w1 sees w1's motion by member 2 (not yet supported) and w1's mandate on
    the district's motion; a motion they support already leaves the list."""
    local = do_submit_motion(council("w1"), title="Canteen", text="x", reasons="",
                             actor=as_member("2"))
    motion = mandated(Stance.FOR, binding=True)
    html = signed_in("3").get("/me/").content.decode()
    assert f'href="/motions/{local.pk}/">Canteen</a>' in html
    assert f'href="/motions/{motion.pk}/">Budget</a> (District one): for, binding' in html
    assert "/scorecard/" in html
    do_support_motion(local, actor=as_member("3"))
    assert "Canteen" not in signed_in("3").get("/me/").content.decode()


def test_names_are_for_members_only(fed: Federation) -> None:
    """Anonymous visitors see counts, not who checked in, moved or supported (as a council's
    member list); the federation's members see the names."""
    meeting = do_call_meeting(council("w1"), title="M", starts_at=STARTS, agenda=[],
                              actor=as_member("1"))
    do_check_in(meeting, actor=as_member("2"))
    motion = do_submit_motion(council("w1"), title="T", text="x", reasons="",
                              actor=as_member("3"))
    do_support_motion(motion, actor=as_member("4"))
    for url, names in ((f"/meetings/{meeting.pk}/", ["Member 2"]),
                       (f"/motions/{motion.pk}/", ["Member 3", "Member 4"])):
        anonymous = Client().get(url).content.decode()
        member = signed_in("1").get(url).content.decode()
        for name in names:
            assert name not in anonymous and name in member, (url, name)
