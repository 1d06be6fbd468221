"""How long each part of a poll's close took, logged once per close (issue 16's "Fast").

The close of a sealed poll runs in the clock's process with nobody watching: this log line is
how an operator (and ``bench/cast_bench.py --sealed``, which reads the server's log) learns
whether the close stays within its budget, and which part does not. It holds durations and
counts only, never a ballot, a share or a key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


class CloseTimes:
    """Seconds spent in each named part of one close, in the order the parts first ran."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.parts: dict[str, float] = {}

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.parts[name] = self.parts.get(name, 0.0) + time.perf_counter() - t

    def report(self, poll: int, ballots: int) -> None:
        parts = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in self.parts.items())
        log.info("poll %d closed: %d ballots in %.3f s (%s)", poll, ballots,
                 time.perf_counter() - self.started, parts)
