"""What declaring entry kinds costs: the check on the cast path, and in `communard verify`.

The peer is our own code without the check, in the same run:

* the cast path: ``services.entry`` checks the body against ``kinds.BALLOT_CAST``, then encodes
  it (``Queued.of``); the ratio is (check + encode) / encode, and the check's own µs per ballot;
* the verifier: ``verify_rows`` over N ballot entries with and without ``check_kinds``.

    python bench/kinds_bench.py [--entries N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from communard.record import Log, MemoryStore, Queued, Signer, kinds, verify_rows

BODY = {"federation": "demo", "election": 1871}


def per_call(fn: Callable[[], object], n: int = 20_000, rounds: int = 7) -> float:
    """The median over rounds of seconds per call."""
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t) / n)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    args = parser.parse_args()
    at = datetime(2026, 11, 30, tzinfo=UTC)
    encode = per_call(lambda: Queued.of("ballot.cast", BODY, actor="voter", at=at))
    check = per_call(lambda: kinds.validate(kinds.BALLOT_CAST, BODY))
    print(f"cast entry: encode {encode * 1e6:.2f} µs, kind check {check * 1e6:.2f} µs; "
          f"check + encode / encode = {(check + encode) / encode:.2f}")

    log = Log(MemoryStore(), Signer.generate("bench.example/kinds"))
    log.integrate([Queued.of("ballot.cast", {"federation": "demo", "election": i},
                             actor="voter", at=at) for i in range(args.entries)])
    rows = list(log.rows())

    def verify(check_kinds: bool) -> float:
        t = time.perf_counter()
        report = verify_rows(rows, log.signer.verifier, log.store.checkpoint_at,
                             latest_checkpoint=log.latest_checkpoint(), check_kinds=check_kinds)
        assert report.is_intact
        return time.perf_counter() - t

    plain = statistics.median(verify(False) for _ in range(3))
    checked = statistics.median(verify(True) for _ in range(3))
    print(f"verify {args.entries} entries: {plain:.3f} s without the kind check, {checked:.3f} s "
          f"with it ({(checked - plain) / args.entries * 1e6:.2f} µs per entry); "
          f"with / without = {checked / plain:.2f}")


if __name__ == "__main__":
    main()
