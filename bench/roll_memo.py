"""What the rolls' memo saves: ``communard verify --state FILE`` on a kept build, by this
checkout's code and by another checkout's (the base, before the memo), on the same data in one
run: a full run with a fresh state file, then two incremental runs with nothing new.

    python bench/roll_memo.py DIR BASE_SRC     # DIR: a copy of _record_audit.py's kept build
                                               # BASE_SRC: the base checkout's src/ folder

Each run is a child process under ``/usr/bin/time -v``: wall, CPU (user + system) and peak
memory, with the load average as it starts. The machine is shared, so CPU time is the number
that matters; the ratio printed is the base's CPU over this code's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

_VERIFY = ("import sys\nfrom communard.cli import main\nstatus = main(sys.argv[1:])\n"
           "from communard.web.polls import roll_memo\n"
           "print('RECOMPUTED', dict(roll_memo.recomputed), file=sys.stderr)\n"
           "sys.exit(status)\n")
_BASE = "import sys\nfrom communard.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def _run(label: str, code: str, args: list[str], env: dict[str, str]) -> float:
    load = os.getloadavg()[0]
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code, "verify", *args],
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{label} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n"
                 f"{proc.stderr[-2000:]}")

    def field(name: str) -> str:
        found = re.search(rf"^\s*{re.escape(name)}: (.+)$", proc.stderr, re.M)
        return found.group(1) if found else "?"

    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    peak = int(field("Maximum resident set size (kbytes)")) // 1024
    note = " ".join(x for x in proc.stderr.splitlines() if x.startswith("RECOMPUTED"))
    print(f"{label:34s} wall {wall:>8s}  cpu {cpu:7.1f} s  peak {peak:5d} MiB  "
          f"load {load:5.1f}  {note}", flush=True)
    return cpu


def main(data_dir: Path, base_src: Path) -> None:
    info = json.loads((data_dir / "built.json").read_text())
    env = {**os.environ, "COMMUNARD_DATA_DIR": str(data_dir),
           "COMMUNARD_SECRET_KEY": "bench-not-secret"}
    env.pop("DATABASE_URL", None)
    cpus: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, code, extra in (("base", _BASE, {"PYTHONPATH": str(base_src)}),
                                  ("this", _VERIFY, {})):
            state = Path(tmp) / name / "verify.state"
            key = ["--key", info["key"], "--state", str(state)]
            run_env = {**env, **extra}
            cpus[name] = [_run(f"{name}: full (--full, fresh state)", code, [*key, "--full"],
                               run_env)]
            for i in (1, 2):
                cpus[name].append(_run(f"{name}: incremental #{i}, nothing new", code,
                                       [*key, "--since-last"], run_env))
    for i, what in enumerate(("full", "incremental #1", "incremental #2")):
        print(f"cpu {what}: base {cpus['base'][i]:.1f} s, this {cpus['this'][i]:.1f} s, "
              f"base/this {cpus['base'][i] / cpus['this'][i]:.2f}x")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
