"""``communard verify`` and ``communard witness``: check the public record (placeholder)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    del sub  # the record issue adds its commands here
