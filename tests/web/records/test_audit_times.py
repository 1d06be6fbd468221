"""``same_instant``: the audits compare a recorded time with a row's as instants, not as text."""

from __future__ import annotations

import datetime as dt

import pytest

from communard.web.records.audit import same_instant

ROW = dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("recorded", [
    "2026-01-01T10:00:00Z", "2026-01-01T10:00:00+00:00", "2026-01-01T10:00:00.000000+00:00",
    "2026-01-01T12:00:00+02:00", "2026-01-01T05:00:00-05:00",
])
def test_one_instant_written_differently_is_the_same(recorded: str) -> None:
    """Text that differs, the same instant: the row was not re-timed."""
    assert same_instant(recorded, ROW)
    assert same_instant(recorded, ROW.isoformat())


@pytest.mark.parametrize("recorded", [
    "2026-01-01T10:00:00.000001+00:00", "2026-01-01T10:00:00+01:00",
    "2026-01-01T10:00:00",  # naive: names no instant
    "yesterday", "", None, 1767261600,
])
def test_another_instant_or_no_time_is_not_the_same(recorded: object) -> None:
    assert not same_instant(recorded, ROW)
