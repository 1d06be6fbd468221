"""Suite-wide options. ``--db=postgres`` runs the web tests on a PostgreSQL server the suite starts."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

# Tests never assert wall-clock time: Hypothesis's per-example deadline is one, and on a loaded
# 2-core machine it fails examples that are merely slow. Packages may load stricter profiles.
settings.register_profile(
    "communard", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("communard")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="database for the web tests: embedded SQLite (default) or a PostgreSQL server "
        "started by the suite from the system's binaries",
    )
