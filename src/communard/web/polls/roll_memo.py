"""What an incremental audit remembers of a frozen roll it recomputed from the record.

A frozen roll never changes (``poll.roll_frozen`` / ``election.roll_frozen`` fix its size and
the SHA-256 of its membership numbers), and neither do the entries recorded before it (the log
is append-only, and a continuing run proves it extends the tree audited before). So once a run
has recomputed a roll from the record by its rule and found it hashing to the freeze, the next
incremental run need not recompute it again, provided that:

* the stored rows still hash to that freeze (they are read and hashed on every run: a row
  added, removed or changed by SQL is named as before, and then the roll is recomputed to say
  who differs);
* the freeze is the same sealed entry (its index and digest; a roll frozen since, or still
  queued, is recomputed in full);
* the rule's inputs that come from the tables rather than the record (the poll's or
  election's electorate, the councils beneath it, its cut-off, the federation's time zone) are
  those the earlier run used: they are part of what is remembered;
* no member's change taken in since that run could count for the roll. A roll of members
  counts the changes *recorded* before its cut-off instant, by their ``recorded_at``, not by
  their place in the log, and a founding import claims its own day: an entry appended later
  can claim a time before an old cut-off. So each run notes, per federation, the last entry
  whose member changes it has seen (``rolls.steps_seen:<federation>``), and a roll whose
  cut-off falls after the earliest ``recorded_at`` of a change newer than that is recomputed.
  (A roll of delegates is replayed from the tenure entries *before its freeze entry*, by index:
  later entries cannot count for it.)

A recomputation that no longer matches forgets the roll, so that it is recomputed (and named)
again by every later run. The memo lives in the auditor's state file (``records/replay.py``);
a ``--full`` run starts with none, so it recomputes every roll (and writes the memo afresh).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from communard.web.members import replay as members
from communard.web.records.audit import memo, shared

#: Rolls recomputed from the record in this process, per audit ("polls", "elections"): what a
#: test or a bench reads to see the memo at work (a skipped roll does not count).
recomputed: Counter[str] = Counter()


def remembered(key: str, facts: list[Any], federation: str, cutoff_end: dt.datetime | None
               ) -> bool:
    """Whether an earlier run recomputed this roll from the same facts and found it matched,
    and no member's change taken in since can count for it (``cutoff_end``: the instant the
    roll counts changes recorded before; None for a roll replayed by entry index)."""
    if memo().get(key) != facts:
        return False
    first = new_changes().get(federation)
    return cutoff_end is None or first is None or cutoff_end <= first


def remember(key: str, facts: list[Any]) -> None:
    """Keep the facts of a roll recomputed and found to match (only JSON: lists, str, int)."""
    memo()[key] = facts


def forget(key: str) -> None:
    """A roll recomputed and found not to match: recompute it on every later run."""
    memo().pop(key, None)


def new_changes() -> dict[str, dt.datetime]:
    """Per federation, the earliest ``recorded_at`` of the members' changes taken in since the
    last run (sealed after the entry it noted, or still queued); computed once per run, and
    the note moved on to the last change sealed now."""
    return shared("rolls.new_changes", _new_changes)


def _new_changes() -> dict[str, dt.datetime]:
    known = memo()
    history = shared("members.replay", members.replay)
    earliest: dict[str, dt.datetime] = {}
    latest: dict[str, int] = {}
    seen: dict[str, int] = {}
    for (federation, _), steps in history.histories.items():
        if federation not in seen:
            # Nothing noted (a state written before this memo): every change is new.
            seen[federation] = known.get(f"rolls.steps_seen:{federation}", -1)
            latest[federation] = seen[federation]
        since = seen[federation]
        for step in steps:
            if step.index is not None and step.index <= since:
                continue
            if federation not in earliest or step.recorded_at < earliest[federation]:
                earliest[federation] = step.recorded_at
            if step.index is not None and step.index > latest[federation]:
                latest[federation] = step.index
    for federation, index in latest.items():
        known[f"rolls.steps_seen:{federation}"] = index
    return earliest
