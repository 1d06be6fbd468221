"""The result of a count: winners in order of election and the full count sheet.

Quantities on the sheet are exact. ``Result.scale`` says how to read them: a vote count ``v`` is
``v / scale`` votes. Scottish STV works in hundred-thousandths (``scale = 100000``), so its sheet
holds integers; Gregory STV works in exact fractions (``scale = 1``, values are ``Fraction``).
The JSON form is documented in ``docs/count/json-schema.md``; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

Value = int | Fraction

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Stage:
    """One stage of the count: what was done, and every candidate's total at its end."""

    number: int  # 1-based
    action: str  # first-preferences | surplus | exclusion | round | iteration | count
    subject: tuple[int, ...]  # candidates whose ballots moved (0-based)
    totals: tuple[Value, ...]  # each candidate's total at the end of the stage
    transfers: tuple[Value, ...]  # each candidate's gain (+) or loss (-) at this stage
    non_transferable: Value = 0  # value of papers with no further usable preference, this stage
    lost_fractions: Value = 0  # value lost to truncating transfer values, this stage
    elected: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()
    transfer_values: tuple[Value, ...] = ()  # the transfer value(s) applied at a surplus stage
    note: str = ""


@dataclass(frozen=True)
class Lot:
    """A tie the rules leave to lot, and how the seeded draw decided it."""

    stage: int
    purpose: str  # exclusion | surplus-order | election-order | winner
    tied: tuple[int, ...]
    chosen: int


@dataclass(frozen=True)
class Result:
    method: str
    candidates: tuple[str, ...]
    seats: int
    winners: tuple[int, ...]  # 0-based, in order of election
    seed: int
    valid_poll: Value
    scale: int = 1
    quota: Value | None = None
    stages: tuple[Stage, ...] = ()
    lots: tuple[Lot, ...] = ()
    withdrawn: tuple[int, ...] = ()
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def votes(self, v: Value) -> Fraction:
        """A sheet quantity as an exact number of votes."""
        return Fraction(v) / self.scale

    def decimal(self, v: Value, places: int | None = None) -> str:
        """A sheet quantity as a decimal string, truncated (never rounded up) to ``places``."""
        return to_decimal(self.votes(v), self.places if places is None else places)

    @property
    def places(self) -> int:
        """Decimal places that show every sheet quantity exactly (or 9, for exact fractions)."""
        s, p = self.scale, 0
        while s % 10 == 0 and s > 1:
            s //= 10
            p += 1
        return p if s == 1 else 9

    @property
    def winner_names(self) -> list[str]:
        return [self.candidates[i] for i in self.winners]

    def to_dict(self) -> dict[str, Any]:
        from communard.count.export import result_to_dict

        return result_to_dict(self)

    def to_json(self, indent: int | None = 1) -> str:
        from communard.count.export import result_to_json

        return result_to_json(self, indent)

    def to_csv(self) -> str:
        from communard.count.export import result_to_csv

        return result_to_csv(self)

    def to_table(self) -> str:
        from communard.count.export import result_to_table

        return result_to_table(self)

    def chart(self, path: str) -> None:
        """Draw the stages (matplotlib, imported only here) and save them to ``path``."""
        from communard.count.chart import draw_chart

        draw_chart(self, path)


def to_decimal(x: Fraction, places: int) -> str:
    """``x`` as a decimal string with ``places`` digits, truncated toward zero."""
    neg = x < 0
    scaled = abs(x.numerator) * 10**places // x.denominator
    whole, frac = divmod(scaled, 10**places)
    s = f"{whole}.{frac:0{places}d}" if places else str(whole)
    return "-" + s if neg and scaled else s


def one_based(xs: Sequence[int]) -> list[int]:
    return [x + 1 for x in xs]
