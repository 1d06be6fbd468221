"""Import a generated federation of N members (default 1,000,000) and print time and peak memory.

Runs ``communard import`` as a separate process on a fresh SQLite database (or on PostgreSQL
with ``--postgres``: a throwaway server is started from the system's binaries), so the numbers
are what an operator sees. There is no peer to compare with: no other tool imports a council
pyramid, so this bench reports the absolute figures the issue asks for.

    python bench/import_bench.py [--members 1000000] [--postgres]

With ``--bad`` every row names a council that does not exist: the import must refuse the file
and report the first problems and a count of the rest, in flat memory (the issue measured a
2-million-bad-row file: ``--bad --members 2000000``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def write_files(
    folder: Path, members: int, workplaces: int, seed: int = 7, bad: bool = False
) -> tuple[Path, Path]:
    rng = random.Random(seed)
    districts = max(1, workplaces // 25)
    constitution = (
        'version = 1\n[[tiers]]\nkey = "workplace"\n[[tiers]]\nkey = "district"\n'
        'apportionment = { rule = "per-members", members_per_seat = 100 }\n'
        '[[tiers]]\nkey = "congress"\n'
        f'apportionment = {{ rule = "fixed", seats = {max(15, 4 * districts)} }}\n'
    )
    (folder / "constitution.toml").write_text(constitution, encoding="utf-8")
    lines = [
        "[federation]",
        'slug = "big"',
        'name = "Big Federation"',
        'constitution_file = "constitution.toml"',
        "",
        "[[councils]]",
        'key = "congress"',
        'name = "Congress"',
        'tier = "congress"',
        "",
    ]
    for d in range(districts):
        lines += [
            "[[councils]]",
            f'key = "d{d}"',
            f'name = "District {d}"',
            'tier = "district"',
            'parent = "congress"',
            "",
        ]
    for w in range(workplaces):
        lines += [
            "[[councils]]",
            f'key = "w{w}"',
            f'name = "Workplace {w}"',
            'tier = "workplace"',
            f'parent = "d{w % districts}"',
            "",
        ]
    lines += ["[[platforms]]", 'slug = "p1"', 'name = "Platform one"', ""]
    structure = folder / "federation.toml"
    structure.write_text("\n".join(lines), encoding="utf-8")
    path = folder / "members.csv"
    start = dt.date(2015, 1, 1).toordinal()
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["number", "name", "email", "council", "admitted_on", "platforms"])
        for n in range(1, members + 1):
            w.writerow(
                [
                    n,
                    f"Member {n}",
                    "",
                    "nowhere" if bad else f"w{rng.randrange(workplaces)}",
                    dt.date.fromordinal(start + rng.randrange(3000)).isoformat(),
                    "p1" if rng.random() < 0.05 else "",
                ]
            )
    return structure, path


def run_import(
    structure: Path, members: Path, env: dict[str, str], refused: bool = False
) -> tuple[float, int, str]:
    communard = Path(sys.executable).with_name("communard")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(communard), "import", str(structure), str(members), "--as", "bench"],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    if (proc.returncode != 0) != refused:
        sys.exit(f"import {'passed' if refused else 'failed'} ({proc.returncode}):\n"
                 f"{proc.stderr[-3000:]}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if refused:
        tail = proc.stderr.strip().splitlines()[-2:]
        return elapsed, peak_kib, f"exit {proc.returncode}: " + " / ".join(tail)
    return elapsed, peak_kib, proc.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--workplaces", type=int, default=2000)
    parser.add_argument(
        "--postgres", action="store_true", help="import into a throwaway PostgreSQL"
    )
    parser.add_argument(
        "--bad", action="store_true",
        help="every row names an unknown council: measure the refusal's time and memory",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        structure, members = write_files(folder, args.members, args.workplaces, bad=args.bad)
        size_mb = members.stat().st_size / 1e6
        print(
            f"generated {args.members:,} members in {args.workplaces:,} workplaces "
            f"({size_mb:.0f} MB CSV) in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        env = {**os.environ, "COMMUNARD_DATA_DIR": str(folder), "COMMUNARD_SECRET_KEY": "bench"}
        if args.bad:
            elapsed, peak, out = run_import(structure, members, env, refused=True)
            print(out)
            print(f"refusal of {args.members:,} bad rows: {elapsed:.1f} s, "
                  f"peak memory {peak / 1024:.0f} MiB")
            return
        if args.postgres:
            from tests.postgres import running_postgres

            with running_postgres() as url:
                env["DATABASE_URL"] = url
                elapsed, peak, out = run_import(structure, members, env)
                again, _, out2 = run_import(structure, members, env)
        else:
            elapsed, peak, out = run_import(structure, members, env)
            again, _, out2 = run_import(structure, members, env)
        db = "PostgreSQL" if args.postgres else "SQLite"
        print(out)
        print(
            f"import into {db}: {elapsed:.1f} s ({args.members / elapsed:,.0f} members/s), "
            f"peak memory {peak / 1024:.0f} MiB"
        )
        print(f"re-run of the same files (idempotent, nothing added): {again:.1f} s — {out2}")


if __name__ == "__main__":
    main()
