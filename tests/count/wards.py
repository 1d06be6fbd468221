"""Where the 2017 Scottish wards live: the project's own copies, and the full shared corpus."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCAL = REPO_ROOT / "tests" / "count" / "data" / "scotland-2017"


#: The variable that says where the shared data is (the directory holding ``scotland-2017/``).
SHARED_DATA_VARIABLE = "COMMUNARD_SHARED_DATA"


def shared_data_root() -> Path:
    """Where the shared data is: ``COMMUNARD_SHARED_DATA``, else ``../shared/data`` beside the
    checkout (where the main checkout has it; a worktree or a clone elsewhere sets the variable)."""
    env = os.environ.get(SHARED_DATA_VARIABLE)
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def shared_corpus() -> Path | None:
    """The full 2017 Scottish corpus (``scotland-2017/`` under :func:`shared_data_root`), or
    None when it is not there (:func:`missing_corpus` says why)."""
    corpus = shared_data_root() / "scotland-2017"
    return corpus if (corpus / "ballots").is_dir() else None


def missing_corpus() -> str:
    """Why the full corpus is not used, naming the path looked at and the variable to set."""
    where = shared_data_root() / "scotland-2017" / "ballots"
    how = (f"{SHARED_DATA_VARIABLE} is set" if os.environ.get(SHARED_DATA_VARIABLE)
           else f"set {SHARED_DATA_VARIABLE} to the directory holding scotland-2017/")
    return f"the full 2017 Scottish corpus is not at {where} ({how})"


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
