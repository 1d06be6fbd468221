"""Benchmarks of the public record, with pymerkle measured side by side in the same run.

Prints: full verification rate at 1,000,000 entries (target: under 5 s), proof generation time
at 1,000,000 and 10,000,000 entries (target: under 5 ms), where the web application is
available durable appends per second through an action on SQLite and PostgreSQL, and the state
audit (`communard verify`) of a 1,000,000-entry record of a 100,000-member federation, full
(target: under 60 s) and incremental after 1,000 new entries, with peak memory.

    python bench/record_bench.py            # everything
    python bench/record_bench.py --quick    # 100k / 1M, for a smoke run
    python bench/record_bench.py --audit-only [--quick]   # only the state audit
    python bench/_record_actions.py         # only the action-path bench (see its docstring)
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import statistics
import sys
import time
from collections.abc import Callable

from communard.record import (
    Checkpoint,
    MemoryStore,
    Row,
    Signer,
    consistency_proof,
    inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
    verify_rows,
)

ORIGIN = "bench.example/record"


def entry_bytes(i: int) -> bytes:
    """A realistic entry in canonical form (built by template: building 1M through the encoder
    would measure the encoder, not the verifier)."""
    who = hashlib.sha256(b"%d" % i).hexdigest()
    return (
        f'{{"actor":"council:17","body":{{"council":17,"member":"commit:{who}","seat":{i % 97}}},'
        f'"index":{i},"kind":"member.admitted","time":"2025-03-18T12:00:00.{i % 1_000_000:06d}Z"}}'
    ).encode()


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def per_call_ms(fn: Callable[[int], object], n: int, calls: int = 2000) -> tuple[float, float]:
    rng = random.Random(7)
    samples = []
    for _ in range(calls):
        k = rng.randrange(n)
        t = time.perf_counter()
        fn(k)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.mean(samples), samples[int(len(samples) * 0.99)]


def bench_verify(n: int, stride: int) -> None:
    print(f"\n== full verification of {n:,} entries ==")
    signer = Signer.generate(ORIGIN)
    data = [entry_bytes(i) for i in range(n)]
    leaves = [hashlib.sha256(b"\x00" + d).digest() for d in data]
    rows = [Row(i, d, h) for i, (d, h) in enumerate(zip(data, leaves, strict=True))]
    store = MemoryStore()
    store.bulk_load_leaves(b"".join(leaves))
    # The log signs every size; the verifier only reads every stride-th, so only those are made.
    notes = {s: Checkpoint(ORIGIN, s, root_hash(s, store)).sign(signer)
             for s in [*range(stride, n, stride), n]}
    gc.collect()
    t = time.perf_counter()
    report = verify_rows(rows, signer.verifier, notes.get, latest_checkpoint=notes[n],
                         stride=stride)
    ours = time.perf_counter() - t
    assert report.is_intact, report.findings[:3]
    print(f"communard.record: {ours:6.2f} s  ({n / ours:,.0f} entries/s; every leaf rehashed and "
          f"compared, every index placed, {report.checkpoints_checked} signatures)"
          f"   target < 5 s for 1M: {'MET' if n < 1_000_000 or ours < 5 else 'MISSED'}")
    gc.collect()
    t = time.perf_counter()
    report = verify_rows(rows, signer.verifier, notes.get, latest_checkpoint=notes[n],
                         stride=stride, strict=True)
    strict = time.perf_counter() - t
    assert report.is_intact
    print(f"communard.record --strict (also parses every entry as RFC 8785 JSON): {strict:6.2f} s"
          f"  ({n / strict:,.0f} entries/s)")
    try:
        from pymerkle import InmemoryTree
    except ImportError:
        print("pymerkle: not installed (pip install -e '.[bench]')")
        return
    gc.collect()
    t = time.perf_counter()
    tree = InmemoryTree(algorithm="sha256")
    for d in data:
        tree.append_entry(d)
    root = tree.get_root()
    theirs = time.perf_counter() - t
    assert root == report.root_hash, "pymerkle and communard disagree on the root"
    print(f"pymerkle 7 (root only, no parsing or checkpoints): {theirs:6.2f} s  "
          f"({n / theirs:,.0f} entries/s); same root hash: yes")


def bench_proofs(n: int, with_pymerkle: bool) -> None:
    print(f"\n== proof generation at {n:,} entries ==")
    rng = random.Random(1)
    leaves = b"".join(hashlib.sha256(b"\x00%d" % i).digest() for i in range(n))
    store = MemoryStore()
    build = timed(lambda: store.bulk_load_leaves(leaves))
    root = root_hash(n, store)
    incl = per_call_ms(lambda k: inclusion_proof(k, n, store), n)
    cons = per_call_ms(lambda k: consistency_proof(k + 1, n, store), n)
    k = rng.randrange(n)
    verify_inclusion(k, n, leaves[32 * k : 32 * k + 32], inclusion_proof(k, n, store), root)
    verify_consistency(k + 1, n, root_hash(k + 1, store), root,
                       consistency_proof(k + 1, n, store))
    ok = "MET" if max(incl[1], cons[1]) < 5 else "MISSED"
    print(f"communard.record (stored subtree hashes; built in {build:.1f} s):\n"
          f"  inclusion   mean {incl[0]:.3f} ms  p99 {incl[1]:.3f} ms\n"
          f"  consistency mean {cons[0]:.3f} ms  p99 {cons[1]:.3f} ms   target < 5 ms: {ok}")
    store = MemoryStore()  # free the big tree before pymerkle builds its own
    gc.collect()
    if not with_pymerkle:
        print("pymerkle: skipped at this size (--no-pymerkle-10m)")
        return
    try:
        from pymerkle import InmemoryTree
    except ImportError:
        print("pymerkle: not installed")
        return
    tree = InmemoryTree(algorithm="sha256")
    t = time.perf_counter()
    for i in range(n):
        tree.append_entry(b"%d" % i)
    build = time.perf_counter() - t
    # pymerkle counts leaves from one; its first proofs fill an LRU cache of subtree roots.
    cold_t = time.perf_counter()
    tree.prove_inclusion(n // 3 + 1)
    cold = (time.perf_counter() - cold_t) * 1000
    p_incl = per_call_ms(lambda k: tree.prove_inclusion(k + 1), n)
    p_cons = per_call_ms(lambda k: tree.prove_consistency(k + 1), n)
    print(f"pymerkle 7 InmemoryTree (built in {build:.1f} s; first proof {cold:.2f} ms):\n"
          f"  inclusion   mean {p_incl[0]:.3f} ms  p99 {p_incl[1]:.3f} ms\n"
          f"  consistency mean {p_cons[0]:.3f} ms  p99 {p_cons[1]:.3f} ms")
    gc.collect()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--no-pymerkle-10m", action="store_true",
                        help="skip building pymerkle's 10M tree (about 2 minutes, 3 GB)")
    parser.add_argument("--actions", type=int, default=2000,
                        help="admissions per variant in the action-path bench (default 2000)")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile the action with the record (action-path bench)")
    parser.add_argument("--no-web", action="store_true",
                        help="skip the action-path bench (SQLite and PostgreSQL)")
    parser.add_argument("--no-audit", action="store_true",
                        help="skip the state audit bench (builds a 1M-entry federation)")
    parser.add_argument("--audit-only", action="store_true", help="only the state audit bench")
    args = parser.parse_args(argv)
    audit_n = 100_000 if args.quick else 1_000_000
    if args.audit_only:
        from _record_audit import bench_audit  # bench/ is on sys.path when run as a script

        bench_audit(audit_n)
        return 0
    verify_n, proof_sizes = (100_000, [100_000, 1_000_000]) if args.quick else (
        1_000_000, [1_000_000, 10_000_000])
    print(f"Python {sys.version.split()[0]}")
    bench_verify(verify_n, stride=1024)
    for n in proof_sizes:
        bench_proofs(n, with_pymerkle=not (args.no_pymerkle_10m and n >= 10_000_000))
    if args.no_web:
        print("\n== appends through the app's action path: skipped (--no-web) ==")
    else:
        from _record_actions import bench_appends  # bench/ is on sys.path when run as a script

        bench_appends(n=500 if args.quick else args.actions, profile=args.profile)
    if args.no_audit or args.no_web:
        print("\n== state audit: skipped ==")
    else:
        from _record_audit import bench_audit

        bench_audit(audit_n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
