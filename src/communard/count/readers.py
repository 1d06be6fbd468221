"""Ballot file readers: BLT, CSV and JSON.

Every reader rejects malformed input with a :class:`BallotFileError` naming the file, the line and
the problem (a preference for an unknown candidate, a repeated candidate, a truncated file, an
empty ballot box). The formats are described in ``docs/count/formats.md``.

The BLT reader parses the whole ballot section at once with numpy (tokenising the bytes, not the
lines), so a file of a million ballots reads in well under a second.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from communard.count.ballots import (
    MAX_CANDIDATES,
    MAX_TOTAL_WEIGHT,
    PAD,
    Ballots,
    IntArray,
    first_past_total,
)
from communard.count.errors import BallotFileError

_END_OF_BALLOTS = re.compile(rb"^[ \t]*0[ \t]*\r?$", re.MULTILINE)
_POW10 = 10 ** np.arange(19, dtype=np.int64)
# Whole numbers as the formats write them: ASCII digits only. (``str.isdigit`` also accepts
# superscripts such as '²', which ``int`` then refuses.)
_NATURAL = re.compile(r"[0-9]+")
_INTEGER = re.compile(r"-?[0-9]{1,18}")  # 18 digits: any larger number is refused anyway


def read_ballots(path: str | Path, fmt: str | None = None) -> Ballots:
    """Read a ballot file, choosing the reader by ``fmt`` or else by the file's suffix."""
    p = Path(path)
    kind = (fmt or p.suffix.lstrip(".") or "blt").lower()
    try:
        data = p.read_bytes()
    except OSError as e:
        raise BallotFileError(str(p), None, f"cannot read the file: {e.strerror or e}") from None
    if kind == "blt":
        return parse_blt(data, str(p))
    if kind == "csv":
        return parse_csv(_decode(data, str(p)), str(p))
    if kind == "json":
        return parse_json(_decode(data, str(p)), str(p))
    raise BallotFileError(str(p), None, f"unknown ballot format {kind!r} (use blt, csv or json)")


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise BallotFileError(source, line, "the file is not UTF-8 text") from None


# --------------------------------------------------------------------------------------------- BLT


def parse_blt(data: bytes | str, source: str = "<blt>") -> Ballots:
    """Parse BLT: ``C S``; optional ``-i -j`` withdrawn line; ``w p1 p2 … 0`` rows; ``0``; names;
    title."""
    if isinstance(data, str):
        data = data.encode()
    lines_iter = _Lines(data)
    header = lines_iter.next_content()
    if header is None:
        raise BallotFileError(source, None, "the file is empty")
    hline, htext = header
    parts = htext.split()
    if len(parts) != 2 or not all(_is_int(x) and x[0] != "-" for x in parts):
        raise BallotFileError(source, hline, f"expected 'candidates seats', found {htext!r}")
    n_cand, seats = int(parts[0]), int(parts[1])
    if n_cand < 1:
        raise BallotFileError(source, hline, "the number of candidates must be at least 1")
    if n_cand > MAX_CANDIDATES:
        raise BallotFileError(
            source, hline, f"{n_cand} candidates: at most {MAX_CANDIDATES:,} can be counted"
        )
    if seats < 1:
        raise BallotFileError(source, hline, "the number of seats must be at least 1")
    withdrawn: set[int] = set()
    peek = lines_iter.peek_content()
    if peek is not None and peek[1].lstrip().startswith("-"):
        wline, wtext = peek
        lines_iter.next_content()
        for tok in wtext.split():
            if not _is_int(tok) or int(tok) >= 0:
                raise BallotFileError(
                    source, wline, f"withdrawn candidates are written -N, not {tok!r}"
                )
            c = -int(tok)
            if c > n_cand:
                raise BallotFileError(source, wline, f"withdrawn candidate {c} does not exist")
            withdrawn.add(c - 1)
    start = lines_iter.offset
    first_line = lines_iter.line
    m = _END_OF_BALLOTS.search(data, start)
    if m is None:
        raise BallotFileError(
            source, _last_line(data), "the file is truncated: no '0' line ends the ballots"
        )
    rankings, weights = _read_blt_ballots(data[start : m.start()], source, first_line, n_cand)
    tail = data[m.end() :].decode("utf-8", errors="replace").splitlines()
    names: list[str] = []
    title = ""
    for raw in tail:
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if len(names) < n_cand:
            names.append(_unquote(text))
        elif not title:
            title = _unquote(text)
        else:
            break
    if len(names) < n_cand:
        raise BallotFileError(
            source,
            _last_line(data),
            f"the file is truncated: {n_cand} candidate names expected, {len(names)} found",
        )
    ballots = Ballots(tuple(names), rankings, weights, frozenset(withdrawn), seats, title, source)
    if weights.size == 0 or int(weights.sum()) == 0:
        raise BallotFileError(source, first_line, "the ballot box is empty: no ballots before '0'")
    return ballots


