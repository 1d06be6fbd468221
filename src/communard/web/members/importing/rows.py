"""The membership list (members.csv), streamed: every valid row, every problem by line and field."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from communard.web.members.importing.problems import Problem
from communard.web.members.importing.structure import Structure
from communard.web.members.models import Status

REQUIRED_COLUMNS = ("number", "name", "council", "admitted_on")
OPTIONAL_COLUMNS = ("email", "status", "status_on", "platforms")

Progress = Callable[[int], None]  # called with bytes read since the last call


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


def _decoded_lines(path: Path, problems: list[Problem], progress: Progress | None) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 becomes a problem, not an exception."""
    with path.open("rb") as f:
        for n, raw in enumerate(f, start=1):
            if progress:
                progress(len(raw))
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(
                    Problem(
                        str(path),
                        n,
                        "",
                        f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                        f"{exc.start + 1}); save the file as UTF-8",
                    )
                )
                yield ""  # keep line numbers aligned


def read_rows(
    path: Path, structure: Structure, problems: list[Problem], progress: Progress | None = None
) -> Iterator[Row]:
    """Every valid row of the members CSV; problems with the others are appended to ``problems``."""
    name = str(path)
    base = {c.key for c in structure.councils if structure.constitution.level(c.tier) == 0}
    higher = {c.key: c.tier for c in structure.councils}
    platforms = {p.slug for p in structure.platforms}
    today = timezone.localdate()
    lines = _decoded_lines(path, problems, progress)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
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
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(name, reader.line_num, "", f"malformed CSV: {exc}"))
            continue
        line = reader.line_num
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
        if email:
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
        status_text = get("status") or Status.ACTIVE.value
        status = Status.ACTIVE
        if status_text not in Status.values:
            bad("status", f"{status_text!r} is not one of {', '.join(Status.values)}")
        else:
            status = Status(status_text)
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
