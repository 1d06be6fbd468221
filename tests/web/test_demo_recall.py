"""The demo's recalls (issue 15): the completed one refilled by countback (nobody stood on its
replacement question), and one under way with a replacement question, a candidate standing,
that the demo member can see and stand in; the whole record verifies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from communard.web.demo import DEMO_PASSWORD, load_demo
from communard.web.recalls.models import Petition, ReplacementCandidate, State
from tests.web.factories import recorded, verify_output

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_recall_with_a_replacement_question_under_way(capsys: Any) -> None:
    load_demo()
    under_way = Petition.objects.get(state=State.THRESHOLD_MET)
    assert under_way.constituency.key == "harbour-bakery"
    assert under_way.federation.constitution.recall.replacement == "replacement-question"
    assert ReplacementCandidate.objects.filter(petition=under_way).count() == 1
    completed = Petition.objects.get(state=State.RECALLED)
    assert recorded().filter(kind="election.countback").count() == 1
    assert completed.decided_by.startswith("poll:")
    member = Client()
    assert member.login(username="member", password=DEMO_PASSWORD)
    assert f"/petitions/{under_way.pk}/" in member.get("/me/").content.decode()
    page = member.get(f"/petitions/{under_way.pk}/").content.decode()
    assert "Stand for the seat" in page
    standing = ReplacementCandidate.objects.get(petition=under_way).member.name
    assert standing in page
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out