def _refuse_total(source: str, line: int | None) -> BallotFileError:
    return BallotFileError(
        source, line, f"the weights add up to more than {MAX_TOTAL_WEIGHT:,} ballot papers"
    )


def _nth_ballot_line(section: bytes, first_line: int, k: int) -> int:
    """The file line of the ``k``-th (0-based) non-blank line of a ballot section."""
    seen = -1
    for i, raw in enumerate(section.split(b"\n")):
        if raw.strip():
            seen += 1
            if seen == k:
                return first_line + i
    return first_line  # pragma: no cover - k is always a line of the section


CHUNK = 1 << 20  # bytes of ballot lines parsed at a time: bounds the parser's temporary memory


def _read_blt_ballots(
    section: bytes, source: str, first_line: int, n_cand: int
) -> tuple[Any, IntArray]:
    """The ballot section as (rankings, weights), parsed in chunks of whole lines."""
    if not section:
        return _read_blt_chunk(section, source, first_line, n_cand)
    parts: list[tuple[Any, IntArray]] = []
    start, line, total = 0, first_line, 0
    while start < len(section):
        end = section.find(b"\n", start + CHUNK) if len(section) - start > 2 * CHUNK else -1
        end = len(section) if end < 0 else end + 1
        chunk = section[start:end]
        part = _read_blt_chunk(chunk, source, line, n_cand)
        # Each weight is at most 10^15 (the chunk reader checks); their total must be too.
        over = first_past_total(part[1], total)
        if over is not None:
            raise _refuse_total(source, _nth_ballot_line(chunk, line, over))
        total += int(part[1].sum())
        parts.append(part)
        line += chunk.count(b"\n")
        start = end
    if len(parts) == 1:
        return parts[0]
    n = sum(r.shape[0] for r, _ in parts)
    width = max(r.shape[1] for r, _ in parts)
    rankings = np.full((n, width), PAD, dtype=np.int16)
    row = 0
    for r, _ in parts:
        rankings[row : row + r.shape[0], : r.shape[1]] = r
        row += r.shape[0]
    weights = np.concatenate([w for _, w in parts])
    return rankings, weights


