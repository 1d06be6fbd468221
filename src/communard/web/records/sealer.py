"""Who seals the record's queued entries, and when.

* **A sealer process** (:func:`follow`, ``communard seal --follow``): ``communard serve`` starts
  one beside its workers and marks the workers :func:`seal_elsewhere` (a server started another
  way sets ``COMMUNARD_RECORD_SEALER=process`` and runs the sealer beside it), so a commit only
  queues its entry and the request returns. The process seals whatever is queued, waits
  ``MIN_INTERVAL``, and again: under load each batch holds everything committed meanwhile (one
  lock, one write, one commit for many entries). One process for the whole server, so sealers
  never race each other for the same batch (with a sealer thread in each of four workers they
  did, and prepared batches were thrown away), and its hashing and signing run beside the
  requests rather than inside their interpreter lock.
* **Everywhere else** (command-line tools, tests): each commit seals its own entries right away,
  in the committing thread (``services._seal_after_commit``).

Entries left queued by a process that died are sealed by the next seal anywhere: the sealer
process, the next inline commit, a read of the record, ``communard tick`` or ``communard seal``.

Stopping: ``communard serve``'s sealer stops when the server's processes are gone
(:func:`until_closed`), not on a signal of its own, so its last seal follows the last commit
whichever way the server was stopped. See ``communard.cli.web_cmd.serve``.
"""

from __future__ import annotations

import logging
import os
import threading

from django.conf import settings
from django.db import connection

from communard.web.core import clock

log = logging.getLogger(__name__)

# The sealer process looks at the queue this often, so that a batch holds everything committed
# meanwhile (sealing costs an entry 3-6x less in batches of 100 than alone:
# bench/_record_actions.py). Readers never wait for it: the record's pages and API seal before
# they read.
MIN_INTERVAL = 0.2  # seconds


def follow(stop: threading.Event, interval: float = MIN_INTERVAL, *,
           watch_parent: bool = True) -> int:
    """The sealer process's loop: seal what is queued, wait ``interval``, again; until ``stop``
    is set or (``watch_parent``) the process that started this one is gone. Then one last seal
    that empties the queue. Returns how many entries it sealed.

    Under ``communard serve`` the caller sets ``stop`` only once every process that can commit
    is gone (:func:`until_closed`), and the parent is not watched: that last seal then comes
    after the last commit, so a stopped server leaves nothing queued."""
    from communard.web.records.services import SEAL_BATCH, seal

    parent = os.getppid()
    sealed = 0
    # The clock's due transitions (open, close and count polls) run on a thread beside the
    # sealing, so that a count never holds it up: web/core/clock.py.
    halt_clock = clock.start()
    try:
        while True:
            stopping = stop.is_set() or (watch_parent and os.getppid() != parent)
            if stopping:
                halt_clock()  # before the last round, which then seals the clock's last entries
            try:
                # One batch a round, of what committed since the last: no tail of tiny batches.
                # The last round drains the queue.
                done = seal(wait=True, once=not stopping)
            except Exception:  # the entries stay queued; the next round takes them
                log.exception("sealing the record's queued entries failed")
                connection.close()
                done = 0
            sealed += done
            if stopping:
                return sealed
            if done < SEAL_BATCH:  # a full batch means more are waiting: no pause then
                stop.wait(interval)
    finally:
        connection.close()


def until_closed(fd: int, stop: threading.Event) -> threading.Thread:
    """A thread that sets ``stop`` when ``fd``, the read end of a pipe, reaches end of file:
    when every process that held its write end has exited (however it exited, SIGKILL too).

    ``communard serve`` gives the write end to Granian's main process, and through fork to
    each of its workers, and keeps none itself: end of file means nothing can commit any more.
    A signal cannot say as much: under systemd's KillMode=control-group every process gets
    SIGTERM at once, and the workers still finish and commit the requests they hold; and the
    serve command's process can be gone while Granian still drains."""

    def wait() -> None:
        try:
            while os.read(fd, 1024):  # nobody writes; EINTR is retried (PEP 475)
                pass
        except OSError:  # not a pipe we can read: nothing to wait for
            log.exception("cannot read the server's pipe (fd %s); stopping", fd)
        stop.set()  # an ordinary thread, not a signal handler: the event's lock is safe here

    thread = threading.Thread(target=wait, name="communard-server-watch", daemon=True)
    thread.start()
    return thread


def seal_elsewhere(elsewhere: bool = True) -> None:
    """This process and the processes it starts leave sealing to a sealer process
    (:func:`follow`): their commits only queue entries (``False``: seal after commits again).

    It sets ``COMMUNARD_RECORD_SEALER``, the one switch: the setting, for this process and the
    ones it forks (their settings are already loaded), and the variable, for those started
    afresh (which read it into the setting)."""
    mode = "process" if elsewhere else "inline"
    settings.COMMUNARD_RECORD_SEALER = mode
    os.environ["COMMUNARD_RECORD_SEALER"] = mode


def sealed_elsewhere() -> bool:
    return bool(settings.COMMUNARD_RECORD_SEALER == "process")
