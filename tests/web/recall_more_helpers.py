"""Workshops whose constitution fills a recalled seat by a replacement question on the recall
ballot, or has a base assembly recall its delegate at its meeting, for the recall tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from communard.web.councils.models import Federation
from communard.web.elections.models import Election
from communard.web.recalls.models import Petition
from tests.web import factories
from tests.web.elections_helpers import DAY, NOW, Calendar
from tests.web.recalls_helpers import elected_workshop

#: An election long past, so that a petition, its candidacies and its vote's opening can be
#: past too and the recall ballot open now (the pages and the API run on the real clock).
LONG_AGO = Calendar(called=NOW - 30 * DAY, nominations=NOW - 29 * DAY, opens=NOW - 22 * DAY,
                    closes=NOW - 15 * DAY)
#: A petition filed then has its ballot open now under ``vote_days = 10``.
FILED = NOW - 13 * DAY


def workshop_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recall: str,
                  cal: Calendar | None = None) -> tuple[Federation, Election]:
    """``elected_workshop`` with ``recall`` (TOML lines) as the constitution's ``[recall]``."""
    template = factories.TWO_TIER.replace("cutoff_days = 30\n",
                                          f"cutoff_days = 30\n[recall]\n{recall}\n", 1)
    monkeypatch.setattr(factories, "TWO_TIER", template)
    return elected_workshop(tmp_path, cal=cal)


def assembly_federation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    """``meetings_federation`` (w1: members 1-4, its founding delegate member 1) whose
    constitution has a base assembly recall its delegate at its meeting."""
    from tests.web.meetings_helpers import meetings_federation

    template = factories.TWO_TIER.replace("cutoff_days = 30\n",
                                          "cutoff_days = 30\n[recall]\nassembly_vote = true\n", 1)
    monkeypatch.setattr(factories, "TWO_TIER", template)
    return meetings_federation(tmp_path)


def ballot_called(petition: Petition, standing: list[str], stood_at: dt.datetime) -> Petition:
    """``standing`` (member numbers) stand for the seat at ``stood_at``; then the clock calls
    the recall ballot at its opening and opens it (its polls' rolls frozen)."""
    from communard.web.core import clock
    from communard.web.recalls.actions import do_stand_for_replacement
    from tests.web.recalls_helpers import as_member

    for number in standing:
        do_stand_for_replacement(petition, actor=as_member(number), now=stood_at)
    petition.refresh_from_db()
    assert petition.vote_opens_at is not None
    clock.run_due(now=petition.vote_opens_at)
    clock.run_due(now=petition.vote_opens_at)
    return petition


def reviewed(client: Client, ballot: str, answers: dict[str, str]) -> tuple[Any, dict[str, str]]:
    """Post ``answers`` to the recall ballot page: its review (asserted a 200), and the form
    its "Cast my vote" button posts (the answers and each question's ticket)."""
    import re

    review = client.post(ballot, answers)
    assert review.status_code == 200, review.content.decode()
    html = review.content.decode()
    cast_form = html.split('name="confirm"')[0]
    form = dict(re.findall(r'<input type="hidden" name="((?:ticket|rank)-\d+|recall)" '
                           r'value="([^"]+)">', cast_form))
    return review, {**form, "confirm": "yes"}


def codes_in(response: Any) -> list[str]:
    import re

    return re.findall(r'class="tracking-code"[^>]*>([^<]+)<', response.content.decode())
