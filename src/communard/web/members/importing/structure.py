"""The structure file (federation.toml): the federation, its constitution, councils, platforms
and founding delegates, checked with every problem located by line and field.

Every value is checked for its type before it is used: TOML lets a file put a number, a list or
a table wherever a string belongs (``platforms = 5``, ``constituency = ["a"]``), and each such
slip is a problem naming the field, never an exception. Names and keys are checked against what
the database and the pages can hold (lengths, slugs for keys that appear in addresses, no
control characters), so nothing is refused later, half-way through the write.
"""

from __future__ import annotations

import re
import tomllib
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from communard.constitution import (
    DEFAULT_CONSTITUTION_TOML,
    Constitution,
    ConstitutionError,
    CouncilNode,
    check_tree,
    parse_constitution,
)
from communard.web.councils.actions import CouncilSpec
from communard.web.members.importing.files import (
    CONSTITUTION_MAX_BYTES,
    STRUCTURE_MAX_BYTES,
    Unreadable,
    read_bounded,
)
from communard.web.members.importing.problems import ImportRejected, Problem, Problems

# Keys that appear in addresses (/f/<slug>/c/<key>/) follow Django's slug converter.
SLUG = re.compile(r"[A-Za-z0-9_-]+")
# C0 and C1 control characters (NUL among them: PostgreSQL cannot store it in text).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

TOP_KEYS = ("federation", "councils", "platforms", "delegates")
FEDERATION_KEYS = ("slug", "name", "time_zone", "constitution_file", "constitution")
COUNCIL_KEYS = ("key", "name", "tier", "parent")
PLATFORM_KEYS = ("slug", "name", "description")
DELEGATE_KEYS = ("member", "constituency")


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


def _type_name(value: object) -> str:
    """How TOML would call the value's type, for messages."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
             list: "a list", dict: "a table"}
    return names.get(type(value), "a date or time")


class _Checker:
    """Problems of one structure file, each at the line of its key or table."""

    def __init__(self, name: str, text: str, problems: Problems) -> None:
        self.name = name
        self.problems = problems
        self.key_lines = _toml_key_lines(text)
        self.table_lines = {t: _toml_table_lines(text, t) for t in TOP_KEYS[1:]}

    def add(self, field_name: str, message: str, line: int = 0) -> None:
        self.problems.append(Problem(self.name, line, field_name, message))

    def entry_line(self, table: str, n: int) -> int:
        """Line of the n-th (1-based) [[table]] header, so each entry's problem points at it."""
        found = self.table_lines[table]
        return found[n - 1] if n <= len(found) else self.key_lines.get(table, 0)

    def unknown_keys(self, table: dict[str, Any], allowed: tuple[str, ...], where: str,
                     line: int) -> bool:
        """Add a problem for each key not in ``allowed`` (a typo such as ``parnet`` would
        otherwise be ignored); whether there was any."""
        unknown = [key for key in table if key not in allowed]
        for key in unknown:
            self.add(f"{where}.{key}" if where else key,
                     f"unknown key (expected one of {', '.join(allowed)})", line)
        return bool(unknown)

    def text(self, table: dict[str, Any], key: str, where: str, line: int, *,
             max_length: int, slug: bool = False, required: bool = True,
             default: str = "", multiline: bool = False) -> str | None:
        """The string at ``table[key]``, or None after adding a problem naming the field.
        ``multiline``: line breaks and tabs allowed (a description, a constitution)."""
        field_name = f"{where}.{key}"
        if key not in table:
            if required:
                self.add(field_name, "required", line)
                return None
            return default
        value = table[key]
        if not isinstance(value, str):
            self.add(field_name, f"must be a string, not {_type_name(value)}", line)
            return None
        if required and not value.strip():
            self.add(field_name, "must not be empty", line)
            return None
        if len(value) > max_length:
            self.add(field_name, f"longer than {max_length} characters", line)
            return None
        if slug and not SLUG.fullmatch(value):
            self.add(field_name, f"{value!r} is not a short name of letters, digits, - or _", line)
            return None
        if "\x00" in value or (not multiline and CONTROL.search(value)):
            self.add(field_name, "contains a control character (such as a NUL byte)", line)
            return None
        return value

    def entries(self, data: dict[str, Any], table: str) -> list[tuple[int, int, dict[str, Any]]]:
        """The entries of an optional array of tables: (number, line, table) of each that is a
        table; problems for a value that is not a list or an entry that is not a table."""
        value = data.get(table, [])
        if not isinstance(value, list):
            self.add(table, f"must be a list of [[{table}]] tables, not {_type_name(value)}",
                     self.key_lines.get(table, 0))
            return []
        found = []
        for n, entry in enumerate(value, start=1):
            line = self.entry_line(table, n)
            if not isinstance(entry, dict):
                self.add(f"{table}[{n}]", f"must be a table, not {_type_name(entry)}", line)
                continue
            found.append((n, line, entry))
        return found


