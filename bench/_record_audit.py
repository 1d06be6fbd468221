"""The state audit at scale: ``communard verify`` on a 1,000,000-entry record of a
100,000-member federation, in full and incrementally after 1,000 new entries.

The federation is built as a real one grows, only faster where a real one is slow:

* the members arrive by ``communard import`` (100,000 members in 20 workplaces of 5 districts);
* elections run through their actions (called, 8 nominations, poll opened with its roll
  frozen, closed: counted, recorded, winners seated), ten rounds of one per workplace;
* the ballots, which are most of a real record (one ``ballot.cast`` each), are stored in bulk
  (marks and ballots with ``bulk_create``) and their entries queued in bulk and sealed by the
  record's own sealer (``services.seal``) in batches, instead of 950,000 HTTP casts.

Then ``communard verify --key … --state FILE`` runs in a child process three times: a full run
(the first, which writes the state file), an incremental run with nothing new, and an
incremental run after 1,000 new entries (another election called, opened and cast in). Each
run's wall time and peak memory (the child's ``ru_maxrss``) are printed, with the 60 s target
for the full audit and the ratio of incremental to full.

    python bench/record_bench.py --audit-only            # 1,000,000 entries
    python bench/record_bench.py --audit-only --quick    # 100,000 entries, a smoke run
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_FULL_S = 60.0
WORKPLACES = 20
CANDIDATES = 8
T0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
ROUND = dt.timedelta(days=30)

_VERIFY = (
    "import resource, sys, time\n"
    "from communard.cli import main\n"
    "t = time.perf_counter()\n"
    "status = main(sys.argv[1:])\n"
    "print(f'BENCH {time.perf_counter() - t:.3f} '\n"
    "      f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(status)\n"
)


def bench_audit(entries: int, keep: Path | None = None) -> None:
    """``keep``: build in this directory and leave it there, or reuse the build found there
    (the build takes far longer than the audits it serves)."""
    members = entries // 10
    print(f"\n== state audit of a {entries:,}-entry record, {members:,} members ==")
    with tempfile.TemporaryDirectory(prefix="communard-auditbench-") as scratch:
        tmp = str(keep) if keep else scratch
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(DJANGO_SETTINGS_MODULE="communard.web.settings", COMMUNARD_DATA_DIR=tmp,
                   COMMUNARD_SECRET_KEY="bench-not-secret")
        t = time.perf_counter()
        built_file = Path(tmp) / "built.json"
        if built_file.exists():  # a kept build: measure again without building again
            info = json.loads(built_file.read_text())
            print(f"reusing the federation built in {tmp}")
        else:
            _import(Path(tmp), members, env)
            built = subprocess.run([sys.executable, __file__, "--build", str(entries)], env=env,
                                   capture_output=True, text=True)
            if built.returncode != 0:
                print(f"build failed:\n{built.stderr[-3000:]}")
                return
            info = json.loads(built.stdout.strip().splitlines()[-1])
            built_file.write_text(json.dumps(info))
        print(f"built in {time.perf_counter() - t:.0f} s: {info['size']:,} entries, "
              f"{info['elections']} elections, {info['ballots']:,} ballots")
        state = Path(tmp) / "auditor" / "verify.state"
        key = ["--key", info["key"], "--state", str(state)]
        full = _verify([*key, "--full"], env)
        again = _verify(key, env)
        grown = subprocess.run([sys.executable, __file__, "--grow"], env=env,
                               capture_output=True, text=True)
        if grown.returncode != 0:
            print(f"growing failed:\n{grown.stderr[-3000:]}")
            return
        added = json.loads(grown.stdout.strip().splitlines()[-1])["added"]
        after = _verify(key, env)
    verdict = "MET" if full[0] < TARGET_FULL_S else "MISSED"
    print(f"full: log check + replay + comparison   {full[0]:6.2f} s  peak {full[1]:,} MiB"
          f"   target < {TARGET_FULL_S:.0f} s: {verdict}")
    print(f"incremental, nothing new                 {again[0]:6.2f} s  peak {again[1]:,} MiB")
    print(f"incremental, {added:,} new entries         {after[0]:6.2f} s  peak {after[1]:,} MiB"
          f"   ({after[0] / full[0]:.1%} of the full audit)")


def _import(tmp: Path, members: int, env: dict[str, str]) -> None:
    from import_bench import run_import, write_files  # bench/ is on sys.path as a script

    folder = tmp / "import"
    folder.mkdir()
    structure, csv = write_files(folder, members, WORKPLACES)
    # A seat per 1,000 members: five delegates for each workplace of 5,000.
    constitution = folder / "constitution.toml"
    constitution.write_text(constitution.read_text(encoding="utf-8").replace(
        "members_per_seat = 100", "members_per_seat = 1000"), encoding="utf-8")
    run_import(structure, csv, env)


def _verify(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    proc = subprocess.run([sys.executable, "-c", _VERIFY, "verify", *args], env=env,
                          capture_output=True, text=True)
    line = [x for x in proc.stderr.splitlines() if x.startswith("BENCH ")]
    if proc.returncode != 0 or not line:
        sys.exit(f"verify {' '.join(args)} exited {proc.returncode}:\n"
                 f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    _, seconds, kib = line[-1].split()
    return float(seconds), int(kib) // 1024


# ---------------------------------------------------------------- children: Django on the tmp dir


def _django() -> None:
    from communard.cli.web_cmd import setup_django

    setup_django()


def _election(council: Any, opens: dt.datetime) -> Any:
    """Call an election of the workplace's delegates, nominate eight members, open its poll."""
    from communard.constitution.permissions import MemberActor, OperatorActor
    from communard.web.accounts.actions import do_create_member_account
    from communard.web.elections.actions import do_call_election, do_nominate, do_open_poll
    from communard.web.members.models import Member

    def candidate_login(m: Any) -> MemberActor:
        # The candidate nominates themself, as a member does (``may_nominate``), with the
        # login an earlier round gave them, or a new one.
        m.refresh_from_db()
        if m.user_id is not None:
            return MemberActor(m.user.get_username())
        do_create_member_account(m, username=f"candidate-{m.pk}", password=None,
                                 actor=OperatorActor("bench"))
        return MemberActor(f"candidate-{m.pk}")

    day = dt.timedelta(days=1)
    election = do_call_election(council, nominations_open_at=opens - 7 * day,
                                poll_opens_at=opens, poll_closes_at=opens + 7 * day,
                                actor=OperatorActor("bench"), now=opens - 8 * day)
    for m in Member.objects.filter(council=council).order_by("id")[:CANDIDATES]:
        do_nominate(election, m, nominated_by=m, actor=candidate_login(m), now=opens - 6 * day)
    do_open_poll(election, now=opens)
    election.refresh_from_db()
    return election


