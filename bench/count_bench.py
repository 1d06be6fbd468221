"""Benchmark communard.count against pyrankvote, votekit and pref_voting on the same data.

1. The 351-ward 2017 Scottish corpus (../shared/data/scotland-2017, or COMMUNARD_SHARED_DATA):
   counting time and end to end (parse + count), ours against each peer, as ratios.
2. One synthetic election: 1,000,000 ballots, 20 candidates, 5 seats, Dublin-like preference
   lengths: our counting time, end to end from a BLT file, and peak memory against the size of
   the ballot data; peers on the same election when they can finish within the time budget, else
   on a random sample of it (the output says which).

3. Hostile shapes (issue 14): peak memory of each reader as a multiple of its file, on the
   synthetic ballots written as BLT, CSV and JSON; the wide-ballot file (one ballot ranking
   20,000 candidates, 100,000 ranking one); 2,000 candidates x 2,000 ballots by every method.
   pref_voting counts the same data in the same run where it can (within the budget).
4. A bounded coverage-guided fuzz run (atheris) over the three readers: a fixed number of inputs
   and seconds; any exception other than BallotFileError/CountError is a failure (exit 1).

Every peer runs in a child process with a time limit, so the whole run stays bounded.
``--quick`` runs a small version (a corpus sample, 100,000 ballots, short budgets).

    .venv/bin/python bench/count_bench.py [--quick] [--budget SECONDS]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import inspect
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from communard.count import Ballots, CountError, count, read_ballots, scottish_stv, write_blt

REPO = Path(__file__).resolve().parents[1]
Rows = list[tuple[list[int], int]]


def corpus_dir() -> Path:
    """The shared corpus's ballots (the tests' rule: ``COMMUNARD_SHARED_DATA``, else
    ../shared/data), else the 16 wards kept in the project, saying so."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.count.wards import LOCAL, missing_corpus, shared_corpus

    corpus = shared_corpus()
    if corpus is None:
        print(f"{missing_corpus()}: the 16 wards kept in tests/count/data instead",
              file=sys.stderr)
        return LOCAL / "ballots"
    return corpus / "ballots"


# ------------------------------------------------------------------------------------ the peers


def peer_pref_voting(rows: Rows, n: int, seats: int) -> list[int]:
    from pref_voting.profiles_with_ties import ProfileWithTies
    from pref_voting.proportional_methods import stv_scottish

    prof = ProfileWithTies(
        [{c: i + 1 for i, c in enumerate(r)} for r, _ in rows],
        rcounts=[w for _, w in rows],
        candidates=list(range(n)),
    )
    return sorted(stv_scottish(prof, num_seats=seats))


def peer_pyrankvote(rows: Rows, n: int, seats: int) -> list[int]:
    import pyrankvote
    from pyrankvote import Ballot, Candidate

    cands = [Candidate(str(i)) for i in range(n)]
    ballots: list[Any] = []
    for r, w in rows:  # pyrankvote has no weights: a weighted ballot is repeated
        b = Ballot(ranked_candidates=[cands[c] for c in r])
        ballots += [b] * w
    res = pyrankvote.single_transferable_vote(cands, ballots, number_of_seats=seats)
    return sorted(int(c.name) for c in res.get_winners())


def peer_votekit(rows: Rows, n: int, seats: int) -> list[int]:
    from votekit import RankBallot, RankProfile
    from votekit.elections import STV

    names = [str(i) for i in range(n)]
    ballots = [
        RankBallot(ranking=tuple(frozenset({names[c]}) for c in r), weight=w) for r, w in rows
    ]
    prof = RankProfile(ballots=ballots, candidates=names)
    elected = STV(prof, n_seats=seats, simultaneous=False).get_elected()
    return sorted(int(next(iter(s))) for s in elected)


PEERS: dict[str, Callable[[Rows, int, int], list[int]]] = {
    "pref_voting": peer_pref_voting,
    "pyrankvote": peer_pyrankvote,
    "votekit": peer_votekit,
}


def _peer_child(name: str, jobs: list[tuple[Rows, int, int]], q: Any) -> None:
    import warnings

    warnings.filterwarnings("ignore")
    fn = PEERS[name]
    for k, (rows, n, seats) in enumerate(jobs):
        t = time.perf_counter()
        try:
            fn(rows, n, seats)
        except Exception as e:  # a peer failing is a result to report, not a crash
            q.put((k, None, f"{type(e).__name__}: {e}"))
            return
        q.put((k, time.perf_counter() - t, None))
    q.put(("done", None, None))


