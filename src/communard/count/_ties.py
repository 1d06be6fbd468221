"""The earlier-stage tie rule shared by the STV counts (SSI 2007/42 rules 48(3) and 50(2)-(3)).

Look back, most recent stage first, to the last stage at which the tied candidates' totals
differed, and take the highest (or lowest) there; if they were equal at every stage, draw lots
from the recorded seed and write the draw into the result.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction

from communard.count.result import Lot


def break_tie(
    tied: Sequence[int],
    history: Sequence[Sequence[Fraction | int]],
    *,
    highest: bool,
    purpose: str,
    stage: int,
    rng: random.Random,
    lots: list[Lot],
    since: Sequence[int] | None = None,
) -> int:
    """The candidate the rule picks among ``tied``. ``history`` holds every stage's totals, the
    current stage last (it is not looked at: the candidates are tied there).

    ``since[c]``, when given, is the first stage (index into ``history``) from which ``c``'s
    total has stayed what it is now. At every later stage the group's totals are all equal (they
    are tied now), so the look-back jumps straight past them: with 2,000 candidates tied at zero
    it costs nothing instead of stages x candidates.
    """
    group = list(tied)
    s = len(history) - 1
    while True:
        if since is not None:
            s = min(s, max(since[c] for c in group))
        s -= 1
        if s < 0:
            break
        past = history[s]
        vals = [past[c] for c in group]
        pick = max(vals) if highest else min(vals)
        narrowed = [c for c, v in zip(group, vals, strict=True) if v == pick]
        if len(narrowed) < len(group):
            group = narrowed
            if len(group) == 1:
                return group[0]
    group.sort()
    chosen = group[rng.randrange(len(group))]
    lots.append(Lot(stage, purpose, tuple(group), chosen))
    return chosen
