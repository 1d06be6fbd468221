"""Compare a Scottish STV result with an official 2017 result (``expected/*.json``)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from communard.count import Result


def load_expected(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def published_matches(ours: Fraction, published: str) -> bool:
    """True when ``published`` is our exact total to the digits it shows.

    Councils published 5 places; some rounded to 2 places (every 2-place figure in the corpus is
    rounded, half up); some dropped trailing zeros ("807", "690.6872"), and Glasgow cut a few
    figures short to 3 or 4 places ("998.5328" for 998.53286): those are truncations.
    """
    places = len(published.split(".")[1]) if "." in published else 0
    unit = Fraction(1, 10**places)
    if places == 2:
        return Fraction(published) == ((ours + unit / 2) // unit) * unit
    return Fraction(published) == (ours // unit) * unit


def differences(result: Result, expected: dict[str, Any]) -> list[str]:
    """Every way ``result`` differs from the official result: winners, stage count, totals."""
    problems = []
    official_winners = sorted(c["blt_index"] for c in expected["candidates"] if c["elected"])
    ours = sorted(w + 1 for w in result.winners)
    if ours != official_winners:
        problems.append(f"winners {ours} != official {official_winners}")
    if result.quota is None or result.votes(result.quota) != expected["quota"]:
        problems.append(f"quota {result.quota} != official {expected['quota']}")
    if len(result.stages) != expected["stages"]:
        problems.append(f"{len(result.stages)} stages != official {expected['stages']}")
    for cand in expected["candidates"]:
        c = cand["blt_index"] - 1
        for k, (stage, published) in enumerate(
            zip(result.stages, cand["stage_totals"], strict=False)
        ):
            mine = result.votes(stage.totals[c])
            if not published_matches(mine, published):
                problems.append(
                    f"stage {k + 1} candidate {c + 1}: ours {result.decimal(stage.totals[c])}"
                    f" != official {published}"
                )
    return problems
