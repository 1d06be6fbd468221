"""The typed environment helper: defaults, DATABASE_URL parsing, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.web.config import Config, ConfigError, database_settings


def test_no_database_url_means_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    """Without DATABASE_URL the database is an SQLite file in the working directory."""
    db = database_settings(None, tmp_path)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "communard.sqlite3")


def test_postgres_url_is_parsed() -> None:
    """A postgresql:// URL gives every connection setting, percent-decoded."""
    db = database_settings("postgresql://u%40x:p%2Fw@db.local:6543/communard", Path("."))
    assert (db["ENGINE"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "django.db.backends.postgresql",
        "u@x",
        "p/w",
        "db.local",
        "6543",
        "communard",
    )


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://x/y", "scheme 'mysql' is not supported"),
        ("postgresql://host/", "names no database"),
    ],
)
def test_bad_database_url_is_refused(url: str, message: str) -> None:
    """Unsupported or incomplete URLs are refused with the reason."""
    with pytest.raises(ConfigError, match=message):
        database_settings(url, Path("."))


def test_config_reads_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every setting comes from its variable; a secret key is made once and kept."""
    monkeypatch.setenv("COMMUNARD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COMMUNARD_SECRET_KEY", raising=False)
    monkeypatch.setenv("COMMUNARD_DEBUG", "yes")
    monkeypatch.setenv("COMMUNARD_ALLOWED_HOSTS", "a.example, b.example")
    first = Config.from_env()
    assert first.debug is True and first.allowed_hosts == ["a.example", "b.example"]
    assert Config.from_env().secret_key == first.secret_key
    assert (tmp_path / ".communard" / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("COMMUNARD_DEBUG", "maybe")
    with pytest.raises(ConfigError, match="COMMUNARD_DEBUG='maybe'"):
        Config.from_env()


def test_prepared_statements_are_on_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL prepares the hot queries (``core/prepared.py``) unless COMMUNARD_DB_PREPARED
    says no, for a connection pooler that cannot carry prepared statements."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.local/communard")
    monkeypatch.delenv("COMMUNARD_DB_PREPARED", raising=False)
    assert Config.from_env().database["OPTIONS"] == {"prepare_threshold": 0}
    monkeypatch.setenv("COMMUNARD_DB_PREPARED", "0")
    assert Config.from_env().database["OPTIONS"] == {"prepare_threshold": None}
    monkeypatch.setenv("COMMUNARD_DB_PREPARED", "sometimes")
    with pytest.raises(ConfigError, match="COMMUNARD_DB_PREPARED='sometimes'"):
        Config.from_env()


def test_the_record_sealer_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inline by default; ``process`` for workers whose sealing a sealer process does."""
    monkeypatch.delenv("COMMUNARD_RECORD_SEALER", raising=False)
    assert Config.from_env().record_sealer == "inline"
    monkeypatch.setenv("COMMUNARD_RECORD_SEALER", "Process")
    assert Config.from_env().record_sealer == "process"
    monkeypatch.setenv("COMMUNARD_RECORD_SEALER", "thread")
    with pytest.raises(ConfigError, match="expected one of inline, process"):
        Config.from_env()


def test_the_seal_batch_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """16 MiB by default; bytes plain or with a binary suffix; anything else names the variable."""
    monkeypatch.delenv("COMMUNARD_SEAL_BATCH_BYTES", raising=False)
    assert Config.from_env().seal_batch_bytes == 16 * 2**20
    for raw, value in (("4096", 4096), ("512KiB", 512 * 2**10), (" 2 MiB", 2 * 2**20),
                       ("1GiB", 2**30)):
        monkeypatch.setenv("COMMUNARD_SEAL_BATCH_BYTES", raw)
        assert Config.from_env().seal_batch_bytes == value
    for raw in ("0", "-5", "16MB", "lots", "MiB"):
        monkeypatch.setenv("COMMUNARD_SEAL_BATCH_BYTES", raw)
        with pytest.raises(ConfigError, match="COMMUNARD_SEAL_BATCH_BYTES="):
            Config.from_env()
