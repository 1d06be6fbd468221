"""``communard demo | serve | import | manage``: the web application's commands."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DEMO_HOST = "127.0.0.1"
DEMO_PORT = 8000
DEFAULT_WORKERS = len(os.sched_getaffinity(0))
# Threads per worker. A cast holds its thread while PostgreSQL makes its commit durable. When
# the disk's fsync slows for a moment, 4 threads a worker (8 casts in flight on 2 cores) let
# ballots queue behind the slow commits; 16 let PostgreSQL group more commits into each fsync
# (the sealed cast bench's p99 from due time: 146-168 ms with 4 threads, 34-38 ms with 16, in
# interleaved runs; docs/sealing.md). The CPU per ballot is the same. Each thread keeps one
# database connection (see ``connections_shortfall``).
DEFAULT_THREADS = 16
# Database connections the server holds besides one per worker thread: the record sealer's and
# the clock's (``communard seal --follow``).
SEALER_CONNECTIONS = 2


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "communard.web.settings")
    import django

    django.setup()


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="migrate, load the demo federation and serve it (what `make demo` runs)",
        description="Create the database if needed, load the demo federation once, and serve the "
        "web application with a production server.",
    )
    p.add_argument("--host", default=DEMO_HOST)
    p.add_argument("--port", type=int, default=DEMO_PORT)
    p.add_argument("--no-serve", action="store_true", help="load the demo and exit")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("serve", help="serve the web application (Granian, with the record's sealer)")
    p.add_argument("--host", default=DEMO_HOST)
    p.add_argument("--port", type=int, default=DEMO_PORT)
    # Django's request work is CPU-bound under the GIL, so processes use the cores; with durable
    # commits each request also waits for the WAL's fsync, and threads keep requests in flight
    # to share one flush. Each thread holds a database connection: cores × 4 stays within
    # PostgreSQL's default 100 connections up to 24 cores. bench/cast_bench.py, 30,000 voters
    # at 500/s on 2 cores (p99 latency from each ballot's due time, CPU busy), workers × threads:
    # 4 × 2: 291 ms, 91 %; 3 × 2: 196 ms, 83 %; 2 × 2: 168 ms, 76 %; 2 × 4: 59-150 ms, 67-80 %;
    # 2 × 8: 42-85 ms, 72-75 %; 1 × 4: 88 ms; 1 × 8: 43-53 ms, 70-73 %.
    p.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help=f"worker processes (default: one per core = {DEFAULT_WORKERS})",
    )
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                   help=f"threads per worker (default: {DEFAULT_THREADS})")
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    p.add_argument("--access-log", action="store_true", help="log every request (Granian's access log)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser(
        "import",
        help="build or extend a federation from a structure file and a membership CSV",
        description="Check both files completely; if anything is wrong, list every problem with "
        "file, line and field and import nothing. Otherwise import everything in one transaction. "
        "Running the same files again changes nothing.",
    )
    p.add_argument(
        "structure", type=Path, help="federation.toml: federation, constitution, councils"
    )
    p.add_argument(
        "members",
        type=Path,
        help="members CSV with columns number,name,council,admitted_on "
        "[,email,status,status_on,platforms]",
    )
    p.add_argument(
        "--as",
        dest="operator",
        default=None,
        help="operator name for the record (default: the login name)",
    )
    p.add_argument(
        "--max-errors", type=_positive, default=200, metavar="N",
        help="problems to print; the rest are counted (default 200)",
    )
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser(
        "call-election",
        help="call an election of a constituency's delegates, or of a council's office",
        description="Nominations open now (or --nominations-open); by default the poll opens "
        "and closes after the constitution's nomination and poll periods, which are minimums: "
        "a shorter calendar is refused, naming the rule, and so is a second election for seats "
        "an election not yet closed is filling. Times without a zone are in the federation's "
        "time zone.",
    )
    p.add_argument("federation", help="the federation's slug")
    p.add_argument("constituency", help="key of the council whose members vote")
    p.add_argument("--office", default="", help="elect this office of the council instead of "
                   "the council's delegates to the council above")
    p.add_argument("--nominations-open", type=_when, default=None, metavar="YYYY-MM-DDTHH:MM")
    p.add_argument("--poll-opens", type=_when, default=None, metavar="YYYY-MM-DDTHH:MM")
    p.add_argument("--poll-closes", type=_when, default=None, metavar="YYYY-MM-DDTHH:MM")
    p.add_argument("--as", dest="operator", default=None,
                   help="operator name for the record (default: the login name)")
    p.set_defaults(handler=cmd_call_election)

    p = sub.add_parser(
        "tick",
        help="open polls and close elections that are due (run it from cron or a systemd timer)",
        description="Freeze the rolls of polls that have opened, and close, count and publish "
        "every election whose poll has ended, and seal into the record any entries still "
        "queued. Safe to run as often as you like, and at the same time as the web server "
        "(whose sealer process does the same every few seconds): each election closes exactly "
        "once. A transition refused (an election whose row says open but whose result or record "
        "entry says closed) is named on stderr and the exit status is 1.",
    )
    p.set_defaults(handler=cmd_tick)

    p = sub.add_parser(
        "seal",
        help="seal the record's queued entries into its tree (--follow: keep sealing)",
        description="An action queues its record entry in its own transaction; sealing gives "
        "queued entries their place in the Merkle tree and a signed checkpoint. `communard "
        "serve` runs a sealer process of its own. Run this to seal what a crash left queued, "
        "or with --follow as a service beside a web server started some other way.",
    )
    p.add_argument("--follow", action="store_true",
                   help="keep sealing until stopped (SIGTERM or Ctrl-C seals what is left first)")
    p.add_argument("--interval", type=_seconds, default=None, metavar="SECONDS",
                   help="with --follow: pause between rounds, so each batch gathers what "
                   "committed meanwhile (default: 0.2)")
    # `communard serve`'s own sealer: stop when this pipe closes (every process of the web
    # server that could commit is gone), not on a signal.
    p.add_argument("--until-closed", type=int, default=None, metavar="FD",
                   help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_seal)

    p = sub.add_parser(
        "manage",
        help="run a Django management command (migrate, createsuperuser, …)",
        add_help=False,
    )
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_manage)


def _when(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date and time (YYYY-MM-DDTHH:MM)"
        ) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 0 < value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 1000000")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 < s ≤ 3600)")
    return value


def cmd_call_election(args: argparse.Namespace) -> int:
    setup_django()
    import zoneinfo

    from django.db import transaction

    from communard.constitution.permissions import OperatorActor
    from communard.web.councils.models import Council
    from communard.web.elections.actions import do_call_election
    from communard.web.elections.errors import ElectionError

    council = (
        Council.objects.select_related("federation", "parent")
        .filter(federation__slug=args.federation, key=args.constituency)
        .first()
    )
    if council is None:
        print(f"no council {args.constituency!r} in federation {args.federation!r}",
              file=sys.stderr)
        return 1
    tz = zoneinfo.ZoneInfo(council.federation.time_zone)

    def aware(value: dt.datetime | None) -> dt.datetime | None:
        return value if value is None or value.tzinfo else value.replace(tzinfo=tz)

    try:
        with transaction.atomic(durable=True):  # the command is the entry point
            election = do_call_election(  # times left out follow the constitution's calendar
                council, kind="office" if args.office else "delegates", office=args.office,
                nominations_open_at=aware(args.nominations_open),
                poll_opens_at=aware(args.poll_opens), poll_closes_at=aware(args.poll_closes),
                actor=OperatorActor(args.operator or getpass.getuser()),
            )
    except ElectionError as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return 1
    opens, closes = (t.astimezone(tz) for t in (election.poll_opens_at, election.poll_closes_at))
    print(f"election {election.pk} called: {election.title}, {election.seats} seat(s); "
          f"poll {opens:%Y-%m-%d %H:%M} – {closes:%Y-%m-%d %H:%M} "
          f"{tz.key}; roll: members admitted by {election.roll_cutoff:%Y-%m-%d}")
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    setup_django()
    from communard.web.core import clock
    from communard.web.records.services import seal

    report = clock.run_due()  # each transition in its own durable transaction
    sealed = seal()  # entries a crash left queued between an action's commit and its seal
    print(report.summary()
          + (f", {sealed} queued record entries sealed" if sealed else ""))
    for _duty, subject, reason in report.refused:
        print(f"refused: {subject}: {reason}", file=sys.stderr)
    # Non-zero, so cron or the timer tells the operator: a refusal needs a person to look.
    return 1 if report.refused else 0


def cmd_seal(args: argparse.Namespace) -> int:
    setup_django()
    from communard.web.records import sealer
    from communard.web.records.services import seal

    if not args.follow:
        sealed = seal()
        print(f"{sealed} queued record entries sealed")
        return 0
    import signal

    # A signal handler runs in the main thread between any two of its bytecodes, so it must
    # take no lock: when it called stop.set() while the loop, in this thread, was inside
    # stop.wait() holding the event's lock, it waited for that lock forever (a sealer left
    # running, orphaned, after its server was gone). The handler only notes the signal; the
    # loop runs in a thread of its own, and this one passes the signal on.
    #
    # Under `communard serve` (--until-closed) a signal does not stop it: the server's workers
    # may still be committing (systemd's KillMode=control-group signals every process at once),
    # so it seals on until the pipe says they are all gone, then seals what is left.
    stop = threading.Event()
    signalled: list[int] = []
    sealed: list[int] = []
    server_mode = args.until_closed is not None
    loop = threading.Thread(
        target=lambda: sealed.append(sealer.follow(stop, args.interval or sealer.MIN_INTERVAL,
                                                   watch_parent=not server_mode)),
        name="communard-sealer",
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _: signalled.append(signum))
    if server_mode:
        sealer.until_closed(args.until_closed, stop)
    loop.start()
    told = False
    while loop.is_alive():
        loop.join(0.2)
        if signalled and not server_mode:
            stop.set()
        elif signalled and not told:
            print("sealer: signal received; sealing until the server's processes are gone",
                  flush=True)
            told = True
    if not sealed:  # the loop died of an exception, already printed by the thread
        return 1
    print(f"sealer stopped: {sealed[0]} record entries sealed", flush=True)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["communard manage", *args.args])
    return 0


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


@contextlib.contextmanager
def _bar(label: str, total: int) -> Iterator[Any]:
    from tqdm import tqdm

    with tqdm(
        total=total,
        desc=label,
        unit="B",
        unit_scale=True,
        file=sys.stderr,
        disable=None,
        leave=False,
    ) as bar:
        yield bar.update


def cmd_import(args: argparse.Namespace) -> int:
    setup_django()
    migrate()
    from communard.constitution.permissions import OperatorActor
    from communard.web.members.importing import ImportRejected, do_import

    who = OperatorActor(args.operator or getpass.getuser())
    try:
        report = do_import(args.structure, args.members, actor=who, progress=_bar,
                           max_problems=args.max_errors)
    except ImportRejected as rejected:
        for problem in rejected.problems:
            print(problem, file=sys.stderr)
        if rejected.more:
            print(f"… and {rejected.more} more (--max-errors N shows the first N)",
                  file=sys.stderr)
        print(f"{rejected.total} problem(s) found; nothing was imported.", file=sys.stderr)
        return 2  # bad input, as argparse's own usage errors
    verb = "created" if report.federation_created else "updated"
    print(
        f"federation {report.federation!r} {verb}: {report.members_added} members added, "
        f"{report.members_unchanged} unchanged, {report.platforms_added} platforms added, "
        f"{report.delegates_seated} founding delegates seated, "
        f"{len(report.seats_changed)} councils' seats changed"
    )
    return 0


def collect_static() -> None:
    """Gather the static files into STATIC_ROOT, compressed, for WhiteNoise to serve."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def serve(host: str, port: int, workers: int, threads: int, access_log: bool = False) -> int:
    """Serve the WSGI application with Granian until SIGINT or SIGTERM, with the record's sealer
    process beside it; returns the exit status.

    Granian parses HTTP in Rust and hands each request to one of a worker's Python threads: on
    the cast bench that took a third off the server's CPU per ballot against gunicorn's gthread
    workers (docs/elections.md).

    This process supervises two children: Granian's main process (which forks the workers) and
    the sealer, each in a session of its own. Signals reach Granian only through this process,
    as one SIGTERM to its main process, which stops the workers. (When a Ctrl-C at the terminal
    reached the workers directly as well, Granian 2.8's workers now and then would not stop
    until it killed them 10 s later: two runs in five, with a bare WSGI application too.)

    The sealer stops last, whichever way the server is stopped: SIGTERM or SIGINT to this
    process or to its process group, SIGTERM to every process at once (systemd's default
    KillMode=control-group), or this process killed outright. Granian's main process and,
    through fork, each of its workers hold the write end of a pipe that nothing else holds;
    the sealer holds the read end, ignores signals, and stops when the pipe reaches end of
    file, that is when the last process that could commit is gone; then it seals what is
    queued and exits. (It used to stop on its own signal, or when this process was gone, while
    Granian's workers were still committing the requests they held: entries stayed queued.)
    """
    import multiprocessing
    import signal
    import socket

    try:  # a clear refusal here, rather than a traceback from Granian's process
        socket.create_server((host, port)).close()
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        print(f"communard: cannot listen on {host}:{port}: {reason}", file=sys.stderr)
        return 1
    shortfall = connections_shortfall(workers, threads)
    if shortfall is not None:
        print(f"communard: {shortfall}", file=sys.stderr)
        return 1
    print(f"Communard is serving at http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    collect_static()
    from django.db import connections

    from communard.web.records import sealer

    sealer.seal_elsewhere()  # the workers only queue record entries, however they are started
    connections.close_all()  # no connection of this process may be shared with its children
    http = multiprocessing.get_context("fork").Process(
        target=_run_granian, args=(host, port, workers, threads, access_log), name="granian"
    )
    # Granian and its forked workers inherit the write end; this process lets go of it at once
    # (and the sealers it starts never get it), so end of file means Granian is all gone.
    server_gone, server_alive = os.pipe()
    try:
        http.start()  # before the sealer's watch thread: fork a process that has one thread
    finally:
        os.close(server_alive)

    stopping: list[int] = []

    def forward(signum: int, frame: Any) -> None:
        stopping.append(signum)
        if http.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(http.pid, signal.SIGTERM)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)
    process = SealerProcess(_serve_log(), server_gone)
    process.start()
    try:
        while http.exitcode is None:
            http.join(RESTOP_SECONDS)
            if stopping and http.exitcode is None and http.pid is not None:
                # Granian loses a stop that reaches a worker after the worker set its signal
                # handler and before its server waits on that handler's event (seen under load:
                # "Killing worker-2 after it refused to gracefully stop", GRACEFUL_SECONDS
                # later). So while Granian is stopping, its process group (its main process
                # and its workers: it runs in a session of its own) is told again each
                # RESTOP_SECONDS; a worker already draining only sets its event again.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(http.pid, signal.SIGTERM)
    finally:
        process.stop()
    return http.exitcode or 0


