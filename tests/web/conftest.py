"""Web tests run on SQLite by default and on a real PostgreSQL server with ``--db=postgres``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from communard.web.config import database_settings
from tests.browser import chromium
from tests.postgres import running_postgres
from tests.web.tampering import flushing_with_guards_lifted


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest, django_db_modify_db_settings_parallel_suffix: None
) -> Iterator[None]:
    """Point Django at a PostgreSQL server this suite starts, when asked to."""
    if request.config.getoption("--db") != "postgres":
        yield
        return
    from django.conf import settings
    from django.db import connections

    with running_postgres() as url:
        # Mutate in place: Django's connection handler holds this very dict. Then fill in the
        # defaults Django adds, and drop any SQLite connection object made before this point.
        db = settings.DATABASES["default"]
        test = db.get("TEST", {})
        db.clear()
        db.update(database_settings(url, Path(".")))
        db["TEST"] = test
        connections.configure_settings(None)
        connections["default"].close()
        del connections["default"]
        yield


@pytest.fixture(scope="session", autouse=True)
def flush_with_guards_lifted() -> Iterator[None]:
    """Transactional tests end by emptying every table, which the write-once triggers refuse:
    the flush lifts them as the database's superuser could (tests/web/tampering.py)."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            BaseDatabaseOperations,
            "execute_sql_flush",
            flushing_with_guards_lifted(BaseDatabaseOperations.execute_sql_flush),
        )
        yield


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the browser tests of a test process."""
    # Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests
    # make around it are synchronous set-up of the live server's database, which this permits.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as b:
        yield b


@pytest.fixture
def demo_files(tmp_path: Path) -> tuple[Path, Path]:
    from communard.web.demo import write_demo_files

    return write_demo_files(tmp_path)
