"""``communard import``: build a federation from a structure file and a membership list.

The import is checked completely before anything is written: every problem is reported with its
file, line and field, and if there is any, nothing is imported. A clean import is one transaction
(all or nothing) with its record entries; running the same files again changes nothing.

Memory stays flat in the size of the membership list: the CSV is streamed twice (check, then
write) and only the set of membership numbers is held between passes.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from communard.constitution import (
    DEFAULT_CONSTITUTION_TOML,
    Constitution,
    ConstitutionError,
    CouncilNode,
    apportion_pyramid,
    check_tree,
    parse_constitution,
)
from communard.web.councils.actions import CouncilSpec, create_federation
from communard.web.councils.models import Council, Delegate, Federation
from communard.web.councils.pyramid import refresh_seats
from communard.web.members.models import EventKind, Member, MembershipEvent, Status
from communard.web.platforms.models import Platform
from communard.web.records import services as record

REQUIRED_COLUMNS = ("number", "name", "council", "admitted_on")
OPTIONAL_COLUMNS = ("email", "status", "status_on", "platforms")
BATCH = 5000

Progress = Callable[[int], None]  # called with bytes read since the last call


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ImportRejected(Exception):
    """The files have problems; nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"{len(problems)} problem(s); nothing was imported")


@dataclass(frozen=True)
class PlatformSpec:
    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class DelegateSpec:
    member: str
    constituency: str
    line: int


@dataclass
class Structure:
    slug: str
    name: str
    time_zone: str
    constitution_text: str
    constitution: Constitution
    councils: list[CouncilSpec]
    platforms: list[PlatformSpec]
    delegates: list[DelegateSpec]


@dataclass
class ImportReport:
    federation: str
    federation_created: bool
    members_added: int = 0
    members_unchanged: int = 0
    platforms_added: int = 0
    delegates_seated: int = 0
    seats_changed: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- structure file


