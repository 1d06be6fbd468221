"""Suite-wide options. ``--db=postgres`` runs the web tests on a PostgreSQL server the suite starts."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="database for the web tests: embedded SQLite (default) or a PostgreSQL server "
        "started by the suite from the system's binaries",
    )
