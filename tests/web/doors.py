"""Casting's two doors: every API cast test runs through both, and they must answer alike."""

from __future__ import annotations

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
