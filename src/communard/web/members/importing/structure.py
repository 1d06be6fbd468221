"""The structure file (federation.toml): the federation, its constitution, councils, platforms
and founding delegates, checked with every problem located by line."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from communard.constitution import (
    DEFAULT_CONSTITUTION_TOML,
    Constitution,
    ConstitutionError,
    CouncilNode,
    check_tree,
    parse_constitution,
)
from communard.web.councils.actions import CouncilSpec
from communard.web.members.importing.problems import ImportRejected, Problem


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
        problems.append(Problem(name, line or lines.get(key or field_name, 0), field_name, message))

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
