"""``communard verify``'s second half: the database compared with what the record says.

The log check proves the entries were not rewritten; this proves the tables were not changed
behind them. Each domain registers an audit (a function yielding :class:`Divergence`) with
:func:`audit`; :func:`run` calls them all. An audit reads entries from their hashed canonical
JSON (``Entry.data``), never from the ``body`` copy kept for queries, which SQL could change,
and opens commitments only through :func:`openings`, which checks them against their salt.

Today's audits: councils and tenures, elections and results, logins. Issue 13 extends this to a
replay of members and their dates, rolls, candidacies and platforms.

``run(replay)`` hands the audits a :class:`~communard.web.records.replay.Replay`: the log read
once, the kinds they fold kept by kind (and, with ``verify --state``, kept between runs), so
``entries`` reads no table while it is running. Without one (tests, the shell), ``entries``
queries the table as before.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import connection

from communard.record import kinds, opens
from communard.record.kinds import Kind
from communard.web.records.models import Entry, Opening
from communard.web.records.replay import Replay

T = TypeVar("T")


@dataclass(frozen=True)
class Divergence:
    """A row that differs from what the record makes of it. ``index``: the entry it was
    checked against (None: there is no entry for it, which is the finding)."""

    table: str
    row: str
    problem: str
    index: int | None = None

    def __str__(self) -> str:
        where = f"entry #{self.index}" if self.index is not None else "no entry"
        return f"state diverges from the record ({where}): {self.table} {self.row}: {self.problem}"


def same_instant(recorded: object, stored: dt.datetime | str) -> bool:
    """Whether the time an entry recorded (ISO 8601 text) is the row's instant. Compared as
    instants, never as text: ``…T10:00:00Z``, ``…T10:00:00+00:00``, ``…T12:00:00+02:00`` and
    ``…T10:00:00.000000+00:00`` are one instant, and a row written back in another spelling
    has not been re-timed. Anything that is not a time with its offset is not the row's time
    (a naive time names no instant)."""
    if not isinstance(recorded, str):
        return False
    try:
        at = dt.datetime.fromisoformat(recorded)
        row = stored if isinstance(stored, dt.datetime) else dt.datetime.fromisoformat(stored)
    except ValueError:
        return False
    if at.tzinfo is None or row.tzinfo is None:
        return at.tzinfo is None and row.tzinfo is None and at == row
    return at == row


Audit = Callable[[], Iterable[Divergence]]
_audits: list[Audit] = []


def audit(fn: Audit) -> Audit:
    """Register a domain's audit; ``run`` calls every registered one."""
    _audits.append(fn)
    return fn


_replay: Replay | None = None


#: Folds that several audits need (the members' histories), made once per run of the audits.
_shared: dict[str, Any] | None = None


def run(replay: Replay | None = None) -> list[Divergence]:
    """Every registered audit, reading entries from ``replay`` when one is given."""
    global _replay, _shared
    _replay, _shared = replay, {}
    try:
        found: list[Divergence] = []
        for fn in _audits:
            found.extend(fn())
        return found
    finally:
        _replay, _shared = None, None


def shared(key: str, make: Callable[[], T]) -> T:
    """``make()``, computed once per run of the audits and handed to every audit that asks for
    ``key`` (the members, councils and rolls audits all fold the members' histories); computed
    afresh outside a run. What it returns is read, never changed, by the audits that share it."""
    if _shared is None:
        return make()
    if key not in _shared:
        _shared[key] = make()
    return cast(T, _shared[key])


def memo() -> dict[str, Any]:
    """Facts an audit established and may rely on in the next incremental run (kept in the
    state file with the replay; a fresh dict when nothing is kept)."""
    return _replay.memo if _replay is not None else {}


def entries(*declared: Kind[Any]) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(index, kind name, body) of the sealed entries of these kinds, every version of each, in
    record order, read from the canonical JSON that the log check has verified."""
    names = {k.name for k in declared}
    if _replay is not None:
        yield from _replay.entries(names)
        return
    stored = [tag for name in names for tag in kinds.tags(name)]
    rows = Entry.objects.filter(kind__in=stored).order_by("index").values_list("index", "data")
    for index, data in rows.iterator(chunk_size=2000):
        parsed = json.loads(data)
        yield index, kinds.kind_of(parsed["kind"]).name, parsed["body"]


#: Past this many commitments, ``openings`` reads the whole table once rather than probing it
#: in chunks: a replay of 100,000 members asks for 200,000, and building and running 220
#: queries of 900 parameters each through the ORM cost more than one scan.
SCAN_OVER = 20_000


def openings(commitments: Iterable[Any], chunk: int = 900) -> dict[str, str]:
    """The genuine openings of these commitments (one query per ``chunk``, under SQLite's limit
    on parameters, or one scan of the table for many): an audit replaying thousands of entries
    opens them in bulk. Plain SQL, no row objects: a million-entry audit opens 200,000."""
    wanted = {c for c in commitments if isinstance(c, str)}
    found: dict[str, str] = {}
    table = connection.ops.quote_name(Opening._meta.db_table)
    select = f"SELECT commitment, salt, value FROM {table}"
    scan = len(wanted) > SCAN_OVER  # a server-side cursor then, streaming the table
    with (connection.chunked_cursor() if scan else connection.cursor()) as cursor:
        if scan:
            cursor.execute(select)
            batches: Iterable[list[Any]] = iter(lambda: cursor.fetchmany(20_000), [])
        else:
            ordered = sorted(wanted)
            batches = _chunks(cursor, select, ordered, chunk)
        for rows in batches:
            for commitment, salt, value in rows:
                if commitment in wanted and opens(commitment, value, bytes(salt)):
                    found[commitment] = value
    return found


def _chunks(cursor: Any, select: str, wanted: list[str], chunk: int) -> Iterator[list[Any]]:
    for i in range(0, len(wanted), chunk):
        part = wanted[i : i + chunk]
        cursor.execute(f"{select} WHERE commitment IN ({', '.join(['%s'] * len(part))})", part)
        yield cursor.fetchall()
