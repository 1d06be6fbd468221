"""A throwaway PostgreSQL server for the test suite, started from the system's own binaries.

No pre-configured service is needed: ``initdb`` makes a cluster in a temporary directory, the server
listens on a free loopback port with trust authentication, and it is stopped and deleted at the end.
PostgreSQL refuses to run as root, so under root (CI machines) the server runs as the ``postgres``
system user that Debian's package creates.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path


def _bin_dir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise RuntimeError(
            "PostgreSQL server binaries (initdb, postgres) were not found; "
            "install the 'postgresql' package (scripts/system-deps does it on Debian)."
        )
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextlib.contextmanager
def running_postgres(*, durable: bool = False, settings: Sequence[str] = ()) -> Iterator[str]:
    """Start a fresh server and yield a ``postgresql://`` URL for its ``postgres`` database.

    Tests run it without fsync (nothing needs to survive a crash); ``durable=True`` keeps
    PostgreSQL's default durability, for benchmarks whose numbers must be the real ones.
    ``settings``: more server settings, ``name=value`` each (a bench's statistics, say).
    """
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="communard-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    subprocess.run(
        _as_server_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                *([] if durable else ["--no-sync"]),
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    port = _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if any(not setting or setting.split() != [setting] for setting in settings):
        raise ValueError(f"server settings are name=value without spaces: {settings!r}")
    options += "".join(f" -c {setting}" for setting in settings)
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        _as_server_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"PostgreSQL did not accept connections on port {port}")
