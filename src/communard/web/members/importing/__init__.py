"""``communard import``: build a federation from a structure file and a membership list.

The import is checked completely before anything is written: every problem is reported with its
file, line and field, and if there is any, nothing is imported. A clean import is one transaction
(all or nothing) with its record entries; running the same files again changes nothing.

Memory stays flat in the size of the membership list: the CSV is streamed twice (check, then
write) and only the set of membership numbers is held between passes; of the problems, only the
first ``max_problems`` are kept (the rest are counted). Each input must be a regular file of a
sane size (:mod:`.files`); the membership list is opened once, and both passes read that open
file.

The structure file is read by :mod:`.structure`, the membership list by :mod:`.rows`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction
from django.utils import timezone

from communard.constitution import CouncilNode, apportion_pyramid
from communard.constitution.membership import backdating_refusal
from communard.constitution.permissions import Actor, check, may_found_federation
from communard.record.kinds import (
    DELEGATE_FOUNDING,
    IMPORT_CHUNK,
    MEMBERS_IMPORTED_V3,
    PLATFORM_FOUNDED,
)
from communard.web.core.actors import record_name
from communard.web.councils.actions import create_federation, do_take_census
from communard.web.councils.models import Council, Delegate, Federation
from communard.web.councils.pyramid import refresh_counts
from communard.web.members.importing.files import MEMBERS_MAX_BYTES, Unreadable, open_regular
from communard.web.members.importing.problems import (
    DEFAULT_LIMIT,
    ImportRejected,
    Problem,
    Problems,
)
from communard.web.members.importing.rows import Row, read_rows
from communard.web.members.importing.structure import Structure, read_structure
from communard.web.members.models import EventKind, Member, MembershipEvent, Status
from communard.web.platforms.models import Platform
from communard.web.records import services as record

BATCH = 5000

__all__ = [
    "ImportRejected",
    "ImportReport",
    "Problem",
    "Problems",
    "Row",
    "Structure",
    "do_import",
    "read_rows",
    "read_structure",
]


@dataclass
class ImportReport:
    federation: str
    federation_created: bool
    members_added: int = 0
    members_unchanged: int = 0
    platforms_added: int = 0
    delegates_seated: int = 0
    seats_changed: dict[str, int] = field(default_factory=dict)


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
    #: For an import into an existing federation: (today in its time zone, the constitution's
    #: backdating window). None for a founding import, whose claimed dates stand.
    dating: tuple[dt.date, int] | None = None


def do_import(
    structure_path: Path,
    members_path: Path,
    *,
    actor: Actor,
    progress: ProgressFactory | None = None,
    max_problems: int = DEFAULT_LIMIT,
) -> ImportReport:
    """Check both files completely, then import them in one transaction (or raise ImportRejected
    with the first ``max_problems`` problems and the count of all). Only an operator imports
    (``permissions.may_found_federation``)."""
    check(may_found_federation(actor))
    problems = Problems(max_problems)
    structure = read_structure(structure_path, problems)
    try:
        members = open_regular(members_path, MEMBERS_MAX_BYTES)
    except Unreadable as exc:
        problems.append(exc.problem)
        raise ImportRejected(problems) from None
    with members:
        return _import(structure, str(structure_path), members, str(members_path), problems,
                       actor, progress)


def _import(
    structure: Structure,
    structure_name: str,
    members: BinaryIO,
    members_name: str,
    problems: Problems,
    actor: Actor,
    progress: ProgressFactory | None,
) -> ImportReport:
    federation = Federation.objects.filter(slug=structure.slug).first()
    if federation is not None:
        _compare_structure(federation, structure, structure_name, problems)
    known = _Known(existing=_existing_members(federation) if federation else {})
    now = timezone.now()
    if federation is not None:
        today = now.astimezone(zoneinfo.ZoneInfo(federation.time_zone)).date()
        known.dating = (today, federation.constitution.backdate_days)
    _check_members(structure, members, members_name, known, problems, progress)
    _check_delegates(structure, federation, known, structure_name, problems)
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
            federation, structure, members, members_name, known, record_name(actor), progress,
            recorded_at=None if known.dating is None else now,
        )
        report.members_unchanged = known.unchanged
        refresh_counts(federation)
        # Seats follow a census (constitution/census.py): the founding import takes the first
        # one; later imports move no seat until a roll is frozen (issue 13: 2,000 members
        # imported into one workplace re-apportioned every council at once).
        if report.federation_created:
            report.seats_changed = do_take_census(
                federation, cutoff=None, reason="founding", actor=actor)
        report.delegates_seated = _seat_founding_delegates(
            federation, structure, record_name(actor))
    return report


def _compare_structure(
    federation: Federation, structure: Structure, name: str, problems: Problems
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


def _progress(progress: ProgressFactory | None, label: str, f: BinaryIO) -> Any:
    if progress is None:
        return contextlib.nullcontext(None)
    return progress(label, os.fstat(f.fileno()).st_size)


def _check_members(
    structure: Structure,
    f: BinaryIO,
    name: str,
    known: _Known,
    problems: Problems,
    progress: ProgressFactory | None,
) -> None:
    wanted_delegates = {d.member for d in structure.delegates}
    counts: dict[str, int] = {}
    for number, (_, _, council, _, status) in known.existing.items():
        if status == Status.ACTIVE:
            counts[council] = counts.get(council, 0) + 1
        if number in wanted_delegates:
            known.delegate_councils[number] = council
    with _progress(progress, "checking", f) as bar:
        for row in read_rows(f, name, structure, problems, bar):
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
                            name,
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
            _check_dates(row, name, known, problems)
            if row.status == Status.ACTIVE:
                counts[row.council] = counts.get(row.council, 0) + 1
            if row.number in wanted_delegates:
                known.delegate_councils[row.number] = row.council
    known.active_counts = counts


def _check_dates(row: Row, path: str, known: _Known, problems: Problems) -> None:
    """An import into an existing federation records its members today: the dates it claims
    may reach back no further than the constitution's window (a founding import's stand)."""
    if known.dating is None:
        return
    today, grace = known.dating
    for column, on in (("admitted_on", row.admitted_on), ("status_on", row.status_on)):
        refusal = None if on is None else backdating_refusal(on, today, grace)
        if refusal is not None:
            problems.append(Problem(path, row.line, column, refusal.reason + "; only the import "
                                    "that founds a federation records earlier dates"))


def _check_delegates(
    structure: Structure,
    federation: Federation | None,
    known: _Known,
    name: str,
    problems: Problems,
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


def _create_platforms(federation: Federation, structure: Structure, actor: Actor) -> int:
    existing = set(Platform.objects.filter(federation=federation).values_list("slug", flat=True))
    added = 0
    for p in structure.platforms:
        if p.slug in existing:
            continue
        Platform.objects.create(
            federation=federation, slug=p.slug, name=p.name, description=p.description
        )
        record.append(
            PLATFORM_FOUNDED,
            {"federation": federation.slug, "platform": p.slug, "name": p.name},
            actor=record_name(actor),
        )
        added += 1
    return added


def _write_members(
    federation: Federation,
    structure: Structure,
    f: BinaryIO,
    name: str,
    known: _Known,
    actor: str,
    progress: ProgressFactory | None,
    *,
    recorded_at: dt.datetime | None,
) -> int:
    """Write the new members and their history, and record every one of them
    (``members.imported.v3``, :data:`IMPORT_CHUNK` members an entry). ``recorded_at``: when
    this import goes on the record, for every change in it and as its entries' time; None for
    a founding import, whose changes are taken as recorded at the start of the day each claims
    (in the federation's time zone)."""
    councils = dict(Council.objects.filter(federation=federation).values_list("key", "id"))
    tz = zoneinfo.ZoneInfo(federation.time_zone)

    def recorded(on: dt.date) -> dt.datetime:
        return recorded_at or dt.datetime.combine(on, dt.time(), tzinfo=tz)

    platforms = dict(Platform.objects.filter(federation=federation).values_list("slug", "id"))
    through = Platform.members.through
    added = 0
    parts = 0
    problems = Problems()
    batch: list[Row] = []

    def flush() -> None:
        nonlocal parts
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
                    recorded_at=recorded(r.admitted_on),
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
                        recorded_at=recorded(r.status_on),
                    )
                )
            links.extend(through(platform_id=platforms[p], member_id=m.pk) for p in r.platforms)
        MembershipEvent.objects.bulk_create(events, batch_size=BATCH)
        through.objects.bulk_create(links, batch_size=BATCH)
        parts = _record_members(federation, batch, recorded_at, actor, parts)
        batch.clear()

    with _progress(progress, "importing", f) as bar:
        for row in read_rows(f, name, structure, problems, bar):
            if row.number in known.existing:
                continue
            batch.append(row)
            added += 1
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    if problems or added != known.new_members:
        # The file changed between the check and the write: roll everything back.
        if not problems:
            problems.append(Problem(name, 0, "", "the file changed during the import"))
        raise ImportRejected(problems)
    return added