def _read_blt_chunk(
    section: bytes, source: str, first_line: int, n_cand: int
) -> tuple[Any, IntArray]:
    """Whole ballot lines as (rankings, weights), fast and lean.

    numpy parses every number at once (``fromstring``, C speed, one int64 per number); since
    weights and preferences are positive, each 0 ends a ballot. Cheap checks prove that every
    non-empty line holds exactly one 0, at its end; if any check fails, :func:`_diagnose_blt`
    re-reads the section token by token to name the line and the problem.
    """
    a = np.frombuffer(section, dtype=np.uint8)
    newline = a == 10
    plain = (a >= 48) & (a <= 57)
    plain |= newline
    plain |= a == 32
    if not plain.all():  # tabs and carriage returns are blanks too; anything else is an error
        if not (plain | (a == 9) | (a == 13)).all():
            _diagnose_blt(section, source, first_line, n_cand)
        section = section.replace(b"\r", b" ").replace(b"\t", b" ")
    del plain
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        values = np.fromstring(section, dtype=np.int64, sep=" ")
    # Every non-empty line must end with a lone 0 token ...
    ends = np.flatnonzero(newline)
    if len(section) and section[-1:] != b"\n":
        ends = np.append(ends, len(section))
    last = _last_tokens(section, ends)
    n_lines = int(last.size)
    zeros = np.flatnonzero(values == 0)
    # ... and there must be exactly as many 0s as non-empty lines: then each has one, at its end.
    if values.size == 0 and n_lines == 0:
        return np.full((0, 1), PAD, dtype=np.int16), np.zeros(0, dtype=np.int64)
    if n_lines != zeros.size or not last.all() or (values > 10**15).any() or values.size == 0:
        _diagnose_blt(section, source, first_line, n_cand)
    starts = np.concatenate(([0], zeros[:-1] + 1))
    weights = values[starts]
    n_prefs = zeros - starts - 1
    n = starts.size
    width = int(n_prefs.max()) + 1 if n else 1
    rankings = np.full((n, width), PAD, dtype=np.int16)
    is_pref = np.ones(values.size, dtype=bool)
    is_pref[starts] = False
    is_pref[zeros] = False
    if n_prefs.any() and int(values[is_pref].max()) > n_cand:
        _diagnose_blt(section, source, first_line, n_cand)
    rows = np.repeat(np.arange(n, dtype=np.int32), n_prefs)
    cols = np.arange(rows.size, dtype=np.int32) - np.repeat(
        (np.cumsum(n_prefs) - n_prefs).astype(np.int32), n_prefs
    )
    rankings[rows, cols] = values[is_pref] - 1
    del rows, cols, is_pref, values
    if _has_repeats(rankings):
        _diagnose_blt(section, source, first_line, n_cand)
    return rankings, weights


def _last_tokens(section: bytes, ends: Any) -> Any:
    """For each non-empty line (ending at ``ends``), whether its last token is a lone ``0``.

    Works on the line ends only (stepping back over trailing blanks), never on every byte.
    """
    a = np.frombuffer(section, dtype=np.uint8)
    prev_end = np.concatenate(([-1], ends[:-1]))
    k = ends - 1
    sel = np.flatnonzero(k > prev_end)
    sel = sel[a[k[sel]] == 32]
    while sel.size:
        k[sel] -= 1
        sel = sel[k[sel] > prev_end[sel]]
        sel = sel[a[k[sel]] == 32]
    nonempty = k > prev_end
    k = k[nonempty]
    before = np.maximum(k - 1, 0)
    digit_before = (k - 1 >= prev_end[nonempty] + 1) & (a[before] >= 48) & (a[before] <= 57)
    return (a[k] == 48) & ~digit_before


def _has_repeats(rankings: Any) -> bool:
    if rankings.shape[1] < 3:
        return False
    s = np.sort(rankings, axis=1)
    return bool(((s[:, 1:] == s[:, :-1]) & (s[:, 1:] != PAD)).any())


def _diagnose_blt(section: bytes, source: str, first_line: int, n_cand: int) -> None:
    """Re-read a ballot section that failed a check, and raise the error naming its line."""
    _parse_blt_ballots(section, source, first_line, n_cand)
    raise BallotFileError(source, first_line, "malformed ballot lines")  # pragma: no cover


