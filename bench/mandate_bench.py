"""The mandate comparison at congress scale (issue 17's "Fast"), against a plain Python peer.

A congress of 1,000 delegates (two for each of 500 assemblies) votes on 100 motions; every
assembly has adopted a mandate on every motion (50,000 mandates, a tenth of them advisory, some
adopted after the vote). Timed in one run, on the same data:

* ``compare``: ``constitution.mandates.compare`` over all 100 roll calls (100,000 verdicts), the
  goal being well under 1 s; and per roll call, as a close would run it;
* the peer: the same rule in plain Python with a dict index and ``bisect`` (what one would write
  without numpy); the ratio peer / compare;
* ``scorecard``: one delegate's scorecard over 10,000 roll calls (the page's goal is 100 ms).

    python bench/mandate_bench.py [--delegates 1000] [--motions 100] [--assemblies 500]
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Sequence

from communard.constitution.mandates import (
    Cast,
    Choice,
    Mandate,
    RollCall,
    Stance,
    compare,
    scorecard,
)

T0 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def congress(delegates: int, motions: int, assemblies: int,
             seed: int = 1871) -> tuple[list[Mandate], list[RollCall]]:
    rng = random.Random(seed)
    seats = {f"d{i}": f"a{i % assemblies}" for i in range(delegates)}
    mandates, calls = [], []
    for m in range(motions):
        vote_at = T0 + dt.timedelta(days=m)
        for a in range(assemblies):
            late = rng.random() < 0.05
            mandates.append(Mandate(
                f"motion-{m}", f"a{a}", Stance(rng.randrange(4)), rng.random() >= 0.1,
                vote_at + dt.timedelta(hours=1 if late else -rng.randrange(1, 48))))
        votes = {name: Cast(Choice(rng.randrange(3)), vote_at + dt.timedelta(seconds=rng.random()))
                 for name in seats if rng.random() < 0.95}
        calls.append(RollCall(f"motion-{m}", vote_at + dt.timedelta(minutes=10), seats, votes))
    return mandates, calls


def peer(mandates: Sequence[Mandate], calls: Sequence[RollCall]) -> list[tuple[int, str, int]]:
    """The rule in plain Python: index mandates by (motion, constituency), bisect on time."""
    index: dict[tuple[str, str], tuple[list[dt.datetime], list[int]]] = {}
    for i in sorted(range(len(mandates)), key=lambda i: mandates[i].adopted_at):
        m = mandates[i]
        times, ids = index.setdefault((m.motion, m.constituency), ([], []))
        times.append(m.adopted_at)
        ids.append(i)
    out = []
    for r, call in enumerate(calls):
        for name, place in call.seats.items():
            cast = call.votes.get(name)
            instant = cast.at if cast else call.closed_at
            times, ids = index.get((call.motion, place), ([], []))
            k = bisect.bisect_left(times, instant) - 1
            if k < 0 or mandates[ids[k]].stance is Stance.FREE:
                continue
            stance = mandates[ids[k]].stance
            verdict = 2 if cast is None else 0 if int(cast.choice) == int(stance) else 1
            out.append((r, name, verdict))
    return out


def best(fn: Callable[[], object], rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--motions", type=int, default=100)
    parser.add_argument("--assemblies", type=int, default=500)
    parser.add_argument("--scorecard-votes", type=int, default=10_000)
    args = parser.parse_args()
    mandates, calls = congress(args.delegates, args.motions, args.assemblies)
    found = compare(mandates, calls)
    ours = sorted((int(r), found.delegates[d], int(v)) for r, d, v in
                  zip(found.roll_call, found.delegate, found.verdict, strict=True))
    assert ours == sorted(peer(mandates, calls)), "compare and the peer disagree"
    whole = best(lambda: compare(mandates, calls))
    one = best(lambda: compare(mandates, calls[:1]))
    on_first = [m for m in mandates if m.motion == calls[0].motion]
    close = best(lambda: compare(on_first, calls[:1]))
    theirs = best(lambda: peer(mandates, calls), rounds=3)
    print(f"{args.delegates} delegates x {args.motions} motions, {len(mandates)} mandates: "
          f"{len(found)} verdicts")
    print(f"  compare, all roll calls : {whole * 1000:8.1f} ms  (goal: well under 1000 ms)")
    print(f"  compare, one, all       : {one * 1000:8.1f} ms  (against all {len(mandates)} "
          "mandates)")
    print(f"  compare, one roll call  : {close * 1000:8.1f} ms  (against the {len(on_first)} "
          "mandates on its motion, as its close runs it)")
    print(f"  peer (dict + bisect)    : {theirs * 1000:8.1f} ms  ratio peer/compare "
          f"{theirs / whole:.1f}x")
    # One delegate's scorecard over many roll calls: a delegate's whole career.
    n = args.scorecard_votes
    seats = {"d0": "a0"}
    rng = random.Random(17)
    career = [RollCall(f"c{i}", T0 + dt.timedelta(hours=i, minutes=10), seats,
                       {"d0": Cast(Choice(rng.randrange(3)), T0 + dt.timedelta(hours=i))}
                       if rng.random() < 0.95 else {}) for i in range(n)]
    theirs_mandates = [Mandate(f"c{i}", "a0", Stance(rng.randrange(4)), rng.random() < 0.9,
                               T0 + dt.timedelta(hours=i, minutes=-30)) for i in range(n)]
    card_time = best(lambda: scorecard("d0", theirs_mandates, career))
    card = scorecard("d0", theirs_mandates, career)
    print(f"  scorecard, {n} votes  : {card_time * 1000:8.1f} ms  (goal: page within 100 ms; "
          f"{len(card.deviations)} deviations)")


if __name__ == "__main__":
    main()