def read_structure(path: Path) -> Structure:
    """Parse and check the structure file; raise ImportRejected naming every problem."""
    name = str(path)
    try:
        raw = path.read_bytes().decode("utf-8-sig")
        data = tomllib.loads(raw)
    except FileNotFoundError:
        raise ImportRejected([Problem(name, 0, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        line = raw_line_of(path.read_bytes(), exc.start)
        raise ImportRejected(
            [Problem(name, line, "", "not valid UTF-8; save the file as UTF-8")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ImportRejected(
            [Problem(name, getattr(exc, "lineno", 0) or 0, "", f"not valid TOML: {exc}")]
        ) from None

    problems: list[Problem] = []
    lines = _toml_key_lines(raw)
    tables = {t: _toml_table_lines(raw, t) for t in ("councils", "platforms", "delegates")}

    def problem(field_name: str, message: str, key: str | None = None, line: int = 0) -> None:
        problems.append(
            Problem(name, line or lines.get(key or field_name, 0), field_name, message)
        )

    def table_line(table: str, n: int) -> int:
        """Line of the n-th (1-based) [[table]] header, so each entry's problem points at it."""
        found = tables[table]
        return found[n - 1] if n <= len(found) else 0

    fed = data.get("federation")
    if not isinstance(fed, dict):
        raise ImportRejected(
            [Problem(name, 0, "[federation]", "missing table (slug, name, time_zone)")]
        )
    slug = fed.get("slug", "")
    if (
        not isinstance(slug, str)
        or not slug
        or not slug.replace("-", "").replace("_", "").isalnum()
    ):
        problem("federation.slug", "a short name of letters, digits, - or _ is required", "slug")
    fed_name = fed.get("name", "")
    if not isinstance(fed_name, str) or not fed_name.strip():
        problem("federation.name", "required", "name")
    time_zone = fed.get("time_zone", "UTC")
    if not _is_time_zone(time_zone):
        problem(
            "federation.time_zone",
            f"{time_zone!r} is not an IANA time zone (e.g. Europe/Paris)",
            "time_zone",
        )

    constitution_text = DEFAULT_CONSTITUTION_TOML
    if "constitution_file" in fed:
        cpath = path.parent / str(fed["constitution_file"])
        try:
            constitution_text = cpath.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problem(
                "federation.constitution_file", f"cannot read {cpath}: {exc}", "constitution_file"
            )
    elif "constitution" in fed:
        constitution_text = str(fed["constitution"])
    constitution: Constitution | None = None
    try:
        constitution = parse_constitution(constitution_text, source="constitution")
    except ConstitutionError as exc:
        problem("federation.constitution", str(exc), "constitution")

    councils: list[CouncilSpec] = []
    seen: set[str] = set()
    for n, c in enumerate(data.get("councils", []), start=1):
        where = f"councils[{n}]"
        if not isinstance(c, dict) or not all(
            isinstance(c.get(k), str) and c.get(k) for k in ("key", "name", "tier")
        ):
            problem(where, "each council needs key, name and tier", line=table_line("councils", n))
            continue
        if c["key"] in seen:
            problem(
                f"{where}.key",
                f"council {c['key']!r} is listed twice",
                line=table_line("councils", n),
            )
            continue
        seen.add(c["key"])
        councils.append(CouncilSpec(c["key"], c["name"], c["tier"], c.get("parent") or None))
    if not councils:
        problem("councils", "at least one [[councils]] entry is required", "councils")
    if constitution is not None and councils:
        try:
            check_tree(constitution, [CouncilNode(c.key, c.tier, c.parent) for c in councils])
        except ConstitutionError as exc:
            problem("councils", str(exc), "councils")

    platforms = []
    for n, p in enumerate(data.get("platforms", []), start=1):
        if not isinstance(p, dict) or not p.get("slug") or not p.get("name"):
            problem(
                f"platforms[{n}]",
                "each platform needs slug and name",
                line=table_line("platforms", n),
            )
            continue
        platforms.append(
            PlatformSpec(str(p["slug"]), str(p["name"]), str(p.get("description", "")))
        )

    delegates = []
    council_keys = {c.key for c in councils}
    for n, d in enumerate(data.get("delegates", []), start=1):
        if not isinstance(d, dict) or not d.get("member") or not d.get("constituency"):
            problem(
                f"delegates[{n}]",
                "each founding delegate needs member and constituency",
                line=table_line("delegates", n),
            )
            continue
        if d["constituency"] not in council_keys:
            problem(
                f"delegates[{n}].constituency",
                f"unknown council {d['constituency']!r}",
                line=table_line("delegates", n),
            )
            continue
        delegates.append(
            DelegateSpec(str(d["member"]), str(d["constituency"]), table_line("delegates", n))
        )

    if problems:
        raise ImportRejected(problems)
    assert constitution is not None
    return Structure(
        slug, fed_name, time_zone, constitution_text, constitution, councils, platforms, delegates
    )


def _toml_table_lines(text: str, table: str) -> list[int]:
    """Lines of every ``[[table]]`` header, in order."""
    header = f"[[{table}]]"
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == header]


def _toml_key_lines(text: str) -> dict[str, int]:
    """First line where each key or array-of-tables header appears (for error locations)."""
    found: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if s.startswith("[["):
            found.setdefault(s.strip("[] "), n)
        elif "=" in s and not s.startswith("#"):
            found.setdefault(s.split("=", 1)[0].strip(), n)
    return found


def _is_time_zone(name: object) -> bool:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def raw_line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# --------------------------------------------------------------------------- membership list


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


# --------------------------------------------------------------------------- the import action

ProgressFactory = Callable[
    [str, int], Any
]  # (description, total bytes) -> context manager of Progress


@dataclass
class _Known:
    """What pass 1 learns about existing members and the file, for the checks and for pass 2."""

    existing: dict[str, tuple[str, str, str, dt.date, str]]
    active_counts: dict[str, int] = field(default_factory=dict)
    delegate_councils: dict[str, str] = field(default_factory=dict)
    new_members: int = 0
    unchanged: int = 0


def do_import(
    structure_path: Path,
    members_path: Path,
    *,
    actor: str,
    progress: ProgressFactory | None = None,
) -> ImportReport:
    """Check both files completely, then import them in one transaction (or raise ImportRejected)."""
    structure = read_structure(structure_path)
    federation = Federation.objects.filter(slug=structure.slug).first()
    problems: list[Problem] = []
    if federation is not None:
        _compare_structure(federation, structure, str(structure_path), problems)
    known = _Known(existing=_existing_members(federation) if federation else {})
    _check_members(structure, members_path, known, problems, progress)
    _check_delegates(structure, federation, known, str(structure_path), problems)
    if problems:
        raise ImportRejected(problems)

    with transaction.atomic(durable=True):
        report = ImportReport(structure.slug, federation_created=federation is None)
        if federation is None:
            federation = create_federation(
                slug=structure.slug,
                name=structure.name,
                time_zone=structure.time_zone,
                constitution_text=structure.constitution_text,
                councils=structure.councils,
                actor=actor,
            )
        else:
            federation = Federation.objects.select_for_update().get(pk=federation.pk)
        report.platforms_added = _create_platforms(federation, structure, actor)
        report.members_added = _write_members(
            federation, structure, members_path, known, actor, progress
        )
        report.members_unchanged = known.unchanged
        report.delegates_seated = _seat_founding_delegates(federation, structure, actor)
        report.seats_changed = refresh_seats(federation, actor=actor)
    return report


def _compare_structure(
    federation: Federation, structure: Structure, name: str, problems: list[Problem]
) -> None:
    """A re-run must describe the same federation; changing its structure is not an import."""
    if federation.constitution_text.strip() != structure.constitution_text.strip():
        problems.append(
            Problem(
                name,
                0,
                "federation.constitution",
                f"federation {federation.slug!r} exists with a different constitution; "
                "a constitution changes only by the members' vote",
            )
        )
    stored = {
        c.key: (c.name, c.tier, c.parent.key if c.parent else None)
        for c in federation.councils.select_related("parent")
    }
    wanted = {c.key: (c.name, c.tier, c.parent) for c in structure.councils}
    for key in sorted(stored.keys() ^ wanted.keys()):
        state = "is missing from the file" if key in stored else "is not in the existing federation"
        problems.append(Problem(name, 0, "councils", f"council {key!r} {state}"))
    for key in sorted(stored.keys() & wanted.keys()):
        if stored[key] != wanted[key]:
            problems.append(
                Problem(
                    name,
                    0,
                    "councils",
                    f"council {key!r} differs from the existing one: {stored[key]} vs {wanted[key]}",
                )
            )


def _existing_members(federation: Federation) -> dict[str, tuple[str, str, str, dt.date, str]]:
    rows = Member.objects.filter(federation=federation).values_list(
        "number", "name", "email", "council__key", "admitted_on", "status"
    )
    return {r[0]: r[1:] for r in rows.iterator(chunk_size=20000)}


def _progress(progress: ProgressFactory | None, label: str, path: Path) -> Any:
    if progress is None:
        return contextlib.nullcontext(None)
    return progress(label, path.stat().st_size)


def _check_members(
    structure: Structure,
    path: Path,
    known: _Known,
    problems: list[Problem],
    progress: ProgressFactory | None,
) -> None:
    if not path.exists():
        problems.append(Problem(str(path), 0, "", "file not found"))
        return
    wanted_delegates = {d.member for d in structure.delegates}
    counts: dict[str, int] = {}
    for number, (_, _, council, _, status) in known.existing.items():
        if status == Status.ACTIVE:
            counts[council] = counts.get(council, 0) + 1
        if number in wanted_delegates:
            known.delegate_councils[number] = council
    with _progress(progress, "checking", path) as bar:
        for row in read_rows(path, structure, problems, bar):
            stored = known.existing.get(row.number)
            if stored is not None:
                given = (row.name, row.email, row.council, row.admitted_on, row.status.value)
                if given != stored:
                    diffs = [
                        f"{col} {old!r} (file: {new!r})"
                        for col, old, new in zip(
                            ("name", "email", "council", "admitted_on", "status"),
                            stored,
                            given,
                            strict=True,
                        )
                        if old != new
                    ]
                    problems.append(
                        Problem(
                            str(path),
                            row.line,
                            "number",
                            f"member {row.number!r} already exists with "
                            + ", ".join(diffs)
                            + "; membership changes are actions (transfer, lapse), not imports",
                        )
                    )
                else:
                    known.unchanged += 1
                continue
            known.new_members += 1
            if row.status == Status.ACTIVE:
                counts[row.council] = counts.get(row.council, 0) + 1
            if row.number in wanted_delegates:
                known.delegate_councils[row.number] = row.council
    known.active_counts = counts


def _check_delegates(
    structure: Structure,
    federation: Federation | None,
    known: _Known,
    name: str,
    problems: list[Problem],
) -> None:
    if not structure.delegates:
        return
    if federation is not None:
        seated = set(
            Delegate.objects.filter(council__federation=federation, source="founding").values_list(
                "member__number", "constituency__key"
            )
        )
        if seated != {(d.member, d.constituency) for d in structure.delegates}:
            problems.append(
                Problem(
                    name,
                    0,
                    "delegates",
                    "founding delegates are set only when a federation is founded; "
                    "after that, delegates are elected",
                )
            )
        return
    parents = {c.key: c.parent for c in structure.councils}
    nodes = [CouncilNode(c.key, c.tier, c.parent) for c in structure.councils]
    base = {
        c.key: known.active_counts.get(c.key, 0)
        for c in structure.councils
        if structure.constitution.level(c.tier) == 0
    }
    seats = apportion_pyramid(structure.constitution, nodes, base)
    held: dict[str, int] = {}
    for d in structure.delegates:
        council = known.delegate_councils.get(d.member)
        if council is None:
            problems.append(
                Problem(
                    name, d.line, "delegates", f"member {d.member!r} is not in the membership list"
                )
            )
            continue
        if parents.get(d.constituency) is None:
            problems.append(
                Problem(
                    name,
                    d.line,
                    "delegates",
                    f"{d.constituency!r} is a top council and sends no delegates",
                )
            )
            continue
        node: str | None = council
        while node is not None and node != d.constituency:
            node = parents.get(node)
        if node is None:
            problems.append(
                Problem(
                    name,
                    d.line,
                    "delegates",
                    f"member {d.member!r} belongs to {council!r}, not to constituency {d.constituency!r}",
                )
            )
            continue
        held[d.constituency] = held.get(d.constituency, 0) + 1
    for key, n in sorted(held.items()):
        if n > seats.get(key, 0):
            problems.append(
                Problem(
                    name,
                    0,
                    "delegates",
                    f"{key!r} has {seats.get(key, 0)} seat(s) but {n} founding delegates",
                )
            )


def _create_platforms(federation: Federation, structure: Structure, actor: str) -> int:
    existing = set(Platform.objects.filter(federation=federation).values_list("slug", flat=True))
    added = 0
    for p in structure.platforms:
        if p.slug in existing:
            continue
        Platform.objects.create(
            federation=federation, slug=p.slug, name=p.name, description=p.description
        )
        record.append(
            "platform.founded",
            {"federation": federation.slug, "platform": p.slug, "name": p.name},
            actor=actor,
        )
        added += 1
    return added


def _write_members(
    federation: Federation,
    structure: Structure,
    path: Path,
    known: _Known,
    actor: str,
    progress: ProgressFactory | None,
) -> int:
    councils = dict(Council.objects.filter(federation=federation).values_list("key", "id"))
    platforms = dict(Platform.objects.filter(federation=federation).values_list("slug", "id"))
    through = Platform.members.through
    digest = hashlib.sha256()
    by_council: dict[str, int] = {}
    by_platform: dict[str, int] = {}
    added = 0
    problems: list[Problem] = []
    batch: list[Row] = []

    def flush() -> None:
        members = Member.objects.bulk_create(
            [
                Member(
                    federation=federation,
                    number=r.number,
                    name=r.name,
                    email=r.email,
                    council_id=councils[r.council],
                    admitted_on=r.admitted_on,
                    status=r.status,
                )
                for r in batch
            ]
        )
        events = []
        links = []
        for r, m in zip(batch, members, strict=True):
            events.append(
                MembershipEvent(
                    member_id=m.pk,
                    kind=EventKind.ADMITTED,
                    on=r.admitted_on,
                    council_id=councils[r.council],
                )
            )
            if r.status != Status.ACTIVE:
                assert r.status_on is not None
                events.append(
                    MembershipEvent(
                        member_id=m.pk,
                        kind=EventKind(r.status.value),
                        on=r.status_on,
                        council_id=councils[r.council],
                    )
                )
            links.extend(through(platform_id=platforms[p], member_id=m.pk) for p in r.platforms)
        MembershipEvent.objects.bulk_create(events, batch_size=BATCH)
        through.objects.bulk_create(links, batch_size=BATCH)
        batch.clear()

    with _progress(progress, "importing", path) as bar:
        for row in read_rows(path, structure, problems, bar):
            if row.number in known.existing:
                continue
            digest.update(row.number.encode() + b"\n")
            by_council[row.council] = by_council.get(row.council, 0) + 1
            for p in row.platforms:
                by_platform[p] = by_platform.get(p, 0) + 1
            batch.append(row)
            added += 1
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    if problems or added != known.new_members:
        # The file changed between the check and the write: roll everything back.
        raise ImportRejected(
            problems or [Problem(str(path), 0, "", "the file changed during the import")]
        )
    if added:
        record.append(
            "members.imported",
            {
                "federation": federation.slug,
                "added": added,
                "by_council": by_council,
                "by_platform": by_platform,
                "numbers_sha256": digest.hexdigest(),
            },
            actor=actor,
        )
    return added


def _seat_founding_delegates(federation: Federation, structure: Structure, actor: str) -> int:
    if not structure.delegates or Delegate.objects.filter(council__federation=federation).exists():
        return 0
    councils = {c.key: c for c in Council.objects.filter(federation=federation)}
    members = {
        m.number: m
        for m in Member.objects.filter(
            federation=federation, number__in=[d.member for d in structure.delegates]
        )
    }
    now = timezone.now()
    for d in structure.delegates:
        constituency = councils[d.constituency]
        assert constituency.parent_id is not None
        Delegate.objects.create(
            council_id=constituency.parent_id,
            constituency=constituency,
            member=members[d.member],
            began_at=now,
            source="founding",
        )
        record.append(
            "delegate.founding",
            {
                "federation": federation.slug,
                "constituency": d.constituency,
                "council": councils[d.constituency].parent.key
                if councils[d.constituency].parent
                else None,
                "member": record.personal(d.member),
            },
            actor=actor,
        )
    return len(structure.delegates)
