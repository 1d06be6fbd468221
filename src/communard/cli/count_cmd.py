"""``communard count``: count a ballot file (placeholder until the counting engine lands)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "count", help="count a ballot file (BLT, CSV, JSON)"
    )
    p.set_defaults(handler=lambda args: (print("not yet available"), 2)[1])
