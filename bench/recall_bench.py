"""A recall in a 100,000-member constituency on PostgreSQL behind ``communard serve``: 20,000
signatures through the API, the recall vote's ballots through the polls' cast API, then the
close, the countback and the seat filled (issue 15, "Fast").

What it does, all on loopback and in temporary folders (the federation, the sessions, the
server and the CPU accounting are ``bench/cast_bench.py``'s):

1. starts a throwaway PostgreSQL with its default durability (a 200 answer means the signature
   is on disk);
2. imports a federation whose district ``d0`` has ``--members`` members (``communard import``,
   a separate process);
3. in this process: elects d0's delegates (``cast_bench.setup_election``: an STV election of
   d0, ``--election-ballots`` ballots cast in-process, closed and counted), so that the
   recalled delegate's seat is refilled by a countback on real ballots; one user and ready
   session per member of d0 (bench fixture data, as the cast bench makes them); the petition
   against the first winner's mandate, opened through ``do_open_petition`` by a member of d0
   (its roll of ``--members`` and its threshold, 20% of them, frozen at filing; every member of
   the roll notified): timed and printed;
4. starts ``communard serve``; the load process (``bench/recall_load.py``) sends ``POST
   /api/recalls/petitions/{id}/signature`` for each of ``--signers`` members, open loop at
   ``--rate`` per second (the first ``--warmup`` untimed, closed loop);
5. prints throughput, p50/p99 latency from each request's due time, statuses, the CPU each
   process used per signature, and checks that the petition's count, the signature rows and
   the ``recall.signed`` entries all equal the 200 answers, and that the last signature met the
   threshold;
6. waits for the server's clock to call and open the recall vote, then ``--voters`` members of
   its roll vote through ``POST /api/polls/{id}/votes`` at ``--vote-rate`` (60% yes), and checks
   that ballots, marks and ``poll.ballot_cast`` entries equal the 201 answers;
7. times the clock's close of the poll at its end (in this process: a poll's terms are
   write-once, so its end cannot be moved to now): the count, the recall decided and the
   countback's winner seated, in the close's one transaction.

    python bench/recall_bench.py [--members 100000] [--signers 20000] [--voters N] [--quick]

Targets (issue 15, on a 2-core machine): signatures ≥ 500/s with p99 < 200 ms, none lost; the
recall vote's ballots the cast bench's (≥ 500/s, p99 < 200 ms, none lost); close → countback →
seat filled within 10 s. The machine's load average is printed with each phase: on a machine
shared with other work the per-signature CPU is the number to compare between runs. There is
no peer to compare with: no other tool has recall petitions (issue 15).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cast_bench import (  # noqa: E402  (after the path is set)
    HOST,
    PG_STATS_SETTINGS,
    SECRET,
    _children_cpu,
    cpu_seconds,
    create_voter_sessions,
    free_port,
    http_get,
    log,
    pct,
    process_groups,
    run,
    settle,
    setup_election,
    show_pg_stats,
    write_federation,
)


def load_average() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def drive(port: int, server_pid: int, lines: list[str], folder: Path, name: str,
          args: argparse.Namespace, rate: float) -> dict[str, Any]:
    """Run the load process over ``lines`` (``path session csrf [body]``) and measure it: its
    answers, latencies, and the CPU seconds the server, its sealer, PostgreSQL, the load
    client and the rest of the machine used meanwhile."""
    import psutil

    requests, out = folder / f"{name}.txt", folder / f"{name}.json"
    requests.write_text("\n".join(lines) + "\n", encoding="utf-8")
    max_seconds = max(120.0, 3 * len(lines) / rate) if rate > 0 else 900.0
    cmd = [sys.executable, str(ROOT / "bench" / "recall_load.py"), "--port", str(port),
           "--requests", str(requests), "--rate", str(rate), "--warmup", str(args.warmup),
           "--concurrency", str(args.concurrency), "--max-seconds", str(max_seconds),
           "--out", str(out)]
    log(f"{name}: {len(lines):,} requests (first {args.warmup} untimed), {rate:g}/s offered, "
        f"{args.concurrency} connections; {load_average()}")
    groups = process_groups(server_pid)
    cpu0 = {k: cpu_seconds(v) for k, v in groups.items()}
    machine0, children0 = psutil.cpu_times(), _children_cpu()
    subprocess.run(cmd, check=True, timeout=max_seconds + 120)
    client = _children_cpu() - children0
    cpu1 = {k: cpu_seconds(v) for k, v in process_groups(server_pid).items()}
    machine1 = psutil.cpu_times()
    busy = (sum(machine1) - sum(machine0) - (machine1.idle - machine0.idle)
            - (machine1.iowait - machine0.iowait))
    res: dict[str, Any] = json.loads(out.read_text())
    used = {k: cpu1[k] - cpu0[k] for k in cpu0}
    res["cpu"] = {**used, "client": client,
                  "others": busy - used["server"] - used["sealer"] - used["postgres"] - client}
    lat = [x * 1000 for x in res["latencies"]]
    done = sorted(res["done_at"])
    span = done[-1] - done[0] if len(done) > 1 else float("nan")
    res["throughput"] = len(lat) / span if span > 0 else float("nan")
    res["p50"], res["p99"] = pct(lat, .5), pct(lat, .99)
    ok = sum(res["statuses"].get(s, 0) for s in ("200", "201"))
    log(f"answers {res['statuses']}; e.g. {res['refusals'][:2]}")
    log(f"throughput: {res['throughput']:,.0f}/s over {span:.1f} s; latency (from due time): "
        f"p50 {res['p50']:.1f} ms, p90 {pct(lat, .9):.1f} ms, p99 {res['p99']:.1f} ms, "
        f"max {max(lat, default=0):.0f} ms; mean {statistics.fmean(lat) if lat else 0:.1f} ms")
    per = {k: v / max(1, ok) * 1000 for k, v in res["cpu"].items()}
    log(f"CPU per answer: server {per['server']:.2f} ms, sealer {per['sealer']:.2f} ms, "
        f"postgres {per['postgres']:.2f} ms, load client {per['client']:.2f} ms; the rest of "
        f"the machine {res['cpu']['others']:.0f} core-s over {res['elapsed']:.0f} s; "
        f"{load_average()}")
    return res


def wait_for(what: str, found: Callable[[], Any], seconds: float,
             every: float = 0.05) -> tuple[Any, float]:
    t = time.perf_counter()
    while time.perf_counter() - t < seconds:
        value = found()
        if value:
            return value, time.perf_counter() - t
        time.sleep(every)
    sys.exit(f"{what}: not within {seconds:.0f} s")


def report(met: dict[str, bool]) -> None:
    log("targets: " + "; ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in met.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--signers", type=int, default=20_000)
    parser.add_argument("--voters", type=int, default=None,
                        help="members of the roll who vote in the recall poll (default: all)")
    parser.add_argument("--rate", type=float, default=500.0,
                        help="signatures/s offered, open loop (0: closed loop)")
    parser.add_argument("--vote-rate", type=float, default=500.0, help="ballots/s offered")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--election-ballots", type=int, default=2000,
                        help="ballots of the election that seated the recalled delegate (the "
                        "countback recounts them)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 5,000 members, 1,000 signers, 2,000 voters")
    parser.add_argument("--pg-stats", action="store_true",
                        help="after the signatures, list PostgreSQL's costliest statements "
                        "(pg_stat_statements, which itself costs a little)")
    parser.add_argument("--signatures-only", action="store_true",
                        help="stop after the signatures (no vote, no close)")
    args = parser.parse_args()
    if args.quick:
        args.members, args.signers, args.warmup = 5000, 1000, 100
        args.voters = args.voters or 2000
        args.election_ballots = min(args.election_ballots, 500)
    args.voters = min(args.voters or args.members, args.members)
    if args.signers + 20 > args.members:
        parser.error("--signers must be fewer than --members")

    from tests.postgres import running_postgres

    with tempfile.TemporaryDirectory(prefix="recallbench-") as tmp, \
            running_postgres(durable=True,
                             settings=PG_STATS_SETTINGS if args.pg_stats else ()) as url:
        folder = Path(tmp)
        env = {**os.environ, "DATABASE_URL": url, "COMMUNARD_DATA_DIR": str(folder),
               "COMMUNARD_SECRET_KEY": SECRET}
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "COMMUNARD_DATA_DIR",
                                              "COMMUNARD_SECRET_KEY")})
        communard = str(Path(sys.executable).with_name("communard"))
        t = time.perf_counter()
        structure, members = write_federation(folder, args.members, max(500, args.members // 50))
        log(run([communard, "import", str(structure), str(members), "--as", "bench"], env))
        log(f"setup: federation imported in {time.perf_counter() - t:.1f} s; {load_average()}")

        from communard.cli.web_cmd import setup_django

        setup_django()
        from django.db import connections, transaction
        from django.utils import timezone

        from communard.constitution.permissions import MemberActor
        from communard.web.core.models import LoginSession
        from communard.web.councils.models import Delegate
        from communard.web.elections.actions import do_close_election
        from communard.web.members.models import Member
        from communard.web.polls.actions.cast import do_cast
        from communard.web.polls.models import Ballot, Mark, Poll
        from communard.web.recalls.actions import do_open_petition
        from communard.web.recalls.models import Petition, Signature
        from communard.web.records.models import Entry, QueuedEntry

        t = time.perf_counter()
        # The election ran in the past (a poll's calendar is fixed at its call, and open for at
        # least the constitution's seven days): it closed an hour ago, so the clock may count it.
        opened = timezone.now() - dt.timedelta(days=7, hours=1)
        election, roll = setup_election(6, None, at=opened, closes_after=dt.timedelta(days=7))
        voters_file = folder / "sessions.txt"
        made = time.perf_counter()
        create_voter_sessions(roll, voters_file)  # the voters' logins: each casts as themself
        log(f"setup: {len(roll):,} users and sessions in {time.perf_counter() - made:.1f} s")
        rng = random.Random(5)
        standing = list(range(1, 7))
        assert election.poll is not None
        for member in Member.objects.filter(pk__in=roll[: args.election_ballots]):
            do_cast(election.poll, member, rng.sample(standing, rng.randint(1, 6)),
                    actor=MemberActor(f"bench-voter-{member.pk}"),
                    now=opened + dt.timedelta(minutes=1))
        do_close_election(election)
        seated = list(Delegate.objects.filter(constituency=election.constituency,
                                              ended_at__isnull=True).select_related("member"))
        target = seated[0]
        log(f"setup: {election.title} elected {len(seated)} delegate(s) on "
            f"{args.election_ballots:,} ballots in {time.perf_counter() - t:.1f} s; the "
            f"petition is against {target.member.number}")

        sessions = [line.split() for line in voters_file.read_text().splitlines()]
        member_of_user = dict(Member.objects.filter(pk__in=roll).values_list("user_id", "pk"))
        member_of = {k: member_of_user[u] for k, u in LoginSession.objects.filter(
            session_key__in=[s for s, _ in sessions]).values_list("session_key", "user_id")}
        sitting = {d.member_id for d in seated}
        candidates = set(election.candidates.values_list("member_id", flat=True))
        # Neither the delegates nor the candidates sign: the countback's field stays as elected.
        free = [(s, c) for s, c in sessions if member_of[s] not in sitting | candidates]
        opener, signers = free[0], free[1 : args.signers + 1]
        t = time.perf_counter()
        with transaction.atomic(durable=True):
            petition = do_open_petition(
                target, grounds="bench: broke the mandate",
                actor=MemberActor(f"bench-voter-{member_of[opener[0]]}"))
        log(f"open: petition {petition.pk} filed in {time.perf_counter() - t:.2f} s "
            f"(roll of {petition.roll_size:,} frozen, threshold {petition.threshold:,}, "
            f"{petition.roll_size - 1:,} notifications)")
        connections.close_all()
        settle(url)
        if args.pg_stats:  # the signatures' statements only
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                conn.execute("SELECT pg_stat_statements_reset()")

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

            # ------------------------------------------------------------ the signatures
            path = f"/api/recalls/petitions/{petition.pk}/signature"
            res = drive(port, server.pid, [f"{path} {s} {c}" for s, c in signers], folder,
                        "signatures", args, args.rate)
            ok = res["statuses"].get("200", 0)
            if args.pg_stats:
                show_pg_stats(url)
            wait_for("every entry sealed", lambda: not QueuedEntry.objects.exists(), 60)
            petition.refresh_from_db()
            rows = Signature.objects.filter(petition=petition).count()
            entries = Entry.objects.filter(kind="recall.signed").count()
            body = json.loads(http_get(port, f"/api/recalls/petitions/{petition.pk}")[1])
            log(f"signatures sent {sum(res['statuses'].values()):,} of {len(signers):,} (the "
                "rest not reached in the load's time cap)")
            log(f"petition: {petition.signatures:,} signatures ({body['signatures']:,} by the "
                f"API), {rows:,} rows, {entries:,} recall.signed entries, 200 answers {ok:,}; "
                f"state {petition.state}")
            met = {
                "signatures ≥ 500/s": res["throughput"] >= 500 * 0.99,
                "signatures p99 < 200 ms": res["p99"] < 200,
                "no signature lost": petition.signatures == rows == entries == ok,
                "every signer's signature taken": ok == len(signers),
                "threshold met": petition.state != "open"
                or petition.signatures < petition.threshold,
            }
            report(met)
            if petition.state == "open" or args.signatures_only:
                return  # no vote to run

            # ------------------------------------------------------------ the recall vote
            subject = f"recall-petition:{petition.pk}"

            def poll_open() -> Poll | None:
                poll = Poll.objects.filter(purpose="recall", subject=subject).first()
                if poll is None:
                    return None
                status, detail = http_get(port, f"/api/polls/{poll.pk}")
                return poll if json.loads(detail)["phase"] == "poll" else None

            poll, waited = wait_for("the recall vote open", poll_open, 600, every=0.2)
            connections.close_all()
            log(f"vote: poll {poll.pk} called and opened by the server's clock {waited:.1f} s "
                f"after the last signature (roll of {poll.roll_size:,})")
            options = {o["label"].lower(): o["number"] for o in
                       json.loads(http_get(port, f"/api/polls/{poll.pk}")[1])["options"]}
            yes, no = options["yes"], options["no"]
            choice = [yes] * 6 + [no] * 4
            votes = drive(port, server.pid, [
                f"/api/polls/{poll.pk}/votes {s} {c} "
                + json.dumps({"choices": [choice[i % 10]]}, separators=(",", ":"))
                for i, (s, c) in enumerate(sessions[: args.voters])],
                folder, "ballots", args, args.vote_rate)
            cast = votes["statuses"].get("201", 0)
            wait_for("every entry sealed", lambda: not QueuedEntry.objects.exists(), 60)
            stored = Ballot.objects.filter(poll=poll).count()
            marks = Mark.objects.filter(entry__poll=poll).count()
            cast_entries = Entry.objects.filter(kind="poll.ballot_cast", body__poll=poll.pk).count()
            sent = sum(votes["statuses"].values())
            log(f"ballots sent {sent:,} of {args.voters:,} (the rest not reached in the load's "
                f"time cap); stored {stored:,}, marks {marks:,}, poll.ballot_cast entries "
                f"{cast_entries:,}, 201 answers {cast:,}")
            connections.close_all()

            # ------------------------------------------------------------ the close
            # A poll's terms are write-once (the database refuses to move its end), so the
            # bench runs the clock's own close here, at the poll's end: the count, the recall
            # decided and the countback's winner seated, in the close's one transaction.
            from communard.web.polls.actions.close import do_close_poll

            t = time.perf_counter()
            with transaction.atomic(durable=True):
                do_close_poll(poll.pk, now=poll.closes_at)
            closed = time.perf_counter() - t

            def refilled() -> list[Delegate]:
                target.refresh_from_db()
                if target.ended_at is None:
                    return []
                return list(Delegate.objects.filter(
                    constituency=target.constituency, ended_at__isnull=True,
                    began_at__gte=target.ended_at).select_related("member"))

            (successor, *_), _ = wait_for("the seat refilled", refilled, 1)
            decided = Petition.objects.get(pk=petition.pk).state
            result = json.loads(http_get(port, f"/api/polls/{poll.pk}/result")[1])
            log(f"close → counted, recalled ({decided}) and the seat filled by "
                f"{successor.member.number}: {closed:.2f} s (the clock's close, in this process; "
                f"{result.get('ballots', '?')} ballots); {load_average()}")
            report({
                **met,
                "ballots ≥ 500/s": votes["throughput"] >= 500 * 0.99,
                "ballots p99 < 200 ms": votes["p99"] < 200,
                "no ballot lost": stored == marks == cast_entries == cast,
                "every voter's ballot taken": cast == args.voters,
                "close → seat filled ≤ 10 s": closed <= 10 and decided == "recalled",
            })
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
            server_log.close()
            connections.close_all()


if __name__ == "__main__":
    main()
