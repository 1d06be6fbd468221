"""The demo's past congress: motions amended, decided and referred by roll calls of the real
polls, mandates beforehand, one delegate deviating, the constituents told (the demo member
among them), the petition that followed, a report-back; and the whole record verifies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from communard.web.demo import DEMO_PASSWORD, load_demo
from communard.web.meetings.models import Amendment, DeviationNotice, Mandate, Motion
from communard.web.polls.models import NamedVote, Poll
from communard.web.recalls.models import Petition
from communard.web.reports.models import Report
from tests.web.factories import verify_output

pytestmark = pytest.mark.django_db


def test_demo_congress_is_on_the_record_and_verifies(capsys: Any) -> None:
    """Three congress motions (adopted with an amendment to an amendment, both adopted by roll
    call and one rejected, and forwarded with its amended text; rejected, referred),
    two closed roll calls with every delegate's vote, binding mandates from two districts, one
    deviation told to the East's members, a petition with the notice as its grounds, a report;
    verify says intact and the state matches."""
    load_demo()
    motions = {m.title: m for m in Motion.objects.filter(council__parent__isnull=True)}
    assert sorted(m.state for m in motions.values()) == ["adopted", "referred", "rejected"]
    week = motions["A shorter working week"]
    assert Amendment.objects.filter(motion=week, amends__isnull=False).count() == 1
    decided = {a.text: a.decision.state for a in Amendment.objects.filter(motion=week)}
    assert sorted(decided.values()) == ["adopted", "adopted", "rejected"]
    amendment_polls = Poll.objects.filter(purpose="amendment", secret=False)
    assert all(NamedVote.objects.filter(entry__poll=p).count() == p.roll_size
               for p in amendment_polls) and amendment_polls.count() == 3
    sent = Motion.objects.get(forwarded_from=week)
    assert "with no loss of jobs and no speed-up." in sent.text
    assert "every month" not in sent.text and "next congress" in sent.text
    polls = Poll.objects.filter(purpose="motion", closed_at__isnull=False, secret=False)
    assert polls.count() == 2
    assert all(NamedVote.objects.filter(entry__poll=p).count() == p.roll_size for p in polls)
    assert Mandate.objects.filter(binding=True).values("constituency").distinct().count() == 2
    notices = DeviationNotice.objects.filter(motion=week)
    deviant = notices[0].delegate
    assert {n.delegate_id for n in notices} == {deviant.pk}
    petition = Petition.objects.get(delegate=deviant)
    assert petition.grounds == notices[0].text
    assert Report.objects.filter(delegate=deviant, meeting__council__parent__isnull=True).exists()
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_demo_member_sees_the_deviation_and_the_petition(client: Client) -> None:
    """The demo member (Harbour Bakery, beneath East) has the notice with its recall link, the
    petition to sign, and the deviant's report on their page."""
    load_demo()
    assert client.login(username="member", password=DEMO_PASSWORD)
    page = client.get("/me/").content.decode()
    notice = DeviationNotice.objects.get(member__user__username="member")
    assert "My delegates against our mandates" in page
    assert f"/recall/{notice.delegate_id}/?grounds=" in page
    petition = Petition.objects.get(delegate=notice.delegate)
    assert reverse("petition", args=[petition.pk]) in page.split("Recall petitions I may sign")[1]
    report = Report.objects.get(delegate=notice.delegate)
    assert reverse("report", args=[report.meeting_id, report.delegate_id]) in page
