"""Recall pages: a petition's progress and buttons, my page's petitions and notifications, the
council page's recalls; a refusal shows its reason with a 4xx and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from communard.web.councils.models import Federation
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.recalls.models import Petition, Signature
from tests.web.elections_helpers import PAST
from tests.web.recalls_helpers import elected_workshop, sitting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workshop(tmp_path: Path) -> tuple[Federation, Election]:
    return elected_workshop(tmp_path, cal=PAST)


def browser_of(number: str) -> Client:
    client = Client()
    client.force_login(Member.objects.get(number=number).user)
    return client


def test_a_member_opens_a_petition_others_sign_and_the_page_shows_progress(workshop) -> None:  # type: ignore[no-untyped-def]
    target = sitting()[0]
    opened = browser_of("12").post(f"/recall/{target.pk}/", {"grounds": "broke the mandate"})
    assert opened.status_code == 302
    petition = Petition.objects.get()
    page = f"/petitions/{petition.pk}/"
    assert opened["Location"] == page
    me = browser_of("9").get("/me/").content.decode()
    assert page in me and "Recall petitions I may sign" in me
    assert "A petition to recall" in me  # the notification
    assert browser_of("9").post(f"{page}sign/").status_code == 302
    html = Client().get(page).content.decode()
    assert '<progress id="progress" max="3" value="1">' in html
    assert "broke the mandate" in html and '<span id="signatures">1</span>' in html
    # Signed: my page no longer offers it; the petition page offers the withdrawal.
    assert page not in browser_of("9").get("/me/").content.decode().split("Notifications")[0]
    assert "Withdraw my signature" in browser_of("9").get(page).content.decode()
    council = Client().get(f"/f/{petition.federation.slug}/c/w1/").content.decode()
    assert page in council and "Open a petition to recall" in council


def test_a_refused_signature_shows_its_reason_and_changes_nothing(workshop) -> None:  # type: ignore[no-untyped-def]
    target = sitting()[0]
    browser_of("12").post(f"/recall/{target.pk}/", {"grounds": "g"})
    petition = Petition.objects.get()
    refused = browser_of("13").post(f"/petitions/{petition.pk}/sign/")
    assert refused.status_code == 403
    assert "only members of the constituency" in refused.content.decode()
    assert Signature.objects.count() == 0
    blank = browser_of("11").post(f"/recall/{target.pk}/", {"grounds": "  "})
    assert blank.status_code == 400 and "states its grounds" in blank.content.decode()
    assert Petition.objects.count() == 1
