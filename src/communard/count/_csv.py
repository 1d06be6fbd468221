"""The CSV ballot reader: a header naming the candidates (and optionally a ``weight`` column),
then one ballot per row giving each candidate's preference number (1 = first) or nothing.

Rows are read one at a time (from the file itself by :func:`read_ballots`) into typed arrays, so
memory follows the ballots, not Python lists of every cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from communard.count.ballots import MAX_CANDIDATES, MAX_TOTAL_WEIGHT, Ballots, RankingsBuilder
from communard.count.errors import BallotFileError

_NATURAL = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit accepts '²'


def parse_csv(text: str, source: str = "<csv>", *, seats: int | None = None) -> Ballots:
    """Parse CSV text (see the module's description)."""
    return read_csv_lines(io.StringIO(text, newline=""), source, seats=seats)


def _natural(cell: str) -> int:
    """A cell's whole number (ASCII digits, at most 18 of them), or -1 if it is not one."""
    return int(cell) if _NATURAL.fullmatch(cell) else -1


def read_csv_lines(lines: Iterable[str], source: str, *, seats: int | None = None) -> Ballots:
    """Parse CSV from an iterable of lines (an open file streams)."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise BallotFileError(source, None, "the file is empty") from None
    except csv.Error as e:
        raise BallotFileError(source, 1, f"not valid CSV: {e}") from None
    header = [h.strip() for h in header]
    weight_col = next((i for i, h in enumerate(header) if h.lower() == "weight"), None)
    cand_cols = [i for i in range(len(header)) if i != weight_col]
    names = [header[i] for i in cand_cols]
    if not names or any(not n for n in names):
        raise BallotFileError(source, 1, "the header must name every candidate column")
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise BallotFileError(source, 1, f"candidate {dup!r} appears twice in the header")
    if len(names) > MAX_CANDIDATES:
        raise BallotFileError(
            source, 1, f"{len(names)} candidates: at most {MAX_CANDIDATES:,} can be counted"
        )
    out = RankingsBuilder()
    total = 0
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                raise BallotFileError(
                    source, line, f"{len(row)} cells but the header has {len(header)}"
                )
            row = row + [""] * (len(header) - len(row))
            w = 1
            if weight_col is not None:
                cell = row[weight_col].strip()
                w = _natural(cell)
                if not 1 <= w <= MAX_TOTAL_WEIGHT:
                    raise BallotFileError(
                        source, line, f"weight {cell!r} is not a whole number from 1 to 10^15"
                    )
            total += w
            if total > MAX_TOTAL_WEIGHT:
                raise BallotFileError(
                    source, line, f"the weights add up to more than {MAX_TOTAL_WEIGHT:,} papers"
                )
            out.add(_ranking(row, cand_cols, names, source, line), w)
    except csv.Error as e:
        raise BallotFileError(source, reader.line_num, f"not valid CSV: {e}") from None
    except UnicodeDecodeError:  # only when streaming from a file: read_ballots names the line
        raise BallotFileError(source, None, "the file is not UTF-8 text") from None
    if not len(out):
        raise BallotFileError(source, None, "the ballot box is empty: no ballot rows")
    rankings, weights = out.build()
    return Ballots(tuple(names), rankings, weights, frozenset(), seats, "", source)


def _ranking(
    row: list[str], cols: list[int], names: list[str], source: str, line: int
) -> list[int]:
    """The row's candidates in preference order, checking the numbers run 1, 2, 3, … once each."""
    marks: dict[int, int] = {}
    for k, i in enumerate(cols):
        cell = row[i].strip()
        if not cell:
            continue
        p = _natural(cell)
        if p < 1:
            raise BallotFileError(
                source, line, f"preference {cell!r} for {names[k]!r} is not a number ≥ 1"
            )
        if p in marks:
            raise BallotFileError(
                source,
                line,
                f"preference {p} is given to both {names[marks[p]]!r} and {names[k]!r}",
            )
        marks[p] = k
    if len(marks) and max(marks) != len(marks):
        missing = next(i for i in range(1, len(marks) + 2) if i not in marks)
        raise BallotFileError(source, line, f"preference {missing} is missing")
    return [marks[p] for p in sorted(marks)]