def _parse_blt_ballots(
    section: bytes, source: str, first_line: int, n_cand: int
) -> tuple[Any, IntArray]:
    a = np.frombuffer(section, dtype=np.uint8)
    is_digit = (a >= 48) & (a <= 57)
    allowed = is_digit | (a == 32) | (a == 9) | (a == 10) | (a == 13)
    if not allowed.all():
        bad = int(np.argmin(allowed))
        line = first_line + section.count(b"\n", 0, bad)
        ch = section[bad : bad + 1].decode("latin-1")
        what = {
            "=": "equal preferences ('=') are not supported",
            ".": "fractional weights are not supported",
            "-": "a negative number",
            "(": "ballot identifiers are not supported",
        }.get(ch, f"unexpected character {ch!r}")
        raise BallotFileError(source, line, f"{what} in a ballot line")
    prev = np.concatenate(([False], is_digit[:-1]))
    nxt = np.concatenate((is_digit[1:], [False]))
    starts = np.flatnonzero(is_digit & ~prev)
    ends = np.flatnonzero(is_digit & ~nxt) + 1
    if starts.size == 0:
        empty_w = np.zeros(0, dtype=np.int64)
        return np.full((0, 1), PAD, dtype=np.int16), empty_w
    lengths = ends - starts
    newlines = np.flatnonzero(a == 10)
    tok_line = np.searchsorted(newlines, starts)  # 0-based line within the section
    if (lengths > 18).any():
        k = int(np.argmax(lengths > 18))
        raise BallotFileError(
            source, first_line + int(tok_line[k]), "a number is too large (at most 10^15)"
        )
    digit_pos = np.flatnonzero(is_digit)
    digits = a[digit_pos].astype(np.int64) - 48
    # Each digit's power of ten: the distance to the end of its token.
    tok_of_digit = np.repeat(np.arange(starts.size), lengths)
    exp = ends[tok_of_digit] - 1 - digit_pos
    tok_start_in_digits = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    values = np.add.reduceat(digits * _POW10[exp], tok_start_in_digits)
    del digits, exp, tok_of_digit, digit_pos
    last_in_line = np.concatenate((tok_line[1:] != tok_line[:-1], [True]))
    is_zero = values == 0
    bad_tok = is_zero != last_in_line
    if bad_tok.any():
        k = int(np.argmax(bad_tok))
        line = first_line + int(tok_line[k])
        if is_zero[k]:
            raise BallotFileError(source, line, "a 0 before the end of a ballot line (weight 0?)")
        raise BallotFileError(source, line, "a ballot line does not end with 0")
    first_in_line = np.concatenate(([True], last_in_line[:-1]))
    line_start = np.flatnonzero(first_in_line)
    line_end = np.flatnonzero(last_in_line)  # index of the closing 0
    weights = values[line_start]
    if (weights > MAX_TOTAL_WEIGHT).any():
        k = int(line_start[np.argmax(weights > MAX_TOTAL_WEIGHT)])
        raise BallotFileError(
            source, first_line + int(tok_line[k]), f"weight {int(values[k])} is above 10^15"
        )
    n_prefs = line_end - line_start - 1
    if (n_prefs < 0).any():  # pragma: no cover - a lone 0 ends the section
        raise BallotFileError(source, first_line, "an empty ballot line")
    pref_mask = ~(first_in_line | last_in_line)
    prefs = values[pref_mask]
    if prefs.size and int(prefs.max()) > n_cand:
        k = int(np.argmax(values * pref_mask > n_cand))
        raise BallotFileError(
            source,
            first_line + int(tok_line[k]),
            f"a preference for unknown candidate {int(values[k])} (the file has {n_cand})",
        )
    n = line_start.size
    width = int(n_prefs.max()) + 1 if n else 1
    rankings = np.full((n, width), PAD, dtype=np.int16)
    rows = np.repeat(np.arange(n), n_prefs)
    offsets = np.concatenate(([0], np.cumsum(n_prefs)[:-1]))
    cols = np.arange(prefs.size) - np.repeat(offsets, n_prefs)
    rankings[rows, cols] = prefs - 1
    _check_repeats(rankings, source, lambda g: first_line + int(tok_line[line_start[g]]))
    return rankings, weights.astype(np.int64)


def _check_repeats(rankings: Any, source: str, line_of: Any) -> None:
    if rankings.shape[1] < 3:
        return
    s = np.sort(rankings, axis=1)
    dup = ((s[:, 1:] == s[:, :-1]) & (s[:, 1:] != PAD)).any(axis=1)
    if dup.any():
        g = int(np.argmax(dup))
        row = s[g]
        same = row[1:][(row[1:] == row[:-1]) & (row[1:] != PAD)]
        raise BallotFileError(source, line_of(g), f"candidate {int(same[0]) + 1} is ranked twice")