def run_peer(
    name: str, jobs: list[tuple[Rows, int, int]], budget: float
) -> tuple[list[float], str]:
    """Times per job for as many jobs as the peer finishes within ``budget`` seconds."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_peer_child, args=(name, jobs, q), daemon=True)
    p.start()
    times: list[float] = []
    note = ""
    deadline = time.perf_counter() + budget
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            note = f"stopped at the {budget:.0f} s budget"
            break
        try:
            k, t, err = q.get(timeout=min(left, 1.0))
        except Exception:
            if not p.is_alive() and q.empty():
                note = "the peer process died"
                break
            continue
        if k == "done":
            break
        if err:
            note = f"failed: {err[:80]}"
            break
        times.append(t)
    if p.is_alive():
        p.terminate()
    p.join()
    return times, note


# -------------------------------------------------------------------------------- the corpus


def bench_corpus(files: list[Path], budget: float) -> None:
    print(f"\n== 2017 Scottish corpus: {len(files)} wards ==")
    t = time.perf_counter()
    boxes = [read_ballots(f) for f in files]
    parse = time.perf_counter() - t
    per_ward: list[float] = []
    for b in boxes:
        t = time.perf_counter()
        scottish_stv(b)
        per_ward.append(time.perf_counter() - t)
    ours = sum(per_ward)
    print(f"communard   count {ours:8.3f} s   parse+count {ours + parse:8.3f} s")
    jobs = [(b.rankings_list(), b.n_candidates, b.seats or 1) for b in boxes]
    for name in PEERS:
        times, note = run_peer(name, jobs, budget)
        done = len(times)
        if not done:
            print(f"{name:11s} no ward counted ({note})")
            continue
        ours_same = sum(per_ward[:done])
        parse_same = parse * done / len(boxes)
        peer = sum(times)
        scope = "all wards" if done == len(jobs) else f"first {done} wards; {note}"
        print(
            f"{name:11s} count {peer:8.3f} s   ratio {peer / ours_same:7.1f}x   "
            f"end-to-end ratio {(peer + parse_same) / (ours_same + parse_same):6.1f}x   ({scope})"
        )
    print(
        "(peers read no BLT: each gets our parsed ballots converted to its own objects; that "
        "conversion is not timed, so end-to-end ratios favour the peers)"
    )


# ------------------------------------------------------------------------ synthetic election

LENGTH_WEIGHTS = np.array(  # share of ballots with 1, 2, … 20 preferences (Dublin-like)
    [8, 10, 13, 14, 13, 11, 8, 6, 4, 3, 2, 1.5, 1.2, 1, 0.8, 0.6, 0.5, 0.5, 0.4, 1.5]
)


def synthetic(n_ballots: int, n_cand: int = 20, seats: int = 5, seed: int = 1) -> Ballots:
    """Plackett-Luce rankings with uneven popularity and Dublin-like lengths (mean about 5)."""
    rng = np.random.default_rng(seed)
    popularity = np.log(rng.pareto(1.2, n_cand) + 0.2).astype(np.float32)
    p = LENGTH_WEIGHTS[:n_cand] / LENGTH_WEIGHTS[:n_cand].sum()
    rankings = np.full((n_ballots, n_cand + 1), -1, dtype=np.int16)
    for a in range(0, n_ballots, 100_000):
        b = min(a + 100_000, n_ballots)
        keys = popularity + rng.gumbel(size=(b - a, n_cand)).astype(np.float32)
        order = np.argsort(-keys, axis=1).astype(np.int16)
        lengths = rng.choice(np.arange(1, n_cand + 1), size=b - a, p=p)
        order[np.arange(n_cand)[None, :] >= lengths[:, None]] = -1
        rankings[a:b, :n_cand] = order
    names = tuple(f"Candidate {i + 1}" for i in range(n_cand))
    weights = np.ones(n_ballots, dtype=np.int64)
    return Ballots(names, rankings, weights, frozenset(), seats, "synthetic")


def _measure(fn: Callable[[], Any]) -> tuple[float, int, Any]:
    gc.collect()
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return dt, peak, out


def bench_synthetic(n_ballots: int, budget: float, sample: int) -> None:
    print(f"\n== synthetic: {n_ballots:,} ballots, 20 candidates, 5 seats ==")
    box = synthetic(n_ballots)
    data_bytes = box.rankings.prefs.nbytes + box.rankings.starts.nbytes + box.weights.nbytes
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.blt"
        path.write_text(write_blt(box, 5))
        size = path.stat().st_size
        lengths = box.rankings.lengths()
        print(
            f"mean preferences {lengths.mean():.2f}; BLT file {size / 1e6:.1f} MB; "
            f"ballot arrays {data_bytes / 1e6:.1f} MB"
        )
        # Timing runs without tracemalloc (it slows numpy allocations), then a memory run.
        times = []
        for _ in range(3):
            t = time.perf_counter()
            result = scottish_stv(box)
            times.append(time.perf_counter() - t)
        count_t = min(times)
        _, count_peak, _ = _measure(lambda: scottish_stv(box))
        e2e = []
        for _ in range(2):
            t = time.perf_counter()
            scottish_stv(read_ballots(path))
            e2e.append(time.perf_counter() - t)
        _, e2e_peak, _ = _measure(lambda: scottish_stv(read_ballots(path)))
    winners = [w + 1 for w in result.winners]
    print(
        f"communard   count {count_t:7.3f} s (target < 0.5 s)   winners {winners}, "
        f"{len(result.stages)} stages"
    )
    print(f"communard   end to end from BLT {min(e2e):7.3f} s (target < 1.2 s)")
    print(
        f"communard   peak memory counting {count_peak / 1e6:7.1f} MB = "
        f"{count_peak / data_bytes:.2f}x the ballot arrays (target <= 3x)"
    )
    print(
        f"communard   peak memory parse+count {e2e_peak / 1e6:7.1f} MB = "
        f"{e2e_peak / size:.2f}x the BLT file"
    )
    grouped = box.group()
    full_rows = grouped.rankings_list()
    for name in PEERS:
        # First try the whole election within the budget; if the peer cannot, a sample.
        times, note = run_peer(name, [(full_rows, 20, 5)], budget)
        if times:
            print(
                f"{name:11s} count {times[0]:8.3f} s   ratio {times[0] / count_t:7.1f}x "
                f"(whole election)"
            )
            continue
        idx = np.random.default_rng(2).choice(n_ballots, size=sample, replace=False)
        small = Ballots(box.candidates, box.rankings[idx], box.weights[idx], frozenset(), 5)
        t = time.perf_counter()
        scottish_stv(small)
        ours_small = time.perf_counter() - t
        rows = small.group().rankings_list()
        times, note2 = run_peer(name, [(rows, 20, 5)], budget)
        if times:
            print(
                f"{name:11s} whole election not done ({note}); on a {sample:,}-ballot sample: "
                f"{times[0]:.3f} s, ratio {times[0] / ours_small:.1f}x"
            )
        else:
            print(
                f"{name:11s} not done on the whole election ({note}) nor on a {sample:,}-ballot"
                f" sample ({note2})"
            )


# ---------------------------------------------------------------------------- hostile shapes


def _write_csv(box: Ballots, path: Path) -> None:
    with path.open("w") as f:
        f.write(",".join(box.candidates) + ",weight\n")
        n = box.n_candidates
        for ranking, w in box.rankings_list():
            cells = [""] * n
            for k, c in enumerate(ranking):
                cells[c] = str(k + 1)
            f.write(",".join(cells) + f",{w}\n")


def _write_json(box: Ballots, path: Path) -> None:
    with path.open("w") as f:
        f.write('{"candidates": ' + json.dumps(list(box.candidates)) + ', "seats": 5,\n')
        f.write('"ballots": [\n')
        rows = box.rankings_list()
        for k, (ranking, w) in enumerate(rows):
            item = (
                [c + 1 for c in ranking]
                if w == 1
                else {"ranking": [c + 1 for c in ranking], "weight": w}
            )
            f.write(json.dumps(item) + (",\n" if k + 1 < len(rows) else "\n"))
        f.write("]}\n")


def bench_reader_memory(n_ballots: int) -> None:
    print(f"\n== readers' peak memory: {n_ballots:,} synthetic ballots in each format ==")
    box = synthetic(n_ballots, seed=3)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, write in (
            ("blt", lambda b, p: p.write_text(write_blt(b, 5))),
            ("csv", _write_csv),
            ("json", _write_json),
        ):
            path = Path(tmp) / f"box.{fmt}"
            write(box, path)
            read_ballots(path)  # one-off costs (imports, compiled patterns) out of the measure
            size = path.stat().st_size
            t = time.perf_counter()
            read_ballots(path)  # timed without tracemalloc, which slows Python allocations
            dt = time.perf_counter() - t
            _, peak, got = _measure(lambda p=path: read_ballots(p))
            kept = got.rankings.prefs.nbytes + got.rankings.starts.nbytes + got.weights.nbytes
            print(
                f"{fmt:5s} file {size / 1e6:6.1f} MB  read {dt:6.2f} s  peak {peak / size:5.2f}x "
                f"the file  kept {kept / size:5.2f}x  (bound: 10x + 16 MB for BLT's chunk)"
            )


def _wide_file(path: Path, n_cand: int = 20_000, narrow: int = 100_000) -> None:
    with path.open("w") as f:
        f.write(f"{n_cand} 1\n1 " + " ".join(str(c) for c in range(1, n_cand + 1)) + " 0\n")
        f.write("1 5 0\n" * narrow)
        f.write("0\n" + "".join(f"C{c}\n" for c in range(1, n_cand + 1)) + "wide\n")


def _many_file(path: Path, n_cand: int = 2_000, n_ballots: int = 2_000) -> None:
    rng = np.random.default_rng(4)
    with path.open("w") as f:
        f.write(f"{n_cand} 5\n")
        for _ in range(n_ballots):
            k = int(rng.integers(1, 5))
            prefs = rng.choice(n_cand, size=k, replace=False) + 1
            f.write("1 " + " ".join(map(str, prefs)) + " 0\n")
        f.write("0\n" + "".join(f"C{c}\n" for c in range(1, n_cand + 1)) + "many\n")


PREF_VOTING_METHODS = {
    "scottish-stv": ("pref_voting.proportional_methods", "stv_scottish", True),
    "meek-stv": ("pref_voting.proportional_methods", "stv_meek", True),
    "schulze": ("pref_voting.voting_methods", "beat_path", False),
    "ranked-pairs": ("pref_voting.voting_methods", "ranked_pairs", False),
    "irv": ("pref_voting.voting_methods", "instant_runoff", False),
}


def peer_pref_voting_method(rows: Rows, n: int, seats: int, method: str) -> list[int]:
    import importlib

    from pref_voting.profiles_with_ties import ProfileWithTies

    module, name, multi = PREF_VOTING_METHODS[method]
    fn = getattr(importlib.import_module(module), name)
    prof = ProfileWithTies(
        [{c: i + 1 for i, c in enumerate(r)} for r, _ in rows],
        rcounts=[w for _, w in rows],
        candidates=list(range(n)),
    )
    return sorted(fn(prof, num_seats=seats) if multi else fn(prof))


def bench_shape(label: str, path: Path, methods: list[str], seats: int, budget: float) -> None:
    size = path.stat().st_size
    dt, peak, box = _measure(lambda: read_ballots(path))
    print(
        f"{label}: file {size / 1e6:.2f} MB, {box.n_candidates:,} candidates, "
        f"{box.total:,} ballots; read {dt:.2f} s, peak {peak / 1e6:.1f} MB = {peak / size:.1f}x"
    )
    rows = box.group().rankings_list()
    for method in methods:
        s = 1 if method in ("schulze", "ranked-pairs") else seats
        t, cpu = time.perf_counter(), time.process_time()
        try:
            count(box, method, s)
            ours: float | None = time.perf_counter() - t
            ours_note = f"{ours:7.3f} s ({time.process_time() - cpu:.3f} s CPU)"
        except CountError as e:
            ours, ours_note = None, f"refused: {e}"
        PEERS["pref_voting:" + method] = partial(peer_pref_voting_method, method=method)
        times, note = run_peer("pref_voting:" + method, [(rows, box.n_candidates, s)], budget)
        if times and ours:
            peer = f"pref_voting {times[0]:7.3f} s   ratio {times[0] / ours:7.1f}x"
        elif times:
            peer = f"pref_voting {times[0]:7.3f} s"
        else:
            peer = f"pref_voting not done ({note})"
        print(f"  {method:13s} communard {ours_note:26s}  {peer}")


def bench_hostile(budget: float, quick: bool) -> None:
    print("\n== hostile shapes (issue 14) ==")
    with tempfile.TemporaryDirectory() as tmp:
        wide = Path(tmp) / "wide.blt"
        _wide_file(wide, 2_000 if quick else 20_000, 10_000 if quick else 100_000)
        bench_shape("wide ballot", wide, ["scottish-stv", "meek-stv", "irv"], 1, budget)
        many = Path(tmp) / "many.blt"
        _many_file(many)
        stv = ["scottish-stv", "meek-stv", "schulze", "ranked-pairs"]
        bench_shape("2,000 candidates x 2,000 ballots", many, stv, 5, budget)


# ------------------------------------------------------------------------------ fuzzing


def fuzz_child(runs: int, seconds: int) -> None:
    """Run atheris over the readers (and a count of what they read); exits when done."""
    import atheris

    from communard.count import BallotFileError as FileErr
    from communard.count import CountError as CountErr
    from communard.count import count as count_fn
    from communard.count import parse_blt, parse_csv, parse_json

    # The count package is already imported (by this module): instrument its functions in place
    # (instrument_all would instrument numpy too, and take minutes to start).
    for name, module in list(sys.modules.items()):
        if name.startswith("communard.count"):
            for obj in list(vars(module).values()):
                for fn in [obj, *vars(obj).values()] if isinstance(obj, type) else [obj]:
                    if inspect.isfunction(fn) and fn.__module__ == name:
                        atheris.instrument_func(fn)

    def one(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        kind = fdp.ConsumeIntInRange(0, 2)
        body = fdp.ConsumeBytes(fdp.remaining_bytes())
        text = body.decode("utf-8", errors="replace")
        try:
            box = (
                parse_blt(body, "fuzz")
                if kind == 0
                else parse_csv(text, "fuzz")
                if kind == 1
                else parse_json(text, "fuzz")
            )
        except FileErr:
            return
        for method in ("scottish-stv", "meek-stv", "irv", "schulze", "dhondt"):
            seats = 1 if method in ("irv", "schulze") else box.seats or 1
            with contextlib.suppress(CountErr):
                count_fn(box, method, seats)

    seeds = Path(tempfile.mkdtemp())
    for k, good in enumerate(
        [
            b"\x00" + b'4 2\n-4\n3 1 2 0\n2 2 0\n1 3 1 2 0\n0\n"A"\n"B"\nC\n"D"\n"T"\n',
            b"\x01" + b"Ann,Bob,weight,Cat\n1,2,3,\n,1,1,2\n",
            b"\x02"
            + b'{"candidates": ["A", "B"], "ballots": [["A"], {"ranking": [2], "weight": 2}]}',
        ]
    ):
        (seeds / f"seed{k}").write_bytes(good)
    atheris.Setup(
        [sys.argv[0], f"-runs={runs}", f"-max_total_time={seconds}", "-max_len=4096", str(seeds)],
        one,
    )
    atheris.Fuzz()


def bench_fuzz(runs: int, seconds: int) -> int:
    print(f"\n== atheris over the readers: at most {runs:,} inputs and {seconds} s ==")
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("atheris is not installed (pip install -e '.[bench]'): skipped")
        return 0
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--fuzz-child", str(runs), str(seconds)],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    tail = [ln for ln in proc.stderr.splitlines() if " DONE " in ln or ln.startswith("Done")]
    print("\n".join(tail[-3:]))
    verdict = "no failure" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
    print(f"fuzzing: {verdict} in {time.perf_counter() - t:.0f} s")
    if proc.returncode != 0:
        print(proc.stderr[-3000:])
    return 0 if proc.returncode == 0 else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="a small, fast version")
    ap.add_argument("--budget", type=float, default=None, help="seconds allowed to each peer run")
    ap.add_argument("--fuzz-runs", type=int, default=None, help="atheris inputs (0: no fuzzing)")
    ap.add_argument("--fuzz-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.fuzz_child:
        fuzz_child(*args.fuzz_child)
        return 0
    budget = args.budget or (10.0 if args.quick else 60.0)
    files_dir = corpus_dir()
    files = sorted(files_dir.glob("*.blt"))
    if args.quick:
        files = files[:: max(1, len(files) // 40)]
    print(
        f"communard.count benchmark ({'quick' if args.quick else 'full'}), "
        f"peer budget {budget:.0f} s, {os.cpu_count()} CPUs"
    )
    bench_corpus(files, budget)
    bench_synthetic(
        100_000 if args.quick else 1_000_000, budget, 20_000 if not args.quick else 5_000
    )
    bench_reader_memory(50_000 if args.quick else 500_000)
    bench_hostile(budget, args.quick)
    runs = args.fuzz_runs if args.fuzz_runs is not None else (20_000 if args.quick else 200_000)
    return bench_fuzz(runs, 60 if args.quick else 300) if runs else 0


if __name__ == "__main__":
    sys.exit(main())
