"""Sign a recall petition 20,000 times through the API, in a 100,000-member constituency, on
PostgreSQL behind ``communard serve``.

What it does, all on loopback and in temporary folders (the federation, the sessions, the
server and the load client are ``bench/cast_bench.py``'s):

1. starts a throwaway PostgreSQL with its default durability (a 200 answer means the signature
   is on disk);
2. imports a federation whose district ``d0`` has ``--members`` members, with member 1 its
   founding delegate to the congress (``communard import``, a separate process);
3. in this process: one user and ready session per signer (bench fixture data, as the cast
   bench makes them), and the petition against member 1's mandate, opened through
   ``do_open_petition`` by a member of d0 (its roll of ``--members`` and its threshold, 20% of
   them, frozen at filing; every member of the roll notified): timed and printed;
4. starts ``communard serve``; the load client sends ``POST
   /api/recalls/petitions/{id}/signature`` for each of ``--signers`` members, open loop at
   ``--rate`` per second (the first ``--warmup`` untimed, closed loop), keep-alive connections;
5. prints throughput, p50/p99 latency from each request's due time, statuses, and checks that
   the petition's count, the signature rows and the ``recall.signed`` entries all equal the 200
   answers, and that the last signature met the threshold.

    python bench/recall_bench.py [--members 100000] [--signers 20000] [--rate 500] [--quick]

Targets (issue 15, on a 2-core machine): ≥ 500 signatures/s, p99 < 200 ms, none lost.
There is no peer to compare with: no other tool has recall petitions (issue 15).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cast_bench import (  # noqa: E402  (after the path is set)
    HOST,
    SECRET,
    create_voter_sessions,
    free_port,
    http_get,
    log,
    pct,
    run,
    settle,
    write_federation,
)
from bench.cast_load import Client  # noqa: E402


def sign_request(port: int, petition: int, session: str, csrf: str) -> bytes:
    return (
        f"POST /api/recalls/petitions/{petition}/signature HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n"
        "Content-Length: 0\r\n"
        f"Cookie: sessionid={session}; csrftoken={csrf}\r\n"
        f"X-CSRFToken: {csrf}\r\n"
        "\r\n"
    ).encode()


async def load(port: int, petition: int, signers: list[list[str]], rate: float, warmup: int,
               concurrency: int, max_seconds: float) -> dict[str, Any]:
    """Open loop: request *i* is due at ``start + i / rate``; latency counts from then."""
    requests = [sign_request(port, petition, s, c) for s, c in signers]
    statuses: dict[str, int] = {}
    latencies: list[float] = []
    done_at: list[float] = []
    refusals: list[str] = []
    next_index = 0

    async def connection(end: int, start: float, timed: bool) -> None:
        nonlocal next_index
        client = Client(HOST, port)
        try:
            while next_index < end:
                i = next_index
                next_index += 1
                due = start + (i - warmup) / rate if timed and rate > 0 else time.perf_counter()
                if time.perf_counter() > start + max_seconds:
                    return
                if due > time.perf_counter():
                    await asyncio.sleep(due - time.perf_counter())
                try:
                    async with asyncio.timeout(30):
                        status, body = await client.request(requests[i])
                except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, OSError) as e:
                    client.close()
                    status, body = 0, repr(e).encode()
                finished = time.perf_counter()
                if timed:
                    latencies.append(finished - due)
                    done_at.append(finished - start)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if status != 200 and len(refusals) < 10:
                    refusals.append(f"{status} {body[:200].decode(errors='replace')}")
        finally:
            client.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection(warmup, start, False) for _ in range(8)))
    start = time.perf_counter()
    await asyncio.gather(*(connection(len(requests), start, True) for _ in range(concurrency)))
    return {"statuses": statuses, "latencies": latencies, "done_at": done_at,
            "refusals": refusals, "elapsed": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--signers", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=500.0,
                        help="signatures/s offered, open loop (0: closed loop)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 5,000 members, 1,000 signers")
    args = parser.parse_args()
    if args.quick:
        args.members, args.signers, args.warmup = 5000, 1000, 100
    if args.signers + 1 > args.members:
        parser.error("--signers must be fewer than --members")

    from tests.postgres import running_postgres

    with tempfile.TemporaryDirectory(prefix="recallbench-") as tmp, \
            running_postgres(durable=True) as url:
        folder = Path(tmp)
        env = {**os.environ, "DATABASE_URL": url, "COMMUNARD_DATA_DIR": str(folder),
               "COMMUNARD_SECRET_KEY": SECRET}
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "COMMUNARD_DATA_DIR",
                                              "COMMUNARD_SECRET_KEY")})
        communard = str(Path(sys.executable).with_name("communard"))
        t = time.perf_counter()
        structure, members = write_federation(folder, args.members, max(500, args.members // 50))
        with structure.open("a", encoding="utf-8") as f:  # member 1 (in d0) sits for d0
            f.write('\n[[delegates]]\nmember = "1"\nconstituency = "d0"\n')
        log(run([communard, "import", str(structure), str(members), "--as", "bench"], env))
        log(f"setup: federation imported in {time.perf_counter() - t:.1f} s")

        from communard.cli.web_cmd import setup_django

        setup_django()
        from django.db import connections, transaction

        from communard.constitution.permissions import MemberActor
        from communard.web.councils.models import Delegate
        from communard.web.members.models import Member
        from communard.web.recalls.actions import do_open_petition
        from communard.web.recalls.models import Signature
        from communard.web.records.models import Entry, QueuedEntry

        delegate = Delegate.objects.get(constituency__key="d0", member__number="1")
        ids = list(Member.objects.filter(council__parent__key="d0").exclude(number="1")
                   .order_by("number").values_list("id", flat=True)[: args.signers + 1])
        voters_file = folder / "signers.txt"
        t = time.perf_counter()
        create_voter_sessions(ids, voters_file)
        log(f"setup: {len(ids):,} users and sessions in {time.perf_counter() - t:.1f} s")
        sessions = [line.split() for line in voters_file.read_text().splitlines()]
        sessions.pop()  # the last member opens the petition (and does not sign)
        t = time.perf_counter()
        with transaction.atomic(durable=True):
            petition = do_open_petition(delegate, grounds="bench: broke the mandate",
                                        actor=MemberActor(f"bench-voter-{ids[-1]}"))
        log(f"open: petition {petition.pk} filed in {time.perf_counter() - t:.2f} s "
            f"(roll of {petition.roll_size:,} frozen, threshold {petition.threshold:,}, "
            f"{petition.roll_size - 1:,} notifications)")
        connections.close_all()
        settle(url)

        port = free_port()
        server_log = (folder / "server.log").open("wb")
        server = subprocess.Popen([communard, "serve", "--host", HOST, "--port", str(port),
                                   "--no-migrate"], env=env, stdout=server_log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            for _ in range(300):
                try:
                    if http_get(port, f"/api/recalls/petitions/{petition.pk}", 5)[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            for _ in range(20):
                http_get(port, f"/api/recalls/petitions/{petition.pk}")
            log(f"load: {len(sessions):,} signers (first {args.warmup} untimed), "
                f"{args.rate:g}/s offered, {args.concurrency} connections")
            res = asyncio.run(load(port, petition.pk, sessions, args.rate, args.warmup,
                                   args.concurrency, max(120.0, 3 * len(sessions) / args.rate)))
            ok = res["statuses"].get("200", 0)
            lat = [x * 1000 for x in res["latencies"]]
            done = sorted(res["done_at"])
            span = done[-1] - done[0] if len(done) > 1 else float("nan")
            thr = len(lat) / span if span > 0 else float("nan")
            log(f"answers {res['statuses']}; e.g. {res['refusals'][:2]}")
            log(f"throughput: {thr:,.0f} signatures/s over {span:.1f} s")
            log(f"latency (from due time): p50 {pct(lat, .5):.1f} ms, p90 {pct(lat, .9):.1f} ms, "
                f"p99 {pct(lat, .99):.1f} ms, max {max(lat, default=0):.0f} ms; "
                f"mean {statistics.fmean(lat) if lat else 0:.1f} ms")
            t = time.perf_counter()
            while QueuedEntry.objects.exists() and time.perf_counter() - t < 60:
                time.sleep(0.1)
            petition.refresh_from_db()
            rows = Signature.objects.filter(petition=petition).count()
            entries = Entry.objects.filter(kind="recall.signed").count()
            body = json.loads(http_get(port, f"/api/recalls/petitions/{petition.pk}")[1])
            log(f"petition: {petition.signatures:,} signatures ({body['signatures']:,} by the "
                f"API), {rows:,} rows, {entries:,} recall.signed entries, 200 answers {ok:,}; "
                f"state {petition.state}")
            met = {
                "≥ 500 signatures/s": thr >= 500 * 0.99,
                "p99 < 200 ms": pct(lat, .99) < 200,
                "none lost": petition.signatures == rows == entries == ok == len(sessions),
                "threshold met": petition.state == "threshold-met"
                or petition.signatures < petition.threshold,
            }
            log("targets: " + "; ".join(f"{k}: {'met' if v else 'NOT met'}"
                                        for k, v in met.items()))
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
            server_log.close()
            connections.close_all()


if __name__ == "__main__":
    main()
