"""Where the 2017 Scottish wards live: the project's own copies, and the full shared corpus."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCAL = REPO_ROOT / "tests" / "count" / "data" / "scotland-2017"


def shared_corpus() -> Path | None:
    """``../shared/data/scotland-2017`` beside the checkout (CI has it), or where
    ``COMMUNARD_SHARED_DATA`` points (for checkouts elsewhere, such as git worktrees)."""
    roots = [REPO_ROOT.parent / "shared" / "data"]
    if env := os.environ.get("COMMUNARD_SHARED_DATA"):
        roots.insert(0, Path(env))
    for root in roots:
        corpus = root / "scotland-2017"
        if (corpus / "ballots").is_dir():
            return corpus
    return None


def wards(corpus: Path) -> list[str]:
    return sorted(p.stem for p in (corpus / "ballots").glob("*.blt"))


# Cells where the published sheet contradicts itself, so no correct count can match it:
# (ward, stage, BLT candidate number) -> (what the council published, the correct total).
PUBLISHED_MISPRINTS = {
    # 288 -> 293 -> "393" -> 310: a total cannot fall while the candidate is continuing, and
    # stage 3 moved 10 votes to this candidate (303), as the other candidates' totals confirm.
    ("glasgow_2017_ward1", 3, 6): ("393", "303.00000"),
    # The gain at stage 3 is 143 papers x 0.02226 = 3.18318 (829.65834 -> 832.84152); the
    # published 832.84154 is not a multiple of the transfer value, and the council's own next
    # stage (886.13150) follows from 832.84152, not from 832.84154.
    ("midlothian_2017_ward1", 3, 6): ("832.84154", "832.84152"),
}