def read_structure(path: Path, problems: Problems | None = None) -> Structure:
    """Parse and check the structure file; raise ImportRejected naming every problem."""
    name = str(path)
    problems = problems if problems is not None else Problems()
    try:
        data_bytes = read_bounded(path, STRUCTURE_MAX_BYTES, name)
    except Unreadable as exc:
        problems.append(exc.problem)
        raise ImportRejected(problems) from None
    try:
        raw = data_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw_line_of(data_bytes, exc.start)
        problems.append(Problem(name, line, "", "not valid UTF-8; save the file as UTF-8"))
        raise ImportRejected(problems) from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        problems.append(
            Problem(name, getattr(exc, "lineno", 0) or 0, "", f"not valid TOML: {exc}"))
        raise ImportRejected(problems) from None
    except RecursionError:  # tomllib nests arrays and inline tables by recursion
        problems.append(Problem(name, 0, "", "not valid TOML: values nested too deeply"))
        raise ImportRejected(problems) from None

    check = _Checker(name, raw, problems)
    lines = check.key_lines
    check.unknown_keys(data, TOP_KEYS, "", 0)
    fed = data.get("federation")
    if not isinstance(fed, dict):
        message = ("missing table (slug, name, time_zone)" if fed is None
                   else f"must be a table, not {_type_name(fed)}")
        problems.append(Problem(name, lines.get("federation", 0), "[federation]", message))
        raise ImportRejected(problems)
    check.unknown_keys(fed, FEDERATION_KEYS, "federation", lines.get("[federation]", 0))

    def at(key: str) -> int:
        return lines.get(key, 0)

    slug = check.text(fed, "slug", "federation", at("slug"), max_length=50, slug=True)
    fed_name = check.text(fed, "name", "federation", at("name"), max_length=200)
    time_zone = check.text(fed, "time_zone", "federation", at("time_zone"), max_length=64,
                           required=False, default="UTC")
    if time_zone is not None and not _is_time_zone(time_zone):
        check.add("federation.time_zone",
                  f"{time_zone!r} is not an IANA time zone (e.g. Europe/Paris)", at("time_zone"))
        time_zone = None

    constitution_text = _constitution_text(fed, path, check)
    constitution: Constitution | None = None
    if constitution_text is not None:
        try:
            constitution = parse_constitution(constitution_text, source="constitution")
        except ConstitutionError as exc:
            check.add("federation.constitution", str(exc),
                      at("constitution_file") or at("constitution"))
        except RecursionError:
            check.add("federation.constitution", "not valid TOML: values nested too deeply",
                      at("constitution_file") or at("constitution"))

    councils, complete = _councils(data, constitution, check)
    platforms = _platforms(data, check)
    delegates = _delegates(data, {c.key for c in councils} if complete else None, check)

    if problems:
        raise ImportRejected(problems)
    assert slug is not None and fed_name is not None and time_zone is not None
    assert constitution_text is not None and constitution is not None
    return Structure(
        slug, fed_name, time_zone, constitution_text, constitution, councils, platforms, delegates
    )


def _constitution_text(fed: dict[str, Any], path: Path, check: _Checker) -> str | None:
    """The constitution's TOML: from ``constitution_file``, inline, or the default."""
    lines = check.key_lines
    if "constitution_file" in fed and "constitution" in fed:
        check.add("federation.constitution", "give constitution_file or constitution, not both",
                  lines.get("constitution", 0))
        return None
    if "constitution_file" in fed:
        line = lines.get("constitution_file", 0)
        relative = check.text(fed, "constitution_file", "federation", line, max_length=4096)
        if relative is None:
            return None
        cpath = path.parent / relative
        try:
            data = read_bounded(cpath, CONSTITUTION_MAX_BYTES, str(cpath))
        except Unreadable as exc:
            check.add("federation.constitution_file", f"cannot read {exc.problem.file}: "
                      f"{exc.problem.message}", line)
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            check.add("federation.constitution_file",
                      f"{cpath}:{raw_line_of(data, exc.start)}: not valid UTF-8", line)
            return None
    if "constitution" in fed:
        return check.text(fed, "constitution", "federation", lines.get("constitution", 0),
                          max_length=CONSTITUTION_MAX_BYTES, multiline=True)
    return DEFAULT_CONSTITUTION_TOML


