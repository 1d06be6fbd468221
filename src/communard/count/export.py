"""Exports of a :class:`~communard.count.result.Result`: JSON (stable schema), CSV and a table.

The JSON schema is ``communard.count/1``, documented in ``docs/count/json-schema.md``. Candidate
numbers are 1-based, as in BLT files; quantities are decimal strings with every digit the count
used (five places for Scottish STV), never floats.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from communard.count.result import SCHEMA_VERSION, Result, Value, one_based


def result_to_dict(r: Result) -> dict[str, Any]:
    def d(v: Value) -> str:
        return r.decimal(v)

    return {
        "schema": f"communard.count/{SCHEMA_VERSION}",
        "method": r.method,
        "title": r.title,
        "seats": r.seats,
        "seed": r.seed,
        "candidates": [{"number": i + 1, "name": n} for i, n in enumerate(r.candidates)],
        "withdrawn": one_based(r.withdrawn),
        "valid_poll": d(r.valid_poll),
        "quota": None if r.quota is None else d(r.quota),
        "winners": one_based(r.winners),
        "stages": [
            {
                "stage": s.number,
                "action": s.action,
                "subject": one_based(s.subject),
                "totals": [d(t) for t in s.totals],
                "transfers": [d(t) for t in s.transfers],
                "non_transferable": d(s.non_transferable),
                "lost_fractions": d(s.lost_fractions),
                "elected": one_based(s.elected),
                "excluded": one_based(s.excluded),
                "transfer_values": [d(t) for t in s.transfer_values],
                "note": s.note,
            }
            for s in r.stages
        ],
        "lots": [
            {
                "stage": lot.stage,
                "purpose": lot.purpose,
                "tied": one_based(lot.tied),
                "chosen": lot.chosen + 1,
            }
            for lot in r.lots
        ],
        "extra": r.extra,
    }


def result_to_json(r: Result, indent: int | None = 1) -> str:
    return json.dumps(result_to_dict(r), indent=indent, ensure_ascii=False)


def result_to_csv(r: Result) -> str:
    """One row per stage: action, subject, every candidate's total, then the non-transferable."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "stage",
            "action",
            "subject",
            *r.candidates,
            "non_transferable",
            "lost_fractions",
            "elected",
            "excluded",
        ]
    )
    for s in r.stages:
        w.writerow(
            [
                s.number,
                s.action,
                " ".join(str(c + 1) for c in s.subject),
                *(r.decimal(t) for t in s.totals),
                r.decimal(s.non_transferable),
                r.decimal(s.lost_fractions),
                " ".join(str(c + 1) for c in s.elected),
                " ".join(str(c + 1) for c in s.excluded),
            ]
        )
    return out.getvalue()


def result_to_table(r: Result) -> str:
    """A readable count sheet: a column per stage, a row per candidate, winners marked."""
    places = min(r.places, 5)
    head = [r.title or "Count", f"method {r.method}, {r.seats} seat(s), seed {r.seed}"]
    head.append(f"valid poll {r.decimal(r.valid_poll, places)}")
    if r.quota is not None:
        head[-1] += f", quota {r.decimal(r.quota, places)}"
    label_w = max([len(n) for n in r.candidates] + [16]) + 4
    cols = [f"{s.number}:{_short(s.action)}" for s in r.stages]
    cells = [[r.decimal(s.totals[c], places) for s in r.stages] for c in range(len(r.candidates))]
    nt_cum, acc = [], r.valid_poll * 0
    for s in r.stages:
        acc = acc + s.non_transferable + s.lost_fractions
        nt_cum.append(r.decimal(acc, places))
    col_w = max([len(x) for row in cells for x in row] + [len(c) for c in cols] + [6]) + 2
    lines = [*head, ""]
    lines.append("".ljust(label_w) + "".join(c.rjust(col_w) for c in cols))
    winners = set(r.winners)
    for c, name in enumerate(r.candidates):
        mark = "* " if c in winners else "  "
        if c in r.withdrawn:
            mark = "- "
        lines.append((mark + name).ljust(label_w) + "".join(x.rjust(col_w) for x in cells[c]))
    lines.append("  non-transferable".ljust(label_w) + "".join(x.rjust(col_w) for x in nt_cum))
    lines.append("")
    for s in r.stages:
        what = []
        if s.subject:
            what.append(f"{s.action} of " + ", ".join(r.candidates[c] for c in s.subject))
        if s.transfer_values:
            what.append("transfer value " + ", ".join(r.decimal(v) for v in s.transfer_values))
        if s.elected:
            what.append("elected: " + ", ".join(r.candidates[c] for c in s.elected))
        if s.note and not s.elected:
            what.append(s.note)
        if what:
            lines.append(f"stage {s.number}: " + "; ".join(what))
    for lot in r.lots:
        lines.append(
            f"lot at stage {lot.stage} ({lot.purpose}) among "
            + ", ".join(r.candidates[c] for c in lot.tied)
            + f": {r.candidates[lot.chosen]}"
        )
    lines.append("winners: " + ", ".join(f"{c + 1} {r.candidates[c]}" for c in r.winners))
    return "\n".join(lines) + "\n"


def _short(action: str) -> str:
    return {
        "first-preferences": "first",
        "surplus": "surplus",
        "exclusion": "excl",
    }.get(action, action[:7])