def _cast(election: Any, voters: int, rng: random.Random) -> int:
    """Mark ``voters`` of the roll of the election's poll and store their ballots in bulk, and
    queue one ``poll.ballot_cast`` each; the record's sealer then seals them in batches. (The
    bench's elections open unsealed: nobody registered a teller's key.)"""
    from django.db import transaction

    from communard.record import Queued
    from communard.record.kinds import POLL_BALLOT_CAST, validate
    from communard.web.polls.models import Ballot, Mark, RollEntry
    from communard.web.polls.tracking import new_tracking_code
    from communard.web.records import services as record
    from communard.web.records.models import QueuedEntry

    roll = list(RollEntry.objects.filter(poll_id=election.poll_id).values_list("id", flat=True))
    chosen = roll[:voters]
    body = {"federation": election.federation.slug, "poll": election.poll_id}
    with transaction.atomic():
        Mark.objects.bulk_create([Mark(entry_id=i) for i in chosen], batch_size=5000)
        Ballot.objects.bulk_create(
            [Ballot(tracking_code=new_tracking_code(), poll_id=election.poll_id,
                    choices=rng.sample(range(1, CANDIDATES + 1), rng.randint(1, 4)))
             for _ in chosen], batch_size=5000)
        validate(POLL_BALLOT_CAST, body)  # as record.entry does, once for all these bodies
        queued = [Queued.of(POLL_BALLOT_CAST.tag, body, actor="voter") for _ in chosen]
        QueuedEntry.objects.bulk_create(
            [QueuedEntry(kind=q.kind, time=q.time, actor=q.actor, body=q.body.decode())
             for q in queued], batch_size=5000)
    record.seal(batch=5000)
    return len(chosen)


def build(entries: int) -> dict[str, Any]:
    _django()
    from communard.record import fingerprint
    from communard.web.councils.models import Council
    from communard.web.elections.actions import do_close_election
    from communard.web.records import services as record
    from communard.web.records.store import DatabaseStore

    rng = random.Random(1871)
    workplaces = list(Council.objects.filter(level=0).order_by("key"))
    elections = ballots = 0
    round_ = 0
    while DatabaseStore().size() < entries - 1000:
        opens = T0 + round_ * ROUND
        for council in workplaces:
            left = entries - 1000 - DatabaseStore().size()
            if left <= 0:
                break
            election = _election(council, opens)
            roll = election.roll_size or 0
            ballots += _cast(election, min(int(roll * 0.95), max(left - 20, 1)), rng)
            do_close_election(election, now=opens + dt.timedelta(days=7, hours=1))
            elections += 1
        round_ += 1
    record.seal()
    return {"size": DatabaseStore().size(), "elections": elections, "ballots": ballots,
            "key": fingerprint(record.verifier()), "round": round_}


def grow() -> dict[str, Any]:
    """About 1,000 new entries: the next round's first election called, opened and cast in."""
    _django()
    from django.db.models import Max

    from communard.web.councils.models import Council
    from communard.web.elections.models import Election
    from communard.web.records import services as record
    from communard.web.records.store import DatabaseStore

    before = DatabaseStore().size()
    last = Election.objects.aggregate(last=Max("poll_opens_at"))["last"] or T0
    # A workplace with no election under way (a kept build was grown before: its election is
    # still open, and a second one for the same seats is refused).
    busy = Election.objects.filter(closed_at__isnull=True).values("constituency")
    council = Council.objects.filter(level=0).exclude(pk__in=busy).order_by("key").first()
    election = _election(council, last + ROUND)
    _cast(election, 1000 - (DatabaseStore().size() - before), random.Random(1917))
    record.seal()
    return {"added": DatabaseStore().size() - before}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        print(json.dumps(build(int(sys.argv[2]))))
    elif sys.argv[1:2] == ["--grow"]:
        print(json.dumps(grow()))
    else:
        bench_audit(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000,
                    Path(sys.argv[2]) if len(sys.argv) > 2 else None)
