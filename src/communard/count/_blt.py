"""The BLT ballot reader: ``C S``; optional ``-i -j`` withdrawn line; ``w p1 p2 … 0`` ballot lines;
``0``; candidate names; title.

The ballot section is parsed a chunk of whole lines at a time (1 MB), each chunk at once with
numpy (tokenising the bytes, not the lines), straight into the ragged form of
:class:`~communard.count.ballots.Rankings`: dropping each line's weight leaves ``p1 … pk 0``, and
minus one that is the ranking followed by its padding (-1). Memory is therefore the file (mapped,
not copied, by :func:`read_ballots`), the rankings (2 bytes a preference, 18 a line) and one
chunk's temporaries; never lines x the longest line.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from communard.count.ballots import (
    MAX_CANDIDATES,
    MAX_SEATS,
    MAX_TOTAL_WEIGHT,
    Ballots,
    IntArray,
    RankArray,
    Rankings,
    first_past_total,
)
from communard.count.errors import BallotFileError

Buffer = Any  # bytes, or an mmap of the file

_END_OF_BALLOTS = re.compile(rb"^[ \t]*0[ \t]*\r?$", re.MULTILINE)
_POW10 = 10 ** np.arange(19, dtype=np.int64)
# Whole numbers as BLT writes them: ASCII digits only (str.isdigit also accepts '²', which int()
# then refuses), at most 18 of them (anything larger is refused anyway).
_INTEGER = re.compile(r"-?[0-9]{1,18}")
CHUNK = 1 << 20  # bytes of ballot lines parsed at a time: bounds the parser's temporary memory

# A chunk's prefs (with padding), entries per line (int32) and weights.
Part = tuple[RankArray, Any, IntArray]


def parse_blt(data: Buffer | str, source: str = "<blt>") -> Ballots:
    """Parse a BLT file's bytes (or text)."""
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
    if not 1 <= seats <= MAX_SEATS:
        raise BallotFileError(
            source, hline, f"the number of seats must be from 1 to {MAX_SEATS:,}, not {seats}"
        )
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
    rankings, weights = _read_ballot_lines(data, start, m.start(), source, first_line, n_cand)
    names: list[str] = []
    title = ""
    tail = _Lines(data, m.end())
    while (line := tail.next_content()) is not None and not title:
        if len(names) < n_cand:
            names.append(_unquote(line[1]))
        else:
            title = _unquote(line[1])
    if len(names) < n_cand:
        raise BallotFileError(
            source,
            _last_line(data),
            f"the file is truncated: {n_cand} candidate names expected, {len(names)} found",
        )
    if weights.size == 0 or int(weights.sum()) == 0:
        raise BallotFileError(source, first_line, "the ballot box is empty: no ballots before '0'")
    return Ballots(tuple(names), rankings, weights, frozenset(withdrawn), seats, title, source)


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


def _read_ballot_lines(
    data: Buffer, start: int, end: int, source: str, first_line: int, n_cand: int
) -> tuple[Rankings, IntArray]:
    """``data[start:end]`` (whole ballot lines) as rankings and weights, a chunk at a time."""
    parts: list[Part] = []
    line, total = first_line, 0
    while True:
        stop = data.find(b"\n", start + CHUNK, end) if end - start > 2 * CHUNK else -1
        stop = end if stop < 0 else stop + 1
        chunk = bytes(data[start:stop])
        part = _read_chunk(chunk, source, line, n_cand)
        # Each weight is at most 10^15 (the chunk reader checks); their total must be too.
        over = first_past_total(part[2], total)
        if over is not None:
            raise _refuse_total(source, _nth_ballot_line(chunk, line, over))
        total += int(part[2].sum())
        parts.append(part)
        line += chunk.count(b"\n")
        start = stop
        if start >= end:
            break
    # Joined one kind at a time, each chunk's piece dropped once copied: the peak is the parts
    # plus one joined array, not twice the rankings.
    prefs = _join([p for p, _, _ in parts])
    n_rows = sum(s.size for _, s, _ in parts)
    starts = np.zeros(n_rows + 1, dtype=np.int64)
    row, at = 0, 0
    for k, (_, spans, _) in enumerate(parts):
        np.cumsum(spans, out=starts[row + 1 : row + 1 + spans.size])
        starts[row + 1 : row + 1 + spans.size] += at
        at = int(starts[row + spans.size])
        row += spans.size
        parts[k] = (parts[k][0], _EMPTY[1], parts[k][2])
    weights = _join([w for _, _, w in parts])
    return Rankings(prefs, starts), weights


