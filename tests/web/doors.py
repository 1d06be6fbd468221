"""Casting's two doors: every API cast test runs through both, and they must answer alike."""

from __future__ import annotations

from typing import Any

import pytest

DOOR = "communard.web.polls.casting_door.CastingDoor"


@pytest.fixture(params=["fast door", "ninja door"])
def door(request: pytest.FixtureRequest, settings) -> str:  # type: ignore[no-untyped-def]
    """The case twice: through the casting door's middleware (what the server runs; on
    PostgreSQL it answers the casts) and with it taken out, through the ninja operation."""
    assert DOOR in settings.MIDDLEWARE
    if request.param == "ninja door":
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != DOOR]
    return str(request.param)


def by_a_fast_door(response: Any) -> bool:
    """Whether a fast door (``core/fast_doors.py``) answered: the stack it skips adds
    X-Frame-Options to every other answer."""
    return "X-Frame-Options" not in response.headers


def fast_door_expected() -> bool:
    """The fast doors answer on PostgreSQL only; on SQLite the ninja operation does."""
    from django.db import connection

    return connection.vendor == "postgresql"
