"""What the write-once guards cost the writes that remain: inserts, and every statement.

The guards (``core/writeonce.py``) are UPDATE/DELETE/TRUNCATE triggers, so an INSERT should not
pay for them; the execute wrapper that maps their refusals runs on every statement. This
measures both on one throwaway PostgreSQL and on SQLite, in alternating rounds so that the
machine's other load falls on both sides alike, and prints the ratios (median of the rounds):

* the casting path's inserts (a mark, a ballot, a queued record entry: one transaction each)
  with every guard in place against the same with the guards' migrations reversed;
* ``SELECT 1`` through Django's cursor with the refusal-mapping wrapper and without it.

    python bench/write_once_bench.py [--rounds 7] [--inserts 1500]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Untimed casts after each switch: the DDL that drops or makes the triggers invalidates the
# database's cached plans, which the next statements pay for on either side.
WARM = 100
GUARD_MIGRATIONS = [("elections", "0004_write_once_guards"), ("records", "0005_write_once_guards")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--inserts", type=int, default=1500, help="casts per round and side")
    parser.add_argument("--selects", type=int, default=20000, help="statements per round")
    args = parser.parse_args()
    from tests.postgres import running_postgres

    with tempfile.TemporaryDirectory(prefix="writeonce-") as tmp:
        for name in ("SQLite", "PostgreSQL"):
            if name == "PostgreSQL":
                # Without fsync: what is left is the statements' own work, where a trigger's
                # cost would show; with fsync each commit's flush would hide it.
                with running_postgres() as pg:
                    measure(name, pg, Path(tmp) / "pg", args)
            else:  # the default: a file in COMMUNARD_DATA_DIR
                measure(name, None, Path(tmp) / "lite", args)


def measure(name: str, url: str | None, folder: Path, args: argparse.Namespace) -> None:
    """One database, in a child process (Django is configured once per process)."""
    folder.mkdir()
    env = {**os.environ, "COMMUNARD_DATA_DIR": str(folder)}
    env.pop("DATABASE_URL", None)
    if url is not None:
        env["DATABASE_URL"] = url
    communard = str(Path(sys.executable).with_name("communard"))
    subprocess.run([communard, "manage", "migrate", "-v", "0"], env=env, check=True)
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(args.rounds), str(args.inserts),
         str(args.selects)],
        env=env, capture_output=True, text=True,
    )
    if out.returncode:
        sys.exit(f"{name}: the measuring process failed:\n{out.stderr}")
    result = json.loads(out.stdout.splitlines()[-1])
    print(f"{name}: casting inserts, µs per cast (median of {args.rounds} rounds of "
          f"{args.inserts}): guarded {result['guarded']:.0f}, unguarded "
          f"{result['unguarded']:.0f}; ratio {result['guarded'] / result['unguarded']:.3f}")
    print(f"{name}: SELECT 1, µs per statement: with the refusal wrapper "
          f"{result['wrapped']:.2f}, without {result['bare']:.2f}; ratio "
          f"{result['wrapped'] / result['bare']:.3f}")


def child(rounds: int, inserts: int, statements: int) -> None:
    from communard.cli.web_cmd import setup_django

    setup_django()
    from django.apps import apps
    from django.db import connection, transaction
    from tests.web.elections_helpers import open_election
    from tests.web.factories import small_federation

    from communard.record import Queued
    from communard.web.core.writeonce import refusals_as_immutable
    from communard.web.records.store import enqueue

    with tempfile.TemporaryDirectory() as tmp:
        voters = (inserts + WARM) * (2 * rounds + 1) + 10
        fed = small_federation(Path(tmp), {"w1": voters, "w2": 1, "w3": 1})
    election = open_election(fed, "w1", ["1", "2"])
    entries = iter(election.roll.values_list("pk", flat=True).order_by("pk"))
    mark = "INSERT INTO elections_mark (entry_id) VALUES (%s)"
    ballot = "INSERT INTO elections_ballot (tracking_code, election_id, ranking) VALUES (%s, %s, %s)"
    counter = iter(range(10**9))

    def casts(n: int = inserts) -> float:
        t = time.perf_counter()
        for _ in range(n):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(mark, [next(entries)])
                cursor.execute(ballot, [f"B{next(counter)}", election.pk, "[1, 2]"])
                enqueue(Queued.of("bench.cast", {"election": election.pk}))
        return (time.perf_counter() - t) / n * 1e6

    @contextmanager
    def unguarded() -> Iterator[None]:
        steps = [importlib.import_module(f"communard.web.{app}.migrations.{module}")
                 .Migration.operations[0] for app, module in GUARD_MIGRATIONS]
        with connection.schema_editor() as editor:
            for step in steps:
                step.reverse_code(apps, editor)
        try:
            yield
        finally:
            with connection.schema_editor() as editor:
                for step in steps:
                    step.code(apps, editor)

    def selects() -> float:
        t = time.perf_counter()
        with connection.cursor() as cursor:
            for _ in range(statements):
                cursor.execute("SELECT 1")
        return (time.perf_counter() - t) / statements * 1e6

    @contextmanager
    def bare() -> Iterator[None]:
        connection.execute_wrappers.remove(refusals_as_immutable)
        try:
            yield
        finally:
            connection.execute_wrappers.insert(0, refusals_as_immutable)

    connection.ensure_connection()
    assert refusals_as_immutable in connection.execute_wrappers
    casts()  # warm up: caches, the planner, the file
    found: dict[str, list[float]] = {k: [] for k in ("guarded", "unguarded", "wrapped", "bare")}
    for r in range(rounds):
        # Each side goes first in every other round: the tables grow as the rounds go.
        for guarded in (True, False) if r % 2 == 0 else (False, True):
            if guarded:
                casts(WARM)
                found["guarded"].append(casts())
                found["wrapped"].append(selects())
                continue
            with unguarded():
                casts(WARM)
                found["unguarded"].append(casts())
            with bare():
                found["bare"].append(selects())
    print(json.dumps({k: statistics.median(v) for k, v in found.items()}))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*(int(a) for a in sys.argv[2:]))
    else:
        main()