def connections_shortfall(workers: int, threads: int) -> str | None:
    """Why PostgreSQL cannot take the connections this server would open under load, or None.

    Each worker thread keeps a connection of its own, opened at its first request: a server
    whose threads outnumber what PostgreSQL admits starts, then fails ballots with "too many
    clients" at the busiest moment of a vote. Better refused at the start, naming the fix."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None  # SQLite opens files, not server connections
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int, "
            "current_setting('superuser_reserved_connections')::int, "
            "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid())")
        most, reserved, in_use = cursor.fetchone()
    connection.close()
    free = most - reserved - in_use
    needed = workers * threads + SEALER_CONNECTIONS
    if needed <= free:
        return None
    return (f"PostgreSQL admits {free} more connection(s) (max_connections {most}, "
            f"{reserved} reserved for superusers, {in_use} in use), and this server needs "
            f"{needed}: one per thread ({workers} worker(s) x {threads} thread(s)) and "
            f"{SEALER_CONNECTIONS} for the record's sealer and clock. Serve with fewer "
            "(--workers, --threads) or raise max_connections in postgresql.conf")


def _run_granian(host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    """Granian's main process, in a session of its own (see ``serve``); it stops its workers
    and exits if the serve command's process is gone."""
    import signal

    os.setsid()
    parent = os.getppid()

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch_parent, name="communard-parent-watch", daemon=True).start()
    # Granian forks its workers from this process, whose SIGINT/SIGTERM handler (Granian's own,
    # which only sets a flag of the main process) they would keep until they have loaded the
    # application: a stop sent while one is still loading was lost, and it served on until
    # killed GRACEFUL_SECONDS later. A worker starts with the default action instead (it has
    # nothing to drain yet), until Granian's worker code installs its own graceful handler.
    os.register_at_fork(after_in_child=_default_stop_signals)
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces

    Granian(
        "communard.web.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        http=HTTPModes.http1,
        websockets=False,
        workers=workers,
        blocking_threads=threads,
        runtime_threads=1,
        respawn_failed_workers=True,
        workers_kill_timeout=GRACEFUL_SECONDS,
        log_access=access_log,
    ).serve()