def _join(pieces: list[Any]) -> Any:
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def _read_chunk(section: bytes, source: str, first_line: int, n_cand: int) -> Part:
    """Whole ballot lines as (prefs with padding, entries per line, weights), fast and lean.

    numpy parses every number at once (``fromstring``, C speed, one int64 per number); since
    weights and preferences are positive, each 0 ends a ballot. Cheap checks prove that every
    non-empty line holds exactly one 0, at its end; if any check fails, :func:`_diagnose`
    re-reads the section token by token to name the line and the problem.
    """
    a = np.frombuffer(section, dtype=np.uint8)
    newline = a == 10
    plain = (a >= 48) & (a <= 57)
    plain |= newline
    plain |= a == 32
    if not plain.all():  # tabs and carriage returns are blanks too; anything else is an error
        if not (plain | (a == 9) | (a == 13)).all():
            _diagnose(section, source, first_line, n_cand)
        section = section.replace(b"\r", b" ").replace(b"\t", b" ")
    del plain
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        values = np.fromstring(section, dtype=np.int64, sep=" ")
    # Every non-empty line must end with a lone 0 token ...
    ends = np.flatnonzero(newline)
    del newline
    if len(section) and section[-1:] != b"\n":
        ends = np.append(ends, len(section))
    last = _last_tokens(section, ends)
    n_lines = int(last.size)
    zeros = np.flatnonzero(values == 0)
    # ... and there must be exactly as many 0s as non-empty lines: then each has one, at its end.
    if values.size == 0 and n_lines == 0:
        return _EMPTY
    if n_lines != zeros.size or not last.all() or values.size == 0:
        _diagnose(section, source, first_line, n_cand)
    line_start = np.concatenate(([0], zeros[:-1] + 1))
    weights = values[line_start]
    is_pref = np.ones(values.size, dtype=bool)
    is_pref[line_start] = False
    entries = values[is_pref]  # each line's preferences, then its closing 0
    del values, is_pref
    if (weights > MAX_TOTAL_WEIGHT).any() or (entries.size and int(entries.max()) > n_cand):
        _diagnose(section, source, first_line, n_cand)
    spans = zeros - line_start  # preferences + padding, per line
    if _has_repeat(entries, spans, n_cand):
        _diagnose(section, source, first_line, n_cand)
    entries -= 1  # 1-based preferences to 0-based; the closing 0 becomes the padding, -1
    prefs = entries.astype(np.int16)
    return prefs, spans.astype(np.int32), weights


_EMPTY: Part = (np.zeros(0, np.int16), np.zeros(0, np.int32), np.zeros(0, np.int64))


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


BITMASK_CANDIDATES = 48  # up to here a ranking's candidates fit as bits of an int64 sum


def _has_repeat(entries: IntArray, spans: IntArray, n_cand: int) -> bool:
    """Whether some line ranks a candidate twice (``entries``: 1-based, each line's closing 0).

    A line longer than the candidates must repeat one. Otherwise, with few candidates, each
    line's candidates become bits: the sum of the bits equals their OR exactly when no bit is
    there twice (a line of at most 48 entries below 2^47 each cannot overflow). With more
    candidates, each line is sorted (:func:`_first_repeat`).
    """
    if entries.size == 0:
        return False
    if int(spans.max()) - 1 > n_cand:
        return True
    if n_cand > BITMASK_CANDIDATES:
        return _first_repeat((entries - 1).astype(np.int16), spans) is not None
    bits = np.left_shift(np.int64(1), entries) >> 1  # candidate p -> bit p-1; the 0 -> nothing
    starts = np.concatenate(([0], np.cumsum(spans)[:-1]))
    return bool((np.add.reduceat(bits, starts) != np.bitwise_or.reduceat(bits, starts)).any())


