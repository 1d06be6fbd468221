"""Sealed against plain polls on one PostgreSQL server, in one run (issue 16): what sealing
costs a cast and a close, through the real actions.

Builds a federation (district d0 with ``--voters`` members) in a throwaway PostgreSQL with its
default durability and calls two secret yes/no polls of d0: the first opens with no teller
keys registered, so it is cast in the clear (today's path, the peer); then five voters
register delivery keys and the second opens sealed (5 tellers, 3 needed). A sample of
``--sample`` voters casts once in each through ``polls.actions.cast.do_cast`` (PostgreSQL's
one-statement path, in process, sequential: what one cast costs, not what a server sustains;
``bench/cast_bench.py`` measures that through HTTP). The other voters' votes are loaded in
bulk, as the casts would have stored them: a mark on the roll and, for the sealed poll, an
envelope sealed with the poll's real public key by the cast action's own ``envelope`` (for the
plain poll, the ballot); so ``--voters 100000`` sets up in minutes rather than the ten casting
100,000 in process took. A bulk-loaded sealed vote has its ``poll.ballot_cast`` entry too
(queued in the same transaction, its cost not timed): the close opens a box only when it holds
one envelope and one mark per cast on the record. Then both close: the plain one
counts its ballots, the sealed one waits for its tellers, three hand in, and the box is
opened, shuffled, written and counted (the close logs its parts). Prints casts/s, p50 and p99
per poll, the close times, and the ratios.

    python bench/sealed_poll_bench.py [--voters 2000] [--sample 1000]
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cast_bench import SECRET, run, write_federation  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=1000,
                        help="voters who cast through the action, timed one by one (the rest "
                        "are loaded in bulk)")
    args = parser.parse_args()
    args.sample = max(5, min(args.sample, args.voters))  # five of them are the tellers
    from tests.postgres import running_postgres

    with tempfile.TemporaryDirectory(prefix="sealbench-") as tmp, running_postgres(
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
        from django.db import transaction
        from django.utils import timezone

        from communard.constitution.majority import SIMPLE
        from communard.constitution.permissions import MemberActor, OperatorActor
        from communard.sealing import TellerKey as DeliveryKey
        from communard.sealing import open_sealed_share, public_text
        from communard.web.councils.models import Council
        from communard.web.members.models import Member
        from communard.web.polls.actions import cast
        from communard.web.polls.actions.call import PollSpec, do_call_poll
        from communard.web.polls.actions.close import do_close_poll
        from communard.web.polls.actions.hand_in import do_hand_in, try_close
        from communard.web.polls.actions.open import do_open_poll
        from communard.web.polls.actions.teller_key import do_register_teller_key
        from communard.web.polls.closing import ensure_closing_key
        from communard.web.polls.models import Ballot, Envelope, Mark, PollTeller, RollEntry

        now = timezone.now()
        d0 = Council.objects.get(federation__slug="castbench", key="d0")

        def open_poll(title: str) -> object:
            poll = do_call_poll(PollSpec(
                federation=d0.federation, electorate=d0, voters="members", purpose="referendum",
                subject="bench", title=title, question="yes-no", options=(), abstain=True,
                method=None, seats=1, secret=True, majority=SIMPLE, turnout_floor=Fraction(0),
                opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1),
                roll_at=now - dt.timedelta(hours=2)), actor=OperatorActor("bench"))
            do_open_poll(poll, now=now)
            poll.refresh_from_db()
            return poll

        plain = open_poll("plain")
        ids = sorted(RollEntry.objects.filter(poll=plain).values_list("member_id", flat=True))
        # Logins only for those who cast through the action (and the tellers among them).
        create_voter_sessions(ids[:args.sample], folder / "sessions")
        voters = list(Member.objects.filter(pk__in=ids[:args.sample]).select_related("user")
                      .order_by("pk"))
        in_bulk = ids[args.sample:]
        keys = {}
        for v in voters[:5]:
            keys[v.pk] = DeliveryKey.generate(v.user.get_username())
            do_register_teller_key(v, public_text(keys[v.pk].public_key),
                                   actor=MemberActor(v.user.get_username()))
        sealed = open_poll("sealed")
        assert PollTeller.objects.filter(poll=sealed).count() == 5
        print(f"{len(ids):,} voters on each roll: {len(voters):,} cast through the action, "
              f"{len(in_bulk):,} loaded in bulk")
        for poll in (plain, sealed):
            t = time.perf_counter()
            load_in_bulk(poll, in_bulk)
            print(f"bulk load {poll.title:>6}: {len(in_bulk):,} votes in "
                  f"{time.perf_counter() - t:.1f} s")

        rates = {}
        for poll in (sealed, plain) if os.environ.get("SEALED_FIRST") else (plain, sealed):
            times = []
            t0 = time.perf_counter()
            for i, v in enumerate(voters):
                t = time.perf_counter()
                cast.do_cast(poll, v, [1 + i % 3], actor=MemberActor(v.user.get_username()))
                times.append(time.perf_counter() - t)
            wall = time.perf_counter() - t0
            stored = (Ballot.objects.filter(poll=poll).count(),
                      Envelope.objects.filter(poll=poll).count(),
                      Mark.objects.filter(entry__poll=poll).count())
            times.sort()
            rates[poll.title] = len(voters) / wall
            print(f"cast {poll.title:>6} (the sample, sequential): "
                  f"{len(voters) / wall:7.0f} casts/s, "
                  f"p50 {statistics.median(times) * 1000:.2f} ms, "
                  f"p99 {times[int(0.99 * (len(times) - 1))] * 1000:.2f} ms; stored "
                  f"{stored[0]:,} ballots, {stored[1]:,} envelopes, {stored[2]:,} marks")
        print(f"cast ratio: a sealed cast takes {rates['plain'] / rates['sealed']:.2f} times as "
              "long as a plain one")

        after = now + dt.timedelta(days=2)
        t = time.perf_counter()
        with transaction.atomic(durable=True):
            do_close_poll(plain, now=after)
        plain_close = time.perf_counter() - t
        with transaction.atomic(durable=True):
            ensure_closing_key(sealed)
        tellers = list(PollTeller.objects.filter(poll=sealed).select_related("member__user")
                       .order_by("index"))[:3]
        for teller in tellers:
            share = open_sealed_share(keys[teller.member_id].private, teller.sealed_share)
            do_hand_in(sealed, teller.member, share.to_text(),
                       actor=MemberActor(teller.member.user.get_username()), now=after)
        t = time.perf_counter()
        assert try_close(sealed, now=after)
        sealed_close = time.perf_counter() - t
        lost = len(ids) - Ballot.objects.filter(poll=sealed).count()
        print(f"close  plain: {plain_close:.2f} s; sealed (rebuild, open, shuffle, write, "
              f"count): {sealed_close:.2f} s; ratio {sealed_close / plain_close:.2f}; "
              f"ballots lost: {lost}")


def load_in_bulk(poll: Any, member_ids: list[int], batch: int = 5000) -> None:
    """Each member's vote as the cast stores it (a mark; an envelope sealed to the poll's key
    by the cast's own ``envelope``, or the plain ballot), in batches of ``batch``; each batch
    in one transaction."""
    import random

    from django.db import transaction

    from communard.record.kinds import POLL_BALLOT_CAST
    from communard.web.polls.models import Ballot, Envelope, Mark, Option, PollSeal, RollEntry
    from communard.web.polls.sealed import envelope, sealing_from
    from communard.web.polls.tracking import new_tracking_code
    from communard.web.records import services as record

    entries = dict(RollEntry.objects.filter(poll=poll).values_list("member_id", "pk"))
    key = PollSeal.objects.filter(poll=poll).values_list("public_key", "capacity").first()
    sealing = None if key is None else sealing_from(*key)
    options = Option.objects.filter(poll=poll).count()
    rng = random.Random(poll.pk)
    for i in range(0, len(member_ids), batch):
        part = member_ids[i:i + batch]
        votes = [(new_tracking_code(), [1 + rng.randrange(options)]) for _ in part]
        with transaction.atomic():
            Mark.objects.bulk_create([Mark(entry_id=entries[m]) for m in part])
            if sealing is not None:
                Envelope.objects.bulk_create([
                    Envelope(poll=poll, sealed=envelope(poll, sealing, code, chosen, options))
                    for code, chosen in votes])
                for _ in votes:
                    record.append(POLL_BALLOT_CAST, {"federation": poll.federation.slug,
                                                     "poll": poll.pk}, actor="voter")
            else:
                Ballot.objects.bulk_create([Ballot(tracking_code=code, poll=poll,
                                                   choices=chosen) for code, chosen in votes])


if __name__ == "__main__":
    main()
