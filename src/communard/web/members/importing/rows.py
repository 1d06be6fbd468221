"""The membership list (members.csv), streamed: every valid row, every problem by line and field."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from communard.web.members.importing.files import KIB, MEMBERS_MAX_BYTES
from communard.web.members.importing.problems import Problem, Problems
from communard.web.members.importing.structure import CONTROL, Structure
from communard.web.members.models import Status

REQUIRED_COLUMNS = ("number", "name", "council", "admitted_on")
OPTIONAL_COLUMNS = ("email", "status", "status_on", "platforms")

Progress = Callable[[int], None]  # called with bytes read since the last call

# Looked up once: Django's ``Status.values`` builds its list anew at each use (a third of the
# check pass's time when it was used per row).
STATUSES = {status.value: status for status in Status}

# A member's row is a few hundred bytes; a longer line is not a member (and is not kept).
MAX_LINE_BYTES = 64 * KIB
# A row whose quoted fields span lines stops here too (the csv module's own limit is per field).
MAX_RECORD_BYTES = 64 * KIB


@dataclass(frozen=True)
class Row:
    line: int
    number: str
    name: str
    email: str
    council: str
    admitted_on: dt.date
    status: Status
    status_on: dt.date | None
    platforms: tuple[str, ...]


class _RecordTooLong(Exception):
    """One CSV record (a row, with any lines a quoted field spans) passed MAX_RECORD_BYTES."""


class _Lines:
    """The file's lines as text for the CSV reader, within bounds: a line that is not UTF-8 or
    too long becomes a problem (and an empty line, so line numbers stay aligned), a record that
    spans too many bytes ends with :class:`_RecordTooLong`, and reading stops at
    ``MEMBERS_MAX_BYTES`` (a file that grows while it is read). An iterator class, not a
    generator: it must go on after raising."""

    def __init__(self, f: BinaryIO, name: str, problems: Problems, progress: Progress | None):
        self.f = f
        self.name = name
        self.problems = problems
        self.progress = progress
        self.line = 0
        self.total = 0
        self.record_bytes = 0  # since the reader's current record began (reset by read_rows)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.total > MEMBERS_MAX_BYTES:
            raise StopIteration
        raw = self.f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.line += 1
        size = len(raw)
        long_line = size > MAX_LINE_BYTES
        while long_line and not raw.endswith(b"\n"):  # skip the rest, a bounded piece at a time
            raw = self.f.readline(MAX_LINE_BYTES)
            if not raw:
                break
            size += len(raw)
        self.total += size
        if self.progress:
            self.progress(size)
        if self.total > MEMBERS_MAX_BYTES:
            self.problems.append(Problem(self.name, self.line, "", f"the file grew past "
                                         f"{MEMBERS_MAX_BYTES:,} bytes while it was read"))
            raise StopIteration
        if long_line:
            self.problems.append(Problem(self.name, self.line, "", f"line longer than "
                                         f"{MAX_LINE_BYTES:,} bytes (a member's row is far "
                                         "shorter: is this a CSV of members?)"))
            return ""
        self.record_bytes += size
        if self.record_bytes > MAX_RECORD_BYTES:
            self.record_bytes = 0
            raise _RecordTooLong
        if self.line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problems.append(
                Problem(
                    self.name,
                    self.line,
                    "",
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                    f"{exc.start + 1}); save the file as UTF-8",
                )
            )
            return ""  # keep line numbers aligned


def read_rows(
    f: BinaryIO, name: str, structure: Structure, problems: Problems,
    progress: Progress | None = None
) -> Iterator[Row]:
    """Every valid row of the members CSV, read from the start of ``f`` (an open regular file,
    see :mod:`.files`) and called ``name`` in problems; problems with the other rows are added
    to ``problems``."""
    f.seek(0)
    if f.read(2) in (b"\xff\xfe", b"\xfe\xff"):
        problems.append(Problem(name, 1, "", "UTF-16 text; save the file as UTF-8"))
        return
    f.seek(0)
    base = {c.key for c in structure.councils if structure.constitution.level(c.tier) == 0}
    higher = {c.key: c.tier for c in structure.councils}
    platforms = {p.slug for p in structure.platforms}
    today = timezone.localdate()
    lines = _Lines(f, name, problems, progress)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except _RecordTooLong:
        problems.append(Problem(name, 1, "", f"header longer than {MAX_RECORD_BYTES:,} bytes"))
        return
    except StopIteration:
        problems.append(
            Problem(
                name,
                1,
                "",
                "the file is empty (expected a header line: " + ",".join(REQUIRED_COLUMNS) + ")",
            )
        )
        return
    except csv.Error as exc:
        problems.append(Problem(name, 1, "", f"not a readable CSV header: {exc}"))
        return
    columns = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or unknown or duplicated:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if unknown:
            parts.append("unknown column(s) " + ", ".join(repr(u) for u in unknown))
        if duplicated:
            parts.append("repeated column(s) " + ", ".join(duplicated))
        problems.append(
            Problem(
                name,
                1,
                "header",
                "; ".join(parts)
                + " (expected "
                + ",".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
                + ")",
            )
        )
        return
    index = {c: i for i, c in enumerate(columns)}
    first_line: dict[str, int] = {}
    while True:
        start = lines.line + 1
        lines.record_bytes = 0
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(name, lines.line, "", f"malformed CSV: {exc}"))
            continue
        except _RecordTooLong:
            problems.append(Problem(name, start, "", f"a row longer than {MAX_RECORD_BYTES:,} "
                                    "bytes (a quote left open?)"))
            continue
        line = lines.line  # the record's last line (a quoted field may span several)
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # blank lines (and undecodable ones, already reported) carry nothing
        if len(cells) != len(columns):
            problems.append(
                Problem(name, line, "", f"{len(cells)} fields where the header has {len(columns)}")
            )
            continue
        get = lambda col: cells[index[col]].strip() if col in index else ""  # noqa: E731, B023
        before = len(problems)

        def bad(col: str, message: str) -> None:
            problems.append(Problem(name, line, col, message))  # noqa: B023 (used at once)

        # One search over the joined row first: cells are looked at one by one only when it
        # finds something (a search per cell cost a fifth of the check pass).
        controls = ([c for c in columns if CONTROL.search(cells[index[c]])]
                    if CONTROL.search("".join(cells)) else [])
        for col in controls:
            char = CONTROL.search(cells[index[col]])
            assert char is not None
            bad(col, f"contains the control character U+{ord(char.group()):04X}"
                + (" (a NUL byte)" if char.group() == "\x00" else ""))
        if controls:
            continue

        number = get("number")
        if not number:
            bad("number", "empty")
        elif len(number) > 40:
            bad("number", "longer than 40 characters")
        elif number in first_line:
            bad("number", f"duplicate member {number!r} (first on line {first_line[number]})")
        else:
            first_line[number] = line
        member_name = get("name")
        if not member_name:
            bad("name", "empty")
        elif len(member_name) > 200:
            bad("name", "longer than 200 characters")
        email = get("email")
        if len(email) > 254:
            bad("email", "longer than 254 characters")
        elif email:
            try:
                validate_email(email)
            except ValidationError:
                bad("email", f"{email!r} is not an email address")
        council = get("council")
        if council not in base:
            if council in higher:
                bad(
                    "council",
                    f"{council!r} is a {higher[council]} council; members belong to a base council",
                )
            else:
                bad("council", f"unknown council {council!r}")
        admitted_on = _date(get("admitted_on"), "admitted_on", bad, today)
        status_text = get("status") or "active"
        status = STATUSES.get(status_text)
        if status is None:
            bad("status", f"{status_text!r} is not one of {', '.join(STATUSES)}")
            status = Status.ACTIVE
        status_on = None
        if status != Status.ACTIVE:
            status_on = _date(get("status_on"), "status_on", bad, today)
            if status_on and admitted_on and status_on < admitted_on:
                bad("status_on", "is before admitted_on")
        elif get("status_on"):
            bad("status_on", "only a lapsed or expelled member has a status date")
        member_platforms = tuple(p.strip() for p in get("platforms").split(";") if p.strip())
        for p in member_platforms:
            if p not in platforms:
                bad("platforms", f"unknown platform {p!r}")
        if len(problems) == before and admitted_on is not None:
            yield Row(
                line,
                number,
                member_name,
                email,
                council,
                admitted_on,
                status,
                status_on,
                member_platforms,
            )


def _date(text: str, col: str, bad: Callable[[str, str], None], today: dt.date) -> dt.date | None:
    if not text:
        bad(col, "empty (expected a date as YYYY-MM-DD)")
        return None
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        bad(col, f"{text!r} is not a date as YYYY-MM-DD")
        return None
    if len(text) != 10:
        bad(col, f"{text!r} is not a date as YYYY-MM-DD")
        return None
    if value > today:
        bad(col, f"{text} is in the future")
        return None
    return value
