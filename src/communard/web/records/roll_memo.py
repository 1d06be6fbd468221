"""What an incremental audit remembers of a frozen roll it recomputed from the record.

A frozen roll never changes (``poll.roll_frozen`` / ``election.roll_frozen`` fix its size and
the SHA-256 of its membership numbers), and neither do the entries before its cut-off (the log
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
  those the earlier run used: they are part of what is remembered.

The memo lives in the auditor's state file (``records/replay.py``); a ``--full`` run starts
with none, so it recomputes every roll (and writes the memo afresh).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from communard.web.records.audit import memo

#: Rolls recomputed from the record in this process, per audit ("polls", "elections"): what a
#: test or a bench reads to see the memo at work (a skipped roll does not count).
recomputed: Counter[str] = Counter()


def remembered(key: str, facts: list[Any]) -> bool:
    """Whether an earlier run recomputed this roll from the same facts and found it matched."""
    return bool(memo().get(key) == facts)


def remember(key: str, facts: list[Any]) -> None:
    """Keep the facts of a roll recomputed and found to match (only JSON: lists, str, int)."""
    memo()[key] = facts