def _councils(data: dict[str, Any], constitution: Constitution | None,
              check: _Checker) -> tuple[list[CouncilSpec], bool]:
    """The councils, and whether every entry was readable (if not, the tree is not checked:
    a council left out would only make more, misleading problems)."""
    councils: list[CouncilSpec] = []
    seen: set[str] = set()
    incomplete = False
    for n, line, c in check.entries(data, "councils"):
        where = f"councils[{n}]"
        incomplete |= check.unknown_keys(c, COUNCIL_KEYS, where, line)
        key = check.text(c, "key", where, line, max_length=100, slug=True)
        name = check.text(c, "name", where, line, max_length=200)
        tier = check.text(c, "tier", where, line, max_length=50)
        parent = check.text(c, "parent", where, line, max_length=100, required=False)
        if key is None or name is None or tier is None or parent is None:
            incomplete = True
            continue
        if key in seen:
            check.add(f"{where}.key", f"council {key!r} is listed twice", line)
            continue
        seen.add(key)
        councils.append(CouncilSpec(key, name, tier, parent or None))
    if not councils and not incomplete:
        check.add("councils", "at least one [[councils]] entry is required",
                  check.key_lines.get("councils", 0))
    if constitution is not None and councils and not incomplete:
        try:
            check_tree(constitution, [CouncilNode(c.key, c.tier, c.parent) for c in councils])
        except ConstitutionError as exc:
            check.add("councils", str(exc), check.key_lines.get("councils", 0))
    return councils, not incomplete


def _platforms(data: dict[str, Any], check: _Checker) -> list[PlatformSpec]:
    platforms = []
    seen: set[str] = set()
    for n, line, p in check.entries(data, "platforms"):
        where = f"platforms[{n}]"
        check.unknown_keys(p, PLATFORM_KEYS, where, line)
        slug = check.text(p, "slug", where, line, max_length=50, slug=True)
        name = check.text(p, "name", where, line, max_length=200)
        description = check.text(p, "description", where, line, max_length=10_000,
                                 required=False, multiline=True)
        if slug is None or name is None or description is None:
            continue
        if slug in seen:
            check.add(f"{where}.slug", f"platform {slug!r} is listed twice", line)
            continue
        seen.add(slug)
        platforms.append(PlatformSpec(slug, name, description))
    return platforms


def _delegates(data: dict[str, Any], council_keys: set[str] | None,
               check: _Checker) -> list[DelegateSpec]:
    """The founding delegates; ``council_keys`` None when some council was unreadable."""
    delegates = []
    for n, line, d in check.entries(data, "delegates"):
        where = f"delegates[{n}]"
        check.unknown_keys(d, DELEGATE_KEYS, where, line)
        member = check.text(d, "member", where, line, max_length=40)
        constituency = check.text(d, "constituency", where, line, max_length=100)
        if member is None or constituency is None:
            continue
        if council_keys is not None and constituency not in council_keys:
            check.add(f"{where}.constituency", f"unknown council {constituency!r}", line)
            continue
        delegates.append(DelegateSpec(member, constituency, line))
    return delegates


def _toml_table_lines(text: str, table: str) -> list[int]:
    """Lines of every ``[[table]]`` header, in order."""
    header = f"[[{table}]]"
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == header]


def _toml_key_lines(text: str) -> dict[str, int]:
    """First line where each key or table header appears (for error locations)."""
    found: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if s.startswith("["):
            found.setdefault(s.strip("[] "), n)
            found.setdefault(f"[{s.strip('[] ')}]", n)
        elif "=" in s and not s.startswith("#"):
            found.setdefault(s.split("=", 1)[0].strip(), n)
    return found


def _is_time_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: a key that is not a relative path (or has a NUL byte); OSError: a key
        # that names a directory of the zone database, such as "Europe".
        return False
    return True


def raw_line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
