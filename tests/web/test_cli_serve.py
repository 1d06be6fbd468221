"""``communard serve`` and ``communard demo`` start a real production server (gunicorn)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from communard.cli import build_parser, main

COMMUNARD = str(Path(sys.executable).with_name("communard"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, proc: subprocess.Popen[str], seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"server exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return str(r.read().decode())
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_demo_serves_the_pyramid_with_gunicorn(tmp_path: Path) -> None:
    """`communard demo` migrates a fresh SQLite file, loads the demo, prints logins, and serves."""
    port = free_port()
    env = {**os.environ, "COMMUNARD_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [COMMUNARD, "demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        html = wait_for(f"http://127.0.0.1:{port}/f/riverside/", proc)
        assert "Riverside Federation" in html and "Harbour Bakery" in html
        css = wait_for(f"http://127.0.0.1:{port}/static/communard/site.css", proc)
        assert "--accent" in css
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"Open http://127.0.0.1:{port}/" in out and "commune1871" in out
    assert "gunicorn" in out.lower()  # the production server, not runserver
    assert (tmp_path / "communard.sqlite3").exists()


def test_cli_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    """`communard --help` names the operator's commands."""
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("demo", "serve", "import", "manage", "count"):
        assert command in out
    assert build_parser().prog == "communard"


def test_cli_import_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    """Naming a file that is not there gives a one-line error and a non-zero exit."""
    env = {**os.environ, "COMMUNARD_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.run(
        [COMMUNARD, "import", str(tmp_path / "nope.toml"), str(tmp_path / "m.csv")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "nope.toml: file not found" in proc.stderr and "Traceback" not in proc.stderr
