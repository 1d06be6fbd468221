"""Where a full ``communard verify`` spends its time: the log check and each registered audit,
wall and CPU, with the load average (on a shared machine the wall time mostly measures the
queue for the CPU; this process's CPU time is what an idle machine would take).

Run it on a federation already built, such as the one ``_record_audit.py`` keeps:

    python bench/_record_audit.py 1000000 /tmp/keep     # builds (about 25 min) and keeps it
    python bench/audit_split.py /tmp/keep               # then, as often as wanted

The members' replay that several audits share is timed on its own, inside the first audit
that asks for it (its line is indented under that audit's).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def main(data_dir: Path) -> int:
    os.environ.update(COMMUNARD_DATA_DIR=str(data_dir), COMMUNARD_SECRET_KEY="bench-not-secret",
                      DJANGO_SETTINGS_MODULE="communard.web.settings")
    os.environ.pop("DATABASE_URL", None)
    from communard.cli.web_cmd import setup_django

    setup_django()
    import communard.cli.record_cmd as verify_cmd
    from communard.cli import main as communard
    from communard.web.records import audit

    times: list[tuple[str, float, float]] = []

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            out = fn(*args, **kwargs)
            if name.startswith("audit"):
                out = list(out)  # an audit is a generator: its work is done as it is read
            times.append((name, time.perf_counter() - wall, time.process_time() - cpu))
            return out
        return run

    audit._audits[:] = [timed(f"audit {f.__module__.removeprefix('communard.web.')}", f)
                        for f in audit._audits]
    share = audit.shared
    audit.shared = lambda key, make: share(key, timed(f"  shared {key}", make))
    for module in list(sys.modules.values()):  # the audits imported ``shared`` by name
        if getattr(module, "shared", None) is share:
            module.shared = audit.shared  # type: ignore[attr-defined]
    verify_cmd.verify_rows = timed("log check (read, rehash, checkpoints, replay's read)",
                                   verify_cmd.verify_rows)
    key = data_dir / ".communard" / "signing.vkey"
    wall, cpu = time.perf_counter(), time.process_time()
    status = communard(["verify", "--key", str(key)])
    total = time.perf_counter() - wall, time.process_time() - cpu
    print(f"\n{'':60s} {'wall':>9s} {'cpu':>9s}")
    for name, w, c in times:
        print(f"{name:60s} {w:8.2f}s {c:8.2f}s")
    print(f"{'verify in all (exit ' + str(status) + ')':60s} {total[0]:8.2f}s {total[1]:8.2f}s")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]).resolve()))
