"""What ``verify`` checks of amendments' votes (issue 17), beside the meetings audit (which
replays each amendment's text and mover from ``amendment.proposed``):

* **vote**: each amendment put to the vote (``AmendmentVote``: meeting, poll, the text voted)
  is its ``amendment.put_to_vote`` entry;
* **state**: each decision (``AmendmentDecision``) is its ``amendment.decided`` entry, and an
  amendment decided by a vote is adopted if and only if its poll's ``poll.closed`` passed (the
  entry is compared too, so a row rewritten with a forged matching entry is still named);
* **the fold**: a motion's ``motion.text_settled`` digest is its text folded with the adopted
  amendments, and a forwarded motion's text is its origin's folded so (named with its
  ``motion.forwarded`` entry, or its ``motion.submitted`` when it has none).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from communard.constitution.amendments import Change, fold
from communard.record import kinds as K
from communard.web.meetings.models import (
    Amendment,
    AmendmentDecision,
    AmendmentVote,
    Motion,
    text_digest,
)
from communard.web.records.audit import Divergence, audit, entries

_VOTE, _DECISION, _MOTION = "meetings_amendmentvote", "meetings_amendmentdecision", "meetings_motion"


def _compare(table: str, held: dict[str, Any], replayed: dict[str, tuple[Any, int]]
             ) -> Iterator[Divergence]:
    for row in sorted(held.keys() | replayed.keys()):
        what, (expected, index) = held.get(row), replayed.get(row, (None, None))
        if row not in replayed:
            yield Divergence(table, row, f"{what!r}: no entry records it")
        elif row not in held:
            yield Divergence(table, row, f"on the record ({expected!r}) but missing", index)
        elif what != expected:
            yield Divergence(table, row, f"the row says {what!r}; the record says {expected!r}",
                             index)


def _votes() -> Iterator[Divergence]:
    held = {f"{v.amendment.motion.federation.slug}/{v.amendment_id}":
            (v.amendment.motion_id, v.meeting_id, v.poll_id, v.text_sha256)
            for v in AmendmentVote.objects.select_related("amendment__motion__federation")}
    replayed = {f"{b.get('federation')}/{b.get('amendment')}":
                ((b.get("motion"), b.get("meeting"), b.get("poll"), b.get("text_sha256")), i)
                for i, _, b in entries(K.AMENDMENT_PUT_TO_VOTE)}
    yield from _compare(_VOTE, held, replayed)


def _decisions() -> Iterator[Divergence]:
    held = {f"{d.amendment.motion.federation.slug}/{d.amendment_id}": d.state
            for d in AmendmentDecision.objects.select_related("amendment__motion__federation")}
    found = list(entries(K.AMENDMENT_DECIDED))
    replayed = {f"{b.get('federation')}/{b.get('amendment')}": (b.get("state"), i)
                for i, _, b in found}
    yield from _compare(_DECISION, held, replayed)
    passed = {b.get("poll"): (i, bool(b.get("passed"))) for i, _, b in entries(K.POLL_CLOSED)}
    polls = dict(AmendmentVote.objects.values_list("amendment_id", "poll_id"))
    for at, _, b in found:
        row = f"{b.get('federation')}/{b.get('amendment')}"
        poll = polls.get(b.get("amendment"))
        if b.get("state") == "lapsed" or poll not in passed:
            continue
        index, yes = passed[poll]
        expected = "adopted" if yes else "rejected"
        said = f"its poll {'passed' if yes else 'failed'}, so it is {expected}"
        if held.get(row, expected) != expected:
            yield Divergence(_DECISION, row, f"the amendment is {held[row]}; {said}", index)
        if b.get("state") != expected:
            yield Divergence(_DECISION, row, f"the record's entry #{at} says {b.get('state')}; "
                             f"{said}", at)


def _adopted() -> dict[int, list[Change]]:
    """Each motion's adopted amendments, in adoption order, as the tables hold them."""
    by_motion: dict[int, list[Change]] = defaultdict(list)
    for d in (AmendmentDecision.objects.filter(state="adopted").select_related("amendment")
              .order_by("at", "pk")):
        a: Amendment = d.amendment
        by_motion[a.motion_id].append(Change(a.pk, a.paragraph, a.amends_id, a.text))
    return by_motion


def _folds() -> Iterator[Divergence]:
    adopted = _adopted()
    motions = {m.pk: m for m in Motion.objects.select_related("federation")}
    for index, _, b in entries(K.MOTION_TEXT_SETTLED):
        motion = motions.get(b.get("motion"))
        if motion is None:
            continue  # a missing motion is the meetings audit's finding
        changes = adopted.get(motion.pk, [])
        digest = text_digest(motion.title, fold(motion.text, changes), motion.reasons)
        if digest != b.get("text_sha256") or [c.id for c in changes] != b.get("amendments"):
            yield Divergence(_MOTION, f"{motion.federation.slug}/{motion.pk}",
                             f"voted on the text as amended by {b.get('amendments')}; the "
                             f"amendments adopted now are {[c.id for c in changes]} and fold to "
                             "another text", index)
    named = {b.get("motion"): (i, b.get("amendments")) for i, _, b in entries(K.MOTION_FORWARDED)}
    named_by_submission = {b.get("motion"): i for i, _, b in entries(K.MOTION_SUBMITTED)}
    for motion in motions.values():
        origin = motions.get(motion.forwarded_from_id or 0)
        if origin is None:
            continue
        changes = adopted.get(origin.pk, [])
        index, carried = named.get(motion.pk, (named_by_submission.get(motion.pk), None))
        ids = [c.id for c in changes]
        if motion.text != fold(origin.text, changes) or carried not in (None, ids):
            yield Divergence(_MOTION, f"{motion.federation.slug}/{motion.pk}",
                             f"forwarded from motion {origin.pk}, its text is not that motion's "
                             f"as amended by its adopted amendments {ids}", index)


@audit
def audit_amendment_votes() -> Iterator[Divergence]:
    yield from _votes()
    yield from _decisions()
    yield from _folds()
