"""``communard demo | serve | import | manage``: the web application's commands."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    del sub
