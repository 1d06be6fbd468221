"""The one place that reads the environment (settings never sniff ``sys.argv`` or ``os.environ``).

Every setting an operator can change is a field here, with its variable name, type and default.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


class ConfigError(ValueError):
    """An environment variable holds a value Communard cannot use."""


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def _env_choice(name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``; the first when unset."""
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return choices[0]
    if raw not in choices:
        raise ConfigError(f"{name}={raw!r}: expected one of {', '.join(choices)}")
    return raw


def _env_size(name: str, default: int) -> int:
    """A positive number of bytes, plain or with a binary suffix (``16MiB``, ``512KiB``)."""
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    for suffix, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10), ("", 1)):
        if raw.endswith(suffix):  # "" last: every text ends with it
            number = raw[: len(raw) - len(suffix)].strip()
            if number.isdigit() and int(number) > 0:
                return int(number) * scale
            break
    raise ConfigError(f"{name}={raw!r}: expected a positive number of bytes, such as 16777216 "
                      "or 16MiB")


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_settings(url: str | None, data_dir: Path, *, prepared: bool = True) -> dict[str, Any]:
    """Django ``DATABASES['default']`` for a ``DATABASE_URL``; ``None`` means embedded SQLite.

    ``prepared``: PostgreSQL prepares the hot queries once per connection (``core/prepared.py``);
    off for a connection pooler that cannot carry prepared statements."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir / "communard.sqlite3"),
            # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write lock at
            # BEGIN so concurrent actions queue instead of failing with "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Tests use a real file (not an in-memory database) so that concurrency, WAL and
            # locking behave as they do in production.
            "TEST": {"NAME": str(data_dir / "test-communard.sqlite3")},
        }
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path.lstrip("/")) if parts.netloc == "" else unquote(parts.path)
        settings = database_settings(None, data_dir)
        settings["NAME"] = path or settings["NAME"]
        return settings
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ConfigError(
            f"DATABASE_URL scheme {parts.scheme!r} is not supported; use postgresql://… or sqlite:///…"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ConfigError("DATABASE_URL names no database (expected postgresql://user@host/NAME)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # Persistent connections without a per-request health check: the check is a round trip
        # on every request (10% of a cast's server time in bench/cast_bench.py). A connection
        # that died with its server fails one request and is then replaced. No age limit: with
        # one (it was 60 s), every server thread reopened its connection and prepared its
        # statements again at about the same moment, and the cast bench's slowest second came
        # once a minute.
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": False,
        # Only core.prepared's server-binding cursors prepare; Django's own cursors bind on
        # the client and never do, whatever this says.
        "OPTIONS": {"prepare_threshold": 0 if prepared else None},
    }


@dataclass(frozen=True)
class Config:
    """Everything Communard reads from its environment."""

    data_dir: Path
    database: dict[str, Any]
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    time_zone: str
    signing_key_path: Path
    # "inline": every commit seals its own record entries; "process": a sealer process
    # (``communard seal --follow``) seals them and commits only queue them. ``communard serve``
    # starts that process and sets this for its workers; a server started another way sets it
    # and runs the sealer beside it.
    record_sealer: str = "inline"
    # The most a sealing batch holds of its entries' bodies, in bytes (besides its most
    # entries, ``services.SEAL_BATCH``). 16 MiB: about 50,000 ordinary entries (a ballot's is
    # under 100 bytes, so the entry bound governs), but at most ~160 of a large import's 100 kB
    # items, where a thousand would hold 100 MB several times over in the sealer.
    seal_batch_bytes: int = 16 * 2**20
    # How browsers reach this server: "off" (plain HTTP: development, the demo), "on" (this
    # server is reached over HTTPS itself), "proxy" (a reverse proxy terminates TLS and says so
    # in X-Forwarded-Proto, and appends the client's address to X-Forwarded-For). Anything but
    # "off" makes cookies Secure and sends HSTS (``settings/security.py``).
    tls: str = "off"

    @classmethod
    def from_env(cls) -> Config:
        data_dir = Path(os.environ.get("COMMUNARD_DATA_DIR", ".")).resolve()
        return cls(
            data_dir=data_dir,
            database=database_settings(
                os.environ.get("DATABASE_URL"), data_dir,
                prepared=_env_bool("COMMUNARD_DB_PREPARED", True),
            ),
            secret_key=os.environ.get("COMMUNARD_SECRET_KEY") or _stored_secret(data_dir),
            debug=_env_bool("COMMUNARD_DEBUG", False),
            allowed_hosts=_env_list("COMMUNARD_ALLOWED_HOSTS", ["127.0.0.1", "localhost"]),
            time_zone=os.environ.get("COMMUNARD_TIME_ZONE", "UTC"),
            signing_key_path=Path(
                os.environ.get("COMMUNARD_SIGNING_KEY", data_dir / ".communard" / "signing.key")
            ),
            record_sealer=_env_choice("COMMUNARD_RECORD_SEALER", ("inline", "process")),
            seal_batch_bytes=_env_size("COMMUNARD_SEAL_BATCH_BYTES", 16 * 2**20),
            tls=_env_choice("COMMUNARD_TLS", ("off", "on", "proxy")),
        )


def _stored_secret(data_dir: Path) -> str:
    """A per-installation secret kept beside the database, made on first use."""
    path = data_dir / ".communard" / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key
