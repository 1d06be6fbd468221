"""Ballot file readers: BLT, CSV and JSON.

Every reader rejects malformed input with a :class:`BallotFileError` naming the file, the line and
the problem (a preference for an unknown candidate, a repeated candidate, a truncated file, an
empty ballot box, a number past the bounds). The formats and bounds are described in
``docs/count/formats.md``.

All three read straight into the ragged form of :class:`~communard.count.ballots.Rankings`, so
memory follows the file: :func:`read_ballots` maps a BLT file rather than copying it, and streams
a CSV file row by row.
"""

from __future__ import annotations

import codecs
import io
import mmap
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from communard.count._blt import parse_blt
from communard.count._csv import parse_csv, read_csv_lines
from communard.count._json import parse_json
from communard.count.ballots import Ballots
from communard.count.errors import BallotFileError

__all__ = ["names_of", "parse_blt", "parse_csv", "parse_json", "read_ballots", "write_blt"]


def read_ballots(path: str | Path, fmt: str | None = None) -> Ballots:
    """Read a ballot file, choosing the reader by ``fmt`` or else by the file's suffix."""
    p = Path(path)
    source = str(p)
    kind = (fmt or p.suffix.lstrip(".") or "blt").lower()
    if kind not in ("blt", "csv", "json"):
        raise BallotFileError(
            source, None, f"unknown ballot format {kind!r} (use blt, csv or json)"
        )
    try:
        with p.open("rb") as f:
            if kind == "blt":
                size = p.stat().st_size
                if size == 0:
                    return parse_blt(b"", source)
                with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                    return parse_blt(mapped, source)
            if kind == "csv":
                rows = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
                try:
                    return read_csv_lines(rows, source)
                except BallotFileError as e:
                    if e.line is None and "UTF-8" in e.problem:
                        f.seek(0)
                        raise BallotFileError(source, _bad_utf8_line(f), e.problem) from None
                    raise
            data: bytes = f.read()
    except OSError as e:
        raise BallotFileError(source, None, f"cannot read the file: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise BallotFileError(source, line, "the file is not UTF-8 text") from None
    del data
    return parse_json(text, source)


def _bad_utf8_line(f: io.BufferedIOBase | BinaryIO) -> int | None:
    """The line of the first byte that is not UTF-8, reading a megabyte at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    while block := f.read(1 << 20):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as e:
            return line + block.count(b"\n", 0, max(e.start, 0))
        line += block.count(b"\n")
    return None


def write_blt(ballots: Ballots, seats: int) -> str:
    """The ballot box as BLT text (used by the benchmark and for round trips in tests)."""
    out = io.StringIO()
    out.write(f"{ballots.n_candidates} {seats}\n")
    if ballots.withdrawn:
        out.write(" ".join(f"-{c + 1}" for c in sorted(ballots.withdrawn)) + "\n")
    for ranking, w in ballots.rankings_list():
        out.write(" ".join(str(x) for x in [w, *(c + 1 for c in ranking), 0]) + "\n")
    out.write("0\n")
    for name in ballots.candidates:
        out.write(f'"{name}"\n')
    out.write(f'"{ballots.title}"\n')
    return out.getvalue()


def names_of(ballots: Ballots, indices: Sequence[int]) -> list[str]:
    return [ballots.candidates[i] for i in indices]
