"""The clock: the registry of transitions that fall due with time, and the one place that runs them.

Opening a poll, closing and counting an election, and whatever else a date decides are not done by
whoever happens to look (a page, a ballot): they are run by :func:`run_due`, which
``communard tick`` calls once and the server's record sealer process calls every
``INTERVAL`` seconds (:func:`follow`, on a thread of its own beside the sealing).

An app registers a :class:`Duty` at start-up (``AppConfig.ready``): how to find what is due at a
time, and how to run one such transition. Each transition runs in a durable transaction of its
own (the clock is the entry point; the actions it calls compose inside it), so one that is refused
or fails changes nothing and does not hold up the others. A runner locks its subject and checks
again that it is due, so two clocks at once (a cron ``tick`` beside the server's loop) each run a
transition at most once between them: the second finds it done and reports nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

#: How often the server's loop looks for due transitions: each look is one indexed query per
#: duty, and a poll's count is published within this long of its close (plus the count).
INTERVAL = 2.0  # seconds


@dataclass(frozen=True)
class Duty:
    """One kind of transition the clock runs."""

    #: What the report counts, as a phrase after the number ("election(s) closed").
    done: str
    #: The subjects (e.g. election ids) due at a time, in the order to run them.
    find_due: Callable[[dt.datetime], Iterable[int]]
    #: Run the transition for one subject inside the clock's transaction: True if it ran, False
    #: if it was no longer due (another clock ran it first).
    run: Callable[[int, dt.datetime], bool]
    #: How a subject is named in a refusal ("election 12").
    subject: Callable[[int], str] = str
    #: Exceptions that are refusals (their message says why, and is shown as it is); anything
    #: else is logged with its traceback as a fault.
    refusals: tuple[type[Exception], ...] = ()


_duties: list[Duty] = []


def register(duty: Duty) -> None:
    """Add a duty (once; duties run in the order they were registered)."""
    if duty not in _duties:
        _duties.append(duty)


def duties() -> tuple[Duty, ...]:
    return tuple(_duties)


@dataclass
class Report:
    """What one run did: how many transitions of each duty ran, and which were refused."""

    done: Counter[str] = field(default_factory=Counter)
    #: (duty, subject, reason) of each transition refused or failed.
    refused: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return ", ".join(f"{self.done[d.done]} {d.done}" for d in _duties)


def run_due(now: dt.datetime | None = None) -> Report:
    """Run every transition due at ``now`` (default: the present), each in its own durable
    transaction."""
    now = now or timezone.now()
    report = Report()
    for duty in _duties:
        report.done[duty.done] += 0
        for subject in list(duty.find_due(now)):
            try:
                with transaction.atomic(durable=True):
                    ran = duty.run(subject, now)
            except duty.refusals as refusal:
                report.refused.append((duty.done, duty.subject(subject), str(refusal)))
                continue
            except Exception as fault:
                log.exception("the clock's %s for %s failed", duty.done, duty.subject(subject))
                report.refused.append(
                    (duty.done, duty.subject(subject), f"failed: {type(fault).__name__}: {fault}")
                )
                continue
            if ran:
                report.done[duty.done] += 1
    return report


def follow(stop: threading.Event, interval: float = INTERVAL) -> None:
    """The server's loop: run what is due every ``interval`` seconds until ``stop`` is set. A
    refusal is logged once per subject and reason, not every round (a tampered election stays
    refused until someone looks at it)."""
    logged: set[tuple[str, str, str]] = set()
    try:
        while True:
            try:
                report = run_due()
            except Exception:  # a lost connection, say: the next round tries again
                log.exception("the clock's round failed")
                connection.close()
            else:
                for refusal in report.refused:
                    if refusal not in logged:
                        logged.add(refusal)
                        log.error("clock: %s refused for %s: %s", *refusal)
                if any(report.done.values()):
                    log.info("clock: %s", report.summary())
            if stop.wait(interval):
                return
    finally:
        connection.close()


def start(interval: float = INTERVAL) -> Callable[[], None]:
    """Run :func:`follow` on a thread of its own; returns the function that stops it (after
    the transition in progress, if any, has committed)."""
    stop = threading.Event()
    thread = threading.Thread(target=follow, args=(stop, interval), name="communard-clock",
                              daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join()

    return halt