def _record_members(federation: Federation, rows: list[Row], recorded_at: dt.datetime | None,
                    actor: str, parts: int) -> int:
    """Record these members, :data:`IMPORT_CHUNK` an entry, each by commitments to their
    number and name (two fresh salts: the public record names nobody, and the openings let the
    members audit follow each one). Returns the number of entries written so far."""
    numbers = record.personal_many([r.number for r in rows])
    names = record.personal_many([r.name for r in rows])
    items = [
        {
            "member": number,
            "name": name,
            "council": r.council,
            "on": r.admitted_on.isoformat(),
            "status": r.status.value,
            "status_on": None if r.status_on is None else r.status_on.isoformat(),
            "platforms": list(r.platforms),
        }
        for r, number, name in zip(rows, numbers, names, strict=True)
    ]
    for start in range(0, len(items), IMPORT_CHUNK):
        parts += 1
        record.append(
            MEMBERS_IMPORTED_V3,
            {
                "federation": federation.slug,
                # A founding import's claimed dates count as the record's time (the one
                # exception to constitution/membership.py's rule); later imports are today's.
                "founding": recorded_at is None,
                "part": parts,
                "members": items[start : start + IMPORT_CHUNK],
            },
            actor=actor,
            at=recorded_at,
        )
    return parts


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
            DELEGATE_FOUNDING,
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
