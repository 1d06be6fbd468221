"""Debian's Chromium driven by Playwright (no browser download: the system's binary is used)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("COMMUNARD_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise RuntimeError(
            "Chromium was not found: install Debian's 'chromium' package "
            "(scripts/system-deps does it) or set COMMUNARD_CHROMIUM"
        )
    return found


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
