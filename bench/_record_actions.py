"""What the record costs an action: ``do_admit_member`` timed with the record as wired and with it
switched off, on SQLite and on PostgreSQL.

Django is configured once per process, so each database is measured in a child process of its
own (this file run with ``--child``) on a freshly migrated database in a temporary directory.

The comparison is interleaved: blocks of admissions alternate between the variants, so the
growing member table and any drift of the machine weigh on each variant alike. Variants:

* ``record``     - the action as a server runs it: ``record.append`` of ``member.admitted``
  (seats move only at a census since issue 13) queues the entry in the action's transaction,
  and a sealer process (``communard seal --follow``, which ``communard serve`` starts beside its
  workers) seals batches into the tree. The block's time runs until the
  queue is empty (what the sealer has not reached by the block's end is sealed here), so all
  of the record's work on the critical path is counted (what sealing costs per entry, on the
  sealer's side, is timed on its own below);
* ``inline seal``- the same, but every commit seals its own entries in the committing thread
  (what command-line tools do): two transactions per action, no batching;
* ``no append``  - ``communard.web.records.services.append`` replaced by a no-op: the baseline.

Every caller reaches the record as the module attribute ``record.append``
(``from communard.web.records import services as record``), so replacing the attribute on the
``services`` module object switches it off everywhere; the child asserts that both callers hold
that module and that the entry count does not move while it is switched off.
``record.personal`` (one salted commitment and an ``Opening`` row per admission) stays on in
both variants; its cost is timed on its own below.

PostgreSQL runs with its default durability (``fsync=on``, ``synchronous_commit=on``): the
test suite's throwaway server turns both off, which would make "durable" appends not durable.
SQLite runs with the application's own settings (WAL, ``synchronous=NORMAL``).

    python bench/_record_actions.py [--n 2000] [--only sqlite|postgres] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_SHARE = 10.0  # per cent of an action's transaction time
VARIANTS = ("record", "inline seal", "no append")
BLOCK = 50  # admissions per variant before switching to the next


# ---------------------------------------------------------------- parent: servers, children


def _run_child(label: str, url: str | None, n: int, profile: bool) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory(prefix="communard-recbench-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(DJANGO_SETTINGS_MODULE="communard.web.settings", COMMUNARD_DATA_DIR=tmp,
                   COMMUNARD_SECRET_KEY="bench-not-secret")
        if url:
            env["DATABASE_URL"] = url
        cmd = [sys.executable, __file__, "--child", label, "--n", str(n)]
        if profile:
            cmd.append("--profile")
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"{label}: child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        return None
    out, _, payload = proc.stdout.rpartition("\nRESULT ")
    if out.strip():
        print(out.strip())
    result: dict[str, Any] = json.loads(payload)
    return result


def _report(r: dict[str, Any]) -> None:
    t = r["seconds"]
    n = r["n"]
    full, base = t["record"], t["no append"]
    share = 100 * (full - base) / full
    per = {k: 1000 * v / n for k, v in t.items()}
    ok = "MET" if share < TARGET_SHARE else "MISSED"
    print(f"\n-- {r['label']} ({r['db']}; {n:,} admissions per variant, interleaved in blocks "
          f"of {BLOCK}; federation of {r['start_members']:,} members to start) --")
    for k in VARIANTS:
        print(f"  {k:<11} {n / t[k]:8,.0f} actions/s   {per[k]:6.3f} ms/action"
              f"   (median call {r['median_ms'][k]:.3f} ms)")
    print(f"  record's share of the action's time (sealing included): {share:5.1f} %  "
          f"(+{per['record'] - per['no append']:.3f} ms/action; by median calls "
          f"{100 * (1 - r['median_ms']['no append'] / r['median_ms']['record']):.1f} %)"
          f"   target < {TARGET_SHARE:.0f} %: {ok}")
    print(f"  ... median over the {n // BLOCK} rounds of blocks of each round's share: "
          f"{r['paired_share_median']:5.1f} %")
    p_ms = r["personal_alone"]["mean"] * r["personals_per_action"]
    print(f"  ... counting the salted commitment (services.personal, {p_ms:.3f} ms/action) as the "
          f"record's too: {100 * (full - base + p_ms * n / 1000) / full:5.1f} %")
    inline = t["inline seal"]
    print(f"  with every commit sealing inline (no sealer process): "
          f"{100 * (inline - base) / inline:5.1f} %")
    print(f"  durable appends through the action: {r['appends']:,} in {full:.2f} s = "
          f"{r['appends'] / full:,.0f} appends/s "
          f"({r['appends'] / n:.2f} per admission: member.admitted + seats.apportioned)")
    a, c, p = r["append_alone"], r["append_commit"], r["personal_alone"]
    print(f"  services.append alone in a transaction ({a['n']:,} calls): p50 {a['p50']:.3f} ms  "
          f"p99 {a['p99']:.3f} ms; with BEGIN..COMMIT p50 {c['p50']:.3f} ms  "
          f"p99 {c['p99']:.3f} ms  ({1000 / c['mean']:,.0f} standalone appends/s)")
    print(f"  services.personal alone in a transaction: p50 {p['p50']:.3f} ms  "
          f"p99 {p['p99']:.3f} ms  (= {100 * p['mean'] / per['record']:.1f} % of an action)")
    print("  sealing, per entry, by batch size: " + ", ".join(
        f"{b}: {ms:.3f} ms" for b, ms in r["seal_ms"].items()))
    if r.get("profile"):
        print(f"  cProfile of {r['profile_n']} admissions with the record (cumulative, top):")
        print("    " + r["profile"].rstrip().replace("\n", "\n    "))


def bench_appends(n: int = 2000, only: str | None = None, profile: bool = False) -> None:
    print("\n== durable appends through the app's action path (do_admit_member) ==")
    results = []
    if only in (None, "sqlite"):
        r = _run_child("SQLite", None, n, profile)
        if r:
            results.append(r)
            _report(r)
    if only in (None, "postgres"):
        try:
            from tests.postgres import running_postgres

            # PostgreSQL's default durability (fsync on): the real cost of a commit.
            server = running_postgres(durable=True)
            url = server.__enter__()
        except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
            print(f"\n-- PostgreSQL: not run ({e}) --")
        else:
            try:
                r = _run_child("PostgreSQL", url, n, profile)
            finally:
                server.__exit__(None, None, None)
            if r:
                results.append(r)
                _report(r)


# ---------------------------------------------------------------- child: one database


def _percentiles(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"n": len(s), "p50": s[len(s) // 2], "p99": s[min(len(s) - 1, int(len(s) * 0.99))],
            "mean": statistics.fmean(s)}


def _child(label: str, n: int, profile: bool) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)

    from tests.web.factories import small_federation

    from communard.constitution.permissions import OperatorActor
    from communard.web.councils.models import Council
    from communard.web.members import actions
    from communard.web.records import sealer, services
    from communard.web.records.models import Entry, Opening, QueuedEntry

    # Same module object everywhere: patching services' attributes reaches every caller.
    assert actions.record is services
    from communard.web.councils import pyramid

    assert pyramid.record is services

    start_sizes = {"w1": 120, "w2": 90, "w3": 90}
    with tempfile.TemporaryDirectory() as tmp:
        federation = small_federation(Path(tmp), start_sizes, slug="bench")
    bases = list(Council.objects.filter(federation=federation, tier="workplace").order_by("key"))
    start_members = sum(start_sizes.values())
    next_number = start_members + 1
    on = dt.date(2025, 3, 18)

    real_append = services.append

    def noop_append(kind: str, body: Any, *, actor: str = "", at: Any = None) -> None:
        return None

    # One sealer process for the whole run, as `communard serve` has: it finds nothing queued
    # while the other variants run (they seal inline or append nothing).
    sealer_process = subprocess.Popen([sys.executable, "-m", "communard", "seal", "--follow"],
                                      stdout=subprocess.DEVNULL)

    def switch(variant: str) -> None:
        sealer.seal_elsewhere(variant == "record")  # as in a worker of `communard serve`
        services.append = noop_append if variant == "no append" else real_append  # type: ignore

    def drain() -> None:
        """Seal what the sealer process has not reached yet, here, so the block's time holds
        all the record's work but none of the sealer's gathering pause."""
        services.seal()
        assert not QueuedEntry.objects.exists()

    def admit() -> None:
        nonlocal next_number
        number = str(next_number)
        next_number += 1
        actions.do_admit_member(federation, number=number, name=f"Member {number}",
                                council=bases[next_number % len(bases)], admitted_on=on,
                                actor=OperatorActor("bench"))

    # Warm-up: connection, caches, signing key, query compilation.
    for v in VARIANTS:
        switch(v)
        for _ in range(20):
            admit()

    samples: dict[str, list[float]] = {v: [] for v in VARIANTS}
    block_seconds: dict[str, float] = dict.fromkeys(VARIANTS, 0.0)
    paired_shares: list[float] = []  # per round of blocks: robust to the machine's drift
    openings_before = Opening.objects.count()
    appends = 0
    done = 0
    while done < n:
        k = min(BLOCK, n - done)
        this_round: dict[str, float] = {}
        for v in VARIANTS:
            switch(v)
            before = Entry.objects.count()
            s = samples[v]
            t_block = time.perf_counter()
            for _ in range(k):
                t0 = time.perf_counter()
                admit()
                s.append(time.perf_counter() - t0)
            drain()
            block_seconds[v] += time.perf_counter() - t_block
            this_round[v] = time.perf_counter() - t_block
            made = Entry.objects.count() - before
            if v == "record":
                appends += made
            elif v == "no append" and made:
                raise AssertionError(f"{made} entries appended with the record off ({v})")
        paired_shares.append(
            100 * (this_round["record"] - this_round["no append"]) / this_round["record"])
        done += k
    switch("inline seal")  # the standalone timings below seal inline, one commit at a time
    sealer_process.terminate()
    sealer_process.wait()
    personals_per_action = (Opening.objects.count() - openings_before) / (len(VARIANTS) * n)

    # services.append on its own, inside a transaction, per call.
    alone: list[float] = []
    whole: list[float] = []
    body = {"federation": "bench", "member": services.personal("x"), "council": "w1",
            "on": on.isoformat()}
    for _ in range(min(n, 1000)):
        t0 = time.perf_counter()
        with transaction.atomic(durable=True):
            t1 = time.perf_counter()
            services.append("member.admitted", body, actor="operator:bench")
            alone.append(time.perf_counter() - t1)
        whole.append(time.perf_counter() - t0)

    # What sealing costs per entry, by batch size: queue a batch (without the commit's own
    # seal), then time one seal() of it.
    from communard.record import Queued
    from communard.web.records.store import enqueue

    seal_ms: dict[int, float] = {}
    for size in (1, 10, 100, 1000):
        spent, entries = 0.0, 0
        while entries < 2000:
            with transaction.atomic(durable=True):
                for _ in range(size):
                    enqueue(Queued.of("member.admitted", body, actor="operator:bench"))
            t0 = time.perf_counter()
            entries += services.seal()
            spent += time.perf_counter() - t0
        seal_ms[size] = 1000 * spent / entries

    personal: list[float] = []
    for i in range(min(n, 1000)):
        with transaction.atomic(durable=True):
            t1 = time.perf_counter()
            services.personal(f"p{i}")
            personal.append(time.perf_counter() - t1)

    result: dict[str, Any] = {
        "label": label,
        "db": f"{connection.vendor} {'.'.join(map(str, connection.Database.sqlite_version_info)) if connection.vendor == 'sqlite' else connection.pg_version}",  # noqa: E501
        "n": n,
        "start_members": start_members,
        "seconds": block_seconds,
        "paired_share_median": statistics.median(paired_shares),
        "seal_ms": seal_ms,
        "personals_per_action": personals_per_action,
        "median_ms": {v: 1000 * statistics.median(s) for v, s in samples.items()},
        "appends": appends,
        "append_alone": {k: (v * 1000 if k != "n" else v) for k, v in _percentiles(alone).items()},
        "append_commit": {k: (v * 1000 if k != "n" else v) for k, v in _percentiles(whole).items()},
        "personal_alone": {k: (v * 1000 if k != "n" else v)
                           for k, v in _percentiles(personal).items()},
    }
    if profile:
        m = min(n, 500)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(m):
            admit()
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("cumulative").print_stats(30)
        result["profile"] = _trim_profile(buf.getvalue())
        result["profile_n"] = m
    return result


def _trim_profile(text: str) -> str:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith("ncalls"):
            return "\n".join(lines[i:])
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="admissions per variant")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--profile", action="store_true", help="also cProfile the action")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = _child(args.child, args.n, args.profile)
        sys.stdout.write("\nRESULT " + json.dumps(result) + "\n")
        return 0
    bench_appends(args.n, args.only, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
