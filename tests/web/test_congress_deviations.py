"""A deviation at the congress reaches every member beneath the constituency: a district's
delegate was elected by the members of its workplaces, and they are the ones told."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.web.councils.models import Federation
from communard.web.meetings.models import DeviationNotice
from communard.web.polls.actions.close import do_close_poll
from tests.web.congress_helpers import (
    congress_motion,
    congress_rules,
    d1_mandates_against,
    roll_call_for,
)
from tests.web.meetings_helpers import meetings_federation

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Federation:
    congress_rules(monkeypatch)
    return meetings_federation(tmp_path)


def test_deviation_at_the_congress_reaches_the_workplaces_beneath(fed: Federation) -> None:
    """d1 binds member 1 against; 1 votes for: members 1-7 (w1 and w2, beneath d1) are told,
    members 8-10 (beneath d2) are not."""
    congress, motion = congress_motion()
    d1_mandates_against(motion)
    poll = roll_call_for(congress, motion)
    do_close_poll(poll, now=poll.closes_at)
    motion.refresh_from_db()
    assert motion.state == "adopted"
    told = sorted(int(n.member.number) for n in DeviationNotice.objects.filter(motion=motion))
    assert told == [1, 2, 3, 4, 5, 6, 7]
