"""What ``communard verify`` replays: the entries the state audits fold, read in one pass over
the log, and kept between runs so that the next run reads only the entries added since.

One pass. Each audit asks for the entries of a few kinds (``audit.entries``). Asking the
database kind by kind read a million-entry record once per question and parsed every body each
time; here the log is read once, in index order, each entry's kind is read from its canonical
tail, and only the kinds a replay needs have their bodies parsed, once.

What is not kept. ``ballot.cast`` entries are most of a real record (one per ballot) and their
body (federation, election) says nothing a replay folds: the count of ballots is checked
against ``election.closed`` and the stored box. Their kind is read, their body is not, and an
audit that asks for them is told so (:class:`NotKept`) rather than given nothing.

Kept between runs (``--state FILE``): the tree audited (its size and frontier, from which its
root follows), the kept entries, and what audits chose to remember (``memo``: e.g. a ballot box
whose recount was already seen to elect the recorded winners). The file belongs to the auditor,
like a pinned key: it is trusted only for a log whose signed tree extends its frontier
(``communard.record.verify_extension``), signed by the same key; anything else is a fork or a
different record, and the run replays everything.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from communard.record import Row, kinds
from communard.record._extend import BadFrontier, Frontier

#: Kinds whose bodies no replay folds, and which are the bulk of a record.
NOT_KEPT = frozenset({kinds.BALLOT_CAST.name})
STATE_FORMAT = 1


class NotKept(LookupError):
    """An audit asked for entries of a kind the replay does not keep."""


class StateFileError(ValueError):
    """A state file that cannot be read as one (the message names the file and what is wrong)."""


Kept = tuple[int, str, dict[str, Any]]  # index, kind name, body


@dataclass
class Replay:
    """The kept entries of the record up to ``frontier.size``, grouped by kind name."""

    frontier: Frontier = field(default_factory=lambda: Frontier(0))
    by_kind: dict[str, list[Kept]] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # the fingerprint of the key the audited tree was signed with
    read_now: int = 0  # entries read by this run (the rest came from the state file)

    @property
    def size(self) -> int:
        return self.frontier.size

    def reading(self, rows: Iterable[Row]) -> Iterator[Row]:
        """Pass the log's rows through (to the log check) while taking the entries after
        ``size`` in: one read of the table serves both."""
        decode = msgspec.json.decode
        declared = kinds.KINDS
        by_kind = self.by_kind
        for row in rows:
            yield row
            data = row.data
            self.read_now += 1
            if data is None:
                continue
            at = data.rfind(b',"kind":"')
            tag = data[at + 9 : data.find(b'"', at + 9)].decode("ascii", "replace") \
                if at > 0 else ""
            kind = declared.get(tag)
            if kind is None or kind.name in NOT_KEPT:
                continue  # undeclared kinds are the log check's finding, not a replay's input
            try:
                parsed = decode(data)
                body = parsed["body"] if parsed["kind"] == tag else None
            except (msgspec.DecodeError, KeyError, TypeError):
                body = None
            if isinstance(body, dict):  # else not an entry: the log check reports it
                by_kind.setdefault(kind.name, []).append((row.index, kind.name, body))

    def entries(self, names: Iterable[str]) -> Iterator[Kept]:
        """The kept entries of these kinds in record order."""
        wanted = sorted(set(names))
        refused = [n for n in wanted if n in NOT_KEPT]
        if refused:
            raise NotKept(f"the replay does not keep entries of kind {', '.join(refused)}")
        yield from heapq.merge(*(self.by_kind.get(n, []) for n in wanted))

    # ------------------------------------------------------------------ the state file

    def save(self, path: Path) -> None:
        """Write the state atomically (a crash leaves the old file or the new, never half)."""
        kept = sorted(e for group in self.by_kind.values() for e in group)
        state = {"format": STATE_FORMAT, "key": self.key, "size": self.size,
                 "frontier": self.frontier.to_hex(), "kept": kept, "memo": self.memo}
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(msgspec.json.encode(state))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class _State(msgspec.Struct, forbid_unknown_fields=True):
    format: int
    key: str
    size: int
    frontier: list[str]
    kept: list[tuple[int, str, dict[str, Any]]]
    memo: dict[str, Any]


def load(path: Path) -> Replay:
    """A replay from its state file; :class:`StateFileError` names what is wrong with it."""
    try:
        state = msgspec.json.decode(path.read_bytes(), type=_State)
    except OSError as e:
        raise StateFileError(f"{path}: cannot read the state file: {e.strerror}") from None
    except msgspec.DecodeError as e:
        raise StateFileError(f"{path}: not a verify state file: {e}") from None
    if state.format != STATE_FORMAT:
        raise StateFileError(f"{path}: state format {state.format}, this version reads "
                             f"{STATE_FORMAT}")
    try:
        frontier = Frontier.from_hex(state.size, state.frontier)
    except BadFrontier as e:
        raise StateFileError(f"{path}: {e}") from None
    replay = Replay(frontier=frontier, memo=state.memo, key=state.key)
    for index, name, body in state.kept:
        if not 0 <= index < state.size:
            raise StateFileError(f"{path}: kept entry {index} is outside the audited tree "
                                 f"of {state.size} entries")
        replay.by_kind.setdefault(name, []).append((index, name, body))
    return replay
