"""A background sealer: one thread per server process that seals queued entries after commits.

Without it (command-line tools, tests) each commit seals its own entries right away, in the
committing thread (``services._seal_after_commit``). With it, a commit only wakes this thread and
the request returns at once; the thread seals everything queued by then in one batch (one lock,
one write, one commit for many entries), so under load the record costs an action little more
than the INSERT of its queued entry. ``communard serve`` starts one in every worker process.

Entries a process leaves queued when it dies are sealed by the next seal anywhere: the next
commit, a read of the record, or ``communard tick``.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import connection

log = logging.getLogger(__name__)

# A quiet server seals each commit at once; a busy one seals at most this often, so that a
# batch holds everything committed meanwhile (sealing costs an entry 3-6x less in batches of
# 100 than alone: bench/_record_actions.py). Readers never wait for it: the record's pages and
# API seal before they read.
MIN_INTERVAL = 0.2  # seconds


class Sealer:
    def __init__(self, min_interval: float = MIN_INTERVAL) -> None:
        self.min_interval = min_interval
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self.sealed = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="communard-sealer", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Something committed: seal soon (never blocks the caller)."""
        self._wake.set()

    def stop(self) -> None:
        """Seal what is queued, then end the thread."""
        thread = self._thread
        if thread is None:
            return
        self._stop = True
        self._wake.set()
        thread.join()
        self._thread, self._stop = None, False

    def _run(self) -> None:
        from communard.web.records.services import seal

        last = -self.min_interval
        try:
            while True:
                self._wake.wait()
                pause = last + self.min_interval - time.monotonic()
                if pause > 0 and not self._stop:
                    time.sleep(pause)  # gather the batch (no pause once stopping)
                self._wake.clear()
                stopping = self._stop
                last = time.monotonic()
                try:
                    # Leave the batch to another process's sealer if it holds the lock: it reads
                    # the queue again until it is empty. The last seal waits, to leave none.
                    self.sealed += seal(wait=stopping)
                except Exception:  # the entries stay queued; the next seal takes them
                    log.exception("sealing the record's queued entries failed")
                    connection.close()
                if stopping:
                    return
        finally:
            connection.close()


_running: Sealer | None = None


def start() -> Sealer:
    """Start this process's background sealer (idempotent)."""
    global _running
    if _running is None:
        _running = Sealer()
    _running.start()
    return _running


def stop() -> None:
    """Stop this process's background sealer after a last seal (idempotent)."""
    global _running
    if _running is not None:
        _running.stop()
        _running = None


def running() -> Sealer | None:
    return _running