def _default_stop_signals() -> None:
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


# How long a stopping server gives its requests in flight before its workers are killed.
GRACEFUL_SECONDS = 10
# How often a stopping server's workers are told again to stop (see ``serve``).
RESTOP_SECONDS = 1.0


def _serve_log() -> logging.Logger:
    """The serve command's own log lines (the sealer process's start, loss and stop), on
    stderr beside Granian's."""
    log = logging.getLogger("communard.serve")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


class SealerProcess:
    """`communard serve`'s record sealer: a child of the serve command's process, started again
    if it dies (checked every second); it stops by itself once Granian's processes are gone
    (``server_gone`` is the read end of their pipe, see ``serve``)."""

    CHECK_EVERY = 1.0  # seconds

    def __init__(self, log: logging.Logger, server_gone: int) -> None:
        self.log = log
        self.server_gone = server_gone
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        self._spawn()
        threading.Thread(target=self._watch, name="communard-sealer-watch", daemon=True).start()

    def _spawn(self) -> None:
        # Its own session: a Ctrl-C at the terminal reaches the server's process group only, and
        # the sealer stops when stop() tells it, after the workers (or when this process is gone).
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "communard", "seal", "--follow",
             "--until-closed", str(self.server_gone)],
            start_new_session=True, pass_fds=(self.server_gone,),
        )
        self.log.info("Record sealer process started (pid %s)", self.proc.pid)

    def _watch(self) -> None:
        while not self._stopping.wait(self.CHECK_EVERY):
            with self._lock:
                if self._stopping.is_set() or self.proc is None or self.proc.poll() is None:
                    continue
                self.log.error("Record sealer process (pid %s) is gone; starting another",
                               self.proc.pid)
                self._spawn()

    def stop(self) -> None:
        """Called once Granian has stopped: no sealer is started any more, and this waits for
        the sealer, which saw the pipe close, to seal what the workers left queued and exit."""
        with self._lock:
            self._stopping.set()
            proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a worker of Granian's outlived it, holding the pipe
            self.log.error("the record sealer did not stop within 60 s; killing it "
                           "(`communard seal` seals what it left queued)")
            proc.kill()
            proc.wait()


def cmd_serve(args: argparse.Namespace) -> int:
    setup_django()
    if not args.no_migrate:
        migrate()
    return serve(args.host, args.port, args.workers, args.threads, access_log=args.access_log)


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django()
    migrate()
    from django.conf import settings

    from communard.web.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo, write_demo_teller_keys

    created = load_demo()
    keys = write_demo_teller_keys(settings.CONFIG.data_dir / "demo-tellers")
    url = f"http://{args.host}:{args.port}/"
    print("The demo federation is " + ("loaded." if created else "already there."))
    print(f"\n  Open {url}\n")
    print(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, what in DEMO_LOGINS.items():
        print(f"    {username:<10} {what}")
    print(f"  The tellers' delivery keys (passphrase {DEMO_PASSWORD}): {keys[0].parent}/")
    print(flush=True)
    if args.no_serve:
        return 0
    return serve(args.host, args.port, workers=DEFAULT_WORKERS, threads=DEFAULT_THREADS)