class _Lines:
    """Walks the header lines of a BLT byte string, tracking offset and line number."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0
        self.line = 1

    def _scan(self) -> tuple[int, int, int, str] | None:
        off, line = self.offset, self.line
        while off < len(self.data):
            nl = self.data.find(b"\n", off)
            end = len(self.data) if nl < 0 else nl + 1
            text = self.data[off:end].decode("utf-8", errors="replace").strip()
            if text and not text.startswith("#"):
                return line, end, line + 1, text
            off, line = end, line + 1
        return None

    def peek_content(self) -> tuple[int, str] | None:
        r = self._scan()
        return None if r is None else (r[0], r[3])

    def next_content(self) -> tuple[int, str] | None:
        r = self._scan()
        if r is None:
            return None
        self.offset, self.line = r[1], r[2]
        return r[0], r[3]


def _last_line(data: bytes) -> int:
    return data.rstrip(b"\r\n").count(b"\n") + 1


def _is_int(s: str) -> bool:
    return _INTEGER.fullmatch(s) is not None


def _unquote(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] == '"':
        return s[1:-1]
    return s


# --------------------------------------------------------------------------------------------- CSV


def _natural(cell: str) -> int:
    """A cell's whole number (ASCII digits, at most 18 of them), or -1 if it is not one."""
    return int(cell) if len(cell) <= 18 and _NATURAL.fullmatch(cell) else -1


def parse_csv(text: str, source: str = "<csv>", *, seats: int | None = None) -> Ballots:
    """Parse CSV: a header of candidate names (and optionally a ``weight`` column), then one ballot
    per row giving each candidate's preference number (1 = first) or leaving the cell empty."""
    reader = csv.reader(io.StringIO(text))
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
    rankings: list[list[int]] = []
    weights: list[int] = []
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
                    raise _refuse_total(source, line)
            marks: dict[int, int] = {}
            for k, i in enumerate(cand_cols):
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
            order = sorted(marks)
            if order != list(range(1, len(order) + 1)):
                missing = next(i for i in range(1, len(order) + 2) if i not in marks)
                raise BallotFileError(source, line, f"preference {missing} is missing")
            rankings.append([marks[p] for p in order])
            weights.append(w)
    except csv.Error as e:
        raise BallotFileError(source, reader.line_num, f"not valid CSV: {e}") from None
    if not rankings:
        raise BallotFileError(source, None, "the ballot box is empty: no ballot rows")
    b = Ballots.from_rankings(rankings, names, weights=weights, seats=seats)
    return Ballots(b.candidates, b.rankings, b.weights, b.withdrawn, b.seats, b.title, source)


# -------------------------------------------------------------------------------------------- JSON