def _first_repeat(prefs: RankArray, spans: IntArray) -> tuple[int, int] | None:
    """The first ranking (by index) that names a candidate twice, and that candidate, or None.

    Rankings of one length are checked together as a table (sorted along each row), so the work
    is a sort of each ranking, never of rankings x the longest one.
    """
    found: tuple[int, int] | None = None
    starts = np.concatenate(([0], np.cumsum(spans)[:-1])).astype(np.intp)
    for span in np.unique(spans).tolist():
        if span < 3:  # one preference (and the padding) cannot repeat
            continue
        rows = np.flatnonzero(spans == span)
        table = prefs[starts[rows][:, None] + np.arange(span - 1)]
        table.sort(axis=1)
        same = table[:, 1:] == table[:, :-1]
        dup = same.any(axis=1)
        if dup.any():
            k = int(np.argmax(dup))
            g = int(rows[k])
            if found is None or g < found[0]:
                found = (g, int(table[k, 1:][same[k]][0]))
    return found


def _diagnose(section: bytes, source: str, first_line: int, n_cand: int) -> None:
    """Re-read a ballot section that failed a check, and raise the error naming its line."""
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
    if starts.size == 0:  # pragma: no cover - the fast path reads a section of blanks
        raise BallotFileError(source, first_line, "malformed ballot lines")
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
    weights = values[line_start]
    if (weights > MAX_TOTAL_WEIGHT).any():
        k = int(line_start[np.argmax(weights > MAX_TOTAL_WEIGHT)])
        raise BallotFileError(
            source, first_line + int(tok_line[k]), f"weight {int(values[k])} is above 10^15"
        )
    over = ~first_in_line & (values > n_cand)
    if over.any():
        k = int(np.argmax(over))
        raise BallotFileError(
            source,
            first_line + int(tok_line[k]),
            f"a preference for unknown candidate {int(values[k])} (the file has {n_cand})",
        )
    entries = values[~first_in_line] - 1
    spans = np.diff(np.concatenate((line_start, [values.size]))) - 1
    repeat = _first_repeat(entries.astype(np.int16), spans)
    if repeat is not None:
        g, c = repeat
        raise BallotFileError(
            source, first_line + int(tok_line[line_start[g]]), f"candidate {c + 1} is ranked twice"
        )
    raise BallotFileError(source, first_line, "malformed ballot lines")  # pragma: no cover


class _Lines:
    """Walks the header lines of a BLT byte string, tracking offset and line number."""

    def __init__(self, data: Buffer, offset: int = 0) -> None:
        self.data = data
        self.offset = offset
        self.line = _newlines(data, 0, offset) + 1

    def _scan(self) -> tuple[int, int, int, str] | None:
        off, line = self.offset, self.line
        while off < len(self.data):
            nl = self.data.find(b"\n", off)
            end = len(self.data) if nl < 0 else nl + 1
            text = bytes(self.data[off:end]).decode("utf-8", errors="replace").strip()
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


def _last_line(data: Buffer) -> int:
    end = len(data)
    while end and data[end - 1 : end] in (b"\r", b"\n"):
        end -= 1
    return _newlines(data, 0, end) + 1


def _newlines(data: Buffer, start: int, end: int) -> int:
    """How many newlines ``data[start:end]`` holds (an mmap has no ``count``)."""
    if end <= start:
        return 0
    view = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)
    return int(np.count_nonzero(view == 10))


def _is_int(s: str) -> bool:
    return _INTEGER.fullmatch(s) is not None


def _unquote(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] == '"':
        return s[1:-1]
    return s
