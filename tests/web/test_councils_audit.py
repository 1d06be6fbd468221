"""The councils audit beside a busy server: a census whose entry is still queued (a sealer
process seals it within moments) is what the seats are compared with, not the last sealed one;
a seat changed behind it is still named (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from communard.constitution.permissions import ClockActor
from communard.web.councils.actions import do_take_census
from communard.web.councils.models import Council, Federation
from communard.web.members.actions import do_admit_member
from communard.web.records.audit import run
from communard.web.records.models import QueuedEntry
from tests.web.factories import TEST_OPERATOR, recorded, small_federation
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def census_queued(tmp_path: Path) -> Federation:
    """Workshop one grows from 4 to 10 members (sealed), and a census gives it a second seat in
    the district; the census's entry is still queued, as beside a server whose sealer process
    has not taken it yet (in a test's transaction nothing commits, so nothing seals it)."""
    fed = small_federation(tmp_path, {"w1": 4, "w2": 2, "w3": 2})
    for n in range(6):
        do_admit_member(fed, number=f"new{n}", name=f"New {n}", council=Council.objects.get(
            key="w1"), admitted_on=TODAY, actor=TEST_OPERATOR)
    recorded()
    assert Council.objects.get(key="w1").seats_in_parent == 1
    do_take_census(fed, cutoff=TODAY, reason="roll", actor=ClockActor())
    assert Council.objects.get(key="w1").seats_in_parent == 2  # 10 counted, 5 per seat
    assert QueuedEntry.objects.filter(kind="seats.apportioned.v2").count() == 1
    return fed


def test_a_queued_census_is_no_divergence(census_queued: Federation) -> None:
    """The rows follow the census still queued: nothing diverges, before or after its seal."""
    assert [str(d) for d in run()] == []
    recorded()
    assert [str(d) for d in run()] == []


def test_a_seat_changed_behind_a_queued_census_is_named(census_queued: Federation) -> None:
    """The queued census is what the rows are held to: a seat raised by SQL is named against
    it (by its day, still queued: it has no index yet)."""
    sql("UPDATE councils_council SET seats_in_parent = 5 WHERE key = 'w1'")
    found = [str(d) for d in run()]
    assert found == [
        "state diverges from the record (no entry): councils_council test/w1: seats_in_parent "
        f"is 5; the census of {TODAY} (still queued) gives 2"], found