def parse_json(text: str, source: str = "<json>") -> Ballots:
    """Parse JSON ``{"candidates": [...], "seats": 3, "withdrawn": [...], "ballots": [...]}``.

    A ballot is a list of candidates (names, or 1-based numbers) first preference first, or an
    object ``{"ranking": [...], "weight": n}``. ``withdrawn`` lists names or 1-based numbers.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise BallotFileError(source, e.lineno, f"not valid JSON: {e.msg}") from None
    except RecursionError:
        raise BallotFileError(
            source, _too_deep_line(text), "not a ballot file: arrays or objects nested too deeply"
        ) from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        m = re.search(r"[0-9]{4000,}", text)
        line = text.count("\n", 0, m.start()) + 1 if m else None
        raise BallotFileError(source, line, "a number is too large") from None
    if not isinstance(doc, dict):
        raise BallotFileError(source, 1, "expected a JSON object with 'candidates' and 'ballots'")
    names = doc.get("candidates")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise BallotFileError(
            source, _key_line(text, "candidates"), "'candidates' must be a list of names"
        )
    if len(set(names)) != len(names):
        raise BallotFileError(source, _key_line(text, "candidates"), "a candidate is named twice")
    seats = doc.get("seats")
    if seats is not None and (not isinstance(seats, int) or isinstance(seats, bool) or seats < 1):
        raise BallotFileError(
            source, _key_line(text, "seats"), "'seats' must be a whole number ≥ 1"
        )
    index = {n: i for i, n in enumerate(names)}

    def cand(x: Any, where: int | None) -> int:
        if isinstance(x, str) and x in index:
            return index[x]
        if isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= len(names):
            return x - 1
        raise BallotFileError(source, where, f"a preference for unknown candidate {x!r}")

    listed = doc.get("withdrawn", [])
    if not isinstance(listed, list):
        raise BallotFileError(
            source, _key_line(text, "withdrawn"), "'withdrawn' must be a list of candidates"
        )
    withdrawn = {cand(x, _key_line(text, "withdrawn")) for x in listed}
    raw = doc.get("ballots")
    if not isinstance(raw, list):
        raise BallotFileError(source, _key_line(text, "ballots"), "'ballots' must be a list")
    if not raw:
        raise BallotFileError(source, _key_line(text, "ballots"), "the ballot box is empty")
    rankings: list[list[int]] = []
    weights: list[int] = []
    lines: list[int] | None = None

    def line_of(k: int) -> int | None:
        nonlocal lines
        if lines is None:
            lines = _ballot_lines(text)
        return lines[k] if k < len(lines) else None

    total = 0
    for k, b in enumerate(raw):
        w: Any = 1
        ranking: Any = b
        if isinstance(b, dict):
            ranking, w = b.get("ranking"), b.get("weight", 1)
        if not isinstance(ranking, list):
            raise BallotFileError(source, line_of(k), f"ballot {k + 1} is not a list of candidates")
        if not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= MAX_TOTAL_WEIGHT:
            raise BallotFileError(
                source,
                line_of(k),
                f"ballot {k + 1} has weight {w!r}, not a whole number from 1 to 10^15",
            )
        total += w
        if total > MAX_TOTAL_WEIGHT:
            raise _refuse_total(source, line_of(k))
        try:
            r = [cand(x, None) for x in ranking]
        except BallotFileError as e:
            raise BallotFileError(source, line_of(k), f"ballot {k + 1}: {e.problem}") from None
        if len(set(r)) != len(r):
            twice = next(names[c] for c in r if r.count(c) > 1)
            raise BallotFileError(source, line_of(k), f"ballot {k + 1} ranks {twice!r} twice")
        rankings.append(r)
        weights.append(w)
    b = Ballots.from_rankings(rankings, names, weights=weights, withdrawn=withdrawn, seats=seats)
    title = doc.get("title", "")
    if not isinstance(title, str):
        raise BallotFileError(source, _key_line(text, "title"), "'title' must be a string")
    return Ballots(b.candidates, b.rankings, b.weights, b.withdrawn, b.seats, str(title), source)


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _too_deep_line(text: str) -> int | None:
    """The line where brackets (outside strings) first nest deeper than any ballot file does."""
    depth = 0
    for m in _JSON_TOKENS.finditer(text):
        ch = m.group()[0]
        if ch in "[{":
            depth += 1
            if depth > 32:
                return text.count("\n", 0, m.start()) + 1
        elif ch in "]}":
            depth -= 1
    return None


def _key_line(text: str, key: str) -> int | None:
    i = text.find(f'"{key}"')
    return None if i < 0 else text.count("\n", 0, i) + 1


def _ballot_lines(text: str) -> list[int]:
    """The line on which each element of the top-level ``ballots`` array starts."""
    i = text.find('"ballots"')
    if i < 0:
        return []
    i = text.find("[", i)
    dec = json.JSONDecoder()
    out: list[int] = []
    pos = i + 1
    ws = re.compile(r"[\s,]*")
    while True:
        m = ws.match(text, pos)
        pos = m.end() if m else pos
        if pos >= len(text) or text[pos] == "]":
            return out
        out.append(text.count("\n", 0, pos) + 1)
        try:
            _, pos = dec.raw_decode(text, pos)
        except json.JSONDecodeError:
            return out


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
