"""The platforms' namings of tellers against the record (``communard verify``, issue 16).

``polls_tellernomination`` is insert-only in the database, but whoever can lift the triggers
could still swap a nominee (or the member who named them), delete a naming or add one. The
opening reads these rows (``name_teller.nominees``: the newest naming of each platform), so a
row changed before the opening changes who holds a share. The draw's audit
(``teller_key_audit``) redoes the draw with the namings on the record and names the poll; this
audit names the row itself: each poll's namings, platform by platform and in order, are
compared with its ``teller.named`` entries, and each difference is named with its entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import zip_longest

from communard.record import kinds as K
from communard.web.polls.models import TellerNomination
from communard.web.records.audit import Divergence, audit, entries, openings

_TABLE = "polls_tellernomination"

Naming = tuple[str, str]  # the nominee's member number, the namer's
Where = tuple[str, int, str]  # federation slug, poll id, platform slug


def _recorded() -> dict[Where, list[tuple[int, Naming]]]:
    """Each poll's and platform's namings on the record, in record order, with their index."""
    found = list(entries(K.TELLER_NAMED))
    opened = openings([b.get("member") for _, _, b in found]
                      + [b.get("nominator") for _, _, b in found])
    namings: dict[Where, list[tuple[int, Naming]]] = defaultdict(list)
    for index, _, body in found:
        poll = body.get("poll")
        where = (str(body.get("federation")), poll if isinstance(poll, int) else -1,
                 str(body.get("platform")))
        namings[where].append((index, (opened.get(str(body.get("member")), "?"),
                                       opened.get(str(body.get("nominator")), "?"))))
    return namings


def _stored() -> dict[Where, list[tuple[int, Naming]]]:
    """Each poll's and platform's naming rows, in the order they were inserted (the newest
    counts at the opening), with their id."""
    rows: dict[Where, list[tuple[int, Naming]]] = defaultdict(list)
    for pk, fed, poll, platform, member, namer in (
            TellerNomination.objects.order_by("pk").values_list(
                "pk", "poll__federation__slug", "poll_id", "platform__slug", "member__number",
                "named_by__number")):
        rows[(fed, poll, platform)].append((pk, (member, namer)))
    return rows


@audit
def audit_teller_nominations() -> Iterator[Divergence]:
    recorded, stored = _recorded(), _stored()
    for where in sorted(set(recorded) | set(stored)):
        fed, poll, platform = where
        for entry, row in zip_longest(recorded.get(where, []), stored.get(where, [])):
            if entry is not None and row is not None and entry[1] == row[1]:
                continue
            if row is None:
                assert entry is not None
                index, (member, namer) = entry
                yield Divergence(_TABLE, f"poll={poll} platform={fed}/{platform}",
                                 f"the record's naming of member {member} by member {namer} "
                                 "has no row (deleted)", index)
                continue
            pk, (member, namer) = row
            label = f"id={pk} poll={poll} platform={fed}/{platform}"
            if entry is None:
                yield Divergence(_TABLE, label, f"names member {member} (by member {namer}); "
                                 "no teller.named entry named them")
            else:
                index, (r_member, r_namer) = entry
                yield Divergence(_TABLE, label, f"names member {member} (by member {namer}); "
                                 f"the record named member {r_member} (by member {r_namer})",
                                 index)
