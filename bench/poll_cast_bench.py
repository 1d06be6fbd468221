"""The poll cast's two paths on one PostgreSQL server, in one run: is the plain-SQL statement
worth having beside the ORM?

Builds a federation (district d0 with ``--voters`` members) in a throwaway PostgreSQL with its
default durability, calls two secret yes/no polls of d0 and freezes their rolls, then has every
voter cast once in each through ``polls.actions.cast.do_cast``: in the first with the
one-statement path (the default on PostgreSQL), in the second with the ordinary ORM path (the
SQLite path). Sequential, in-process: it measures what a cast costs, not what a server
sustains under concurrency (``bench/cast_bench.py`` does that, through HTTP, for elections).
Prints casts/s, p50 and p99 per path, and the ratio.

    python bench/poll_cast_bench.py [--voters 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cast_bench import SECRET, run, write_federation  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=2000)
    args = parser.parse_args()
    from tests.postgres import running_postgres

    with tempfile.TemporaryDirectory(prefix="pollbench-") as tmp, running_postgres(
            durable=True) as url:
        folder = Path(tmp)
        env = {**os.environ, "DATABASE_URL": url, "COMMUNARD_DATA_DIR": str(folder),
               "COMMUNARD_SECRET_KEY": SECRET}
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "COMMUNARD_DATA_DIR",
                                              "COMMUNARD_SECRET_KEY")})
        structure, members = write_federation(folder, args.voters, 50)
        communard = str(Path(sys.executable).with_name("communard"))
        print(run([communard, "import", str(structure), str(members), "--as", "bench"], env))

        from communard.cli.web_cmd import setup_django

        setup_django()
        from cast_bench import create_voter_sessions
        from django.utils import timezone

        from communard.constitution.majority import SIMPLE
        from communard.constitution.permissions import MemberActor, OperatorActor
        from communard.web.councils.models import Council
        from communard.web.members.models import Member
        from communard.web.polls.actions import cast
        from communard.web.polls.actions.call import PollSpec, do_call_poll
        from communard.web.polls.actions.open import do_open_poll
        from communard.web.polls.models import Ballot, Mark, RollEntry

        now = timezone.now()
        d0 = Council.objects.get(federation__slug="castbench", key="d0")
        polls = []
        for title in ("one statement", "ORM"):
            poll = do_call_poll(PollSpec(
                federation=d0.federation, electorate=d0, voters="members", purpose="referendum",
                subject="bench", title=title, question="yes-no", options=(), abstain=True,
                method=None, seats=1, secret=True, majority=SIMPLE, turnout_floor=Fraction(0),
                opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1),
                roll_at=now - dt.timedelta(hours=2)), actor=OperatorActor("bench"))
            do_open_poll(poll, now=now)
            poll.refresh_from_db()
            polls.append(poll)
        ids = list(RollEntry.objects.filter(poll=polls[0]).values_list("member_id", flat=True))
        create_voter_sessions(ids, folder / "sessions")
        voters = list(Member.objects.filter(pk__in=ids).select_related("user"))
        print(f"{len(voters):,} voters on each roll")

        results = {}
        for poll, one_statement in zip(polls, (True, False), strict=True):
            cast.ONE_STATEMENT_ON_POSTGRESQL = one_statement
            times = []
            t0 = time.perf_counter()
            for i, v in enumerate(voters):
                t = time.perf_counter()
                cast.do_cast(poll, v, [1 + i % 3], actor=MemberActor(v.user.get_username()))
                times.append(time.perf_counter() - t)
            wall = time.perf_counter() - t0
            stored = (Ballot.objects.filter(poll=poll).count(),
                      Mark.objects.filter(entry__poll=poll).count())
            times.sort()
            results[poll.title] = len(voters) / wall
            print(f"{poll.title:>14}: {len(voters) / wall:7.0f} casts/s, "
                  f"p50 {statistics.median(times) * 1000:.2f} ms, "
                  f"p99 {times[int(0.99 * (len(times) - 1))] * 1000:.2f} ms; "
                  f"stored {stored[0]:,} ballots, {stored[1]:,} marks")
        ratio = results["one statement"] / results["ORM"]
        print(f"ratio: the one-statement path casts {ratio:.2f} times as fast as the ORM path")


if __name__ == "__main__":
    main()
