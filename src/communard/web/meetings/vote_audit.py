"""What ``verify`` checks of motions' votes (issue 17), beside the meetings audit's replay:

* **outcome**: a motion whose poll closed is adopted if and only if the poll passed, as the
  record's ``poll.closed`` says; both the row and the record's own ``motion.state_changed`` are
  compared with it, so an operator who rewrites the row and appends a matching entry from the
  shell is still named;
* **history**: each motion's steps (``MotionStep``) are, in order, the record's
  ``motion.submitted`` and ``motion.state_changed`` entries for it;
* **matter**: the matter a motion declares is the one its ``motion.matter_declared`` recorded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from communard.record import kinds as K
from communard.web.meetings.models import Motion, MotionStep
from communard.web.polls.models import Poll
from communard.web.records.audit import Divergence, audit, entries

_MOTION, _STEP = "meetings_motion", "meetings_motionstep"
Step = tuple[str, str, int | None]  # from, to, present


def _closed_polls() -> dict[tuple[str, int], tuple[int, bool]]:
    """(federation, motion id) -> (the poll.closed entry's index, passed), for motion polls."""
    polls = dict(Poll.objects.filter(purpose="motion").values_list("pk", "subject"))
    found: dict[tuple[str, int], tuple[int, bool]] = {}
    for index, _, body in entries(K.POLL_CLOSED):
        subject = polls.get(body.get("poll"))
        if subject is not None and subject.startswith("motion:"):
            key = (str(body.get("federation")), int(subject.removeprefix("motion:")))
            found.setdefault(key, (index, bool(body.get("passed"))))
    return found


def _recorded_steps() -> dict[tuple[str, int], list[tuple[int, Step]]]:
    steps: dict[tuple[str, int], list[tuple[int, Step]]] = defaultdict(list)
    for index, kind, b in entries(K.MOTION_SUBMITTED, K.MOTION_STATE_CHANGED):
        key = (str(b.get("federation")), b.get("motion"))
        if kind == K.MOTION_SUBMITTED.name:
            steps[key].append((index, ("", "submitted", None)))
        else:
            steps[key].append((index, (b.get("from"), b.get("to"), b.get("present"))))
    return steps


def _outcome(motion: Motion, row: str, closed: tuple[int, bool] | None,
             recorded: list[tuple[int, Step]]) -> Iterator[Divergence]:
    if closed is None:
        return
    index, passed = closed
    expected = "adopted" if passed else "rejected"
    said = f"its poll {'passed' if passed else 'failed'}, so it is {expected}"
    if motion.state != expected:
        yield Divergence(_MOTION, row, f"the motion is {motion.state}; {said}", index)
    for at, (before, to, _) in recorded:
        if before == "voted" and to != expected:
            yield Divergence(_MOTION, row, f"the record's entry #{at} moves it to {to}; {said}",
                             at)


def _history(row: str, held: list[Step], recorded: list[tuple[int, Step]]
             ) -> Iterator[Divergence]:
    for i in range(max(len(held), len(recorded))):
        step = held[i] if i < len(held) else None
        index, expected = recorded[i] if i < len(recorded) else (None, None)
        if step == expected:
            continue
        if step is None:
            yield Divergence(_STEP, f"{row} step {i + 1}", f"on the record ({expected}) but "
                             "missing", index)
        elif expected is None:
            yield Divergence(_STEP, f"{row} step {i + 1}", f"{step}: no entry records it")
        else:
            yield Divergence(_STEP, f"{row} step {i + 1}", f"the row says {step}; the record "
                             f"says {expected}", index)
        return  # the first difference; the rest would only repeat it


def _matters() -> dict[tuple[str, int], tuple[int, str]]:
    return {(str(b.get("federation")), b.get("motion")): (index, str(b.get("matter")))
            for index, _, b in entries(K.MOTION_MATTER_DECLARED)}


@audit
def audit_motion_votes() -> Iterator[Divergence]:
    closed, recorded, matters = _closed_polls(), _recorded_steps(), _matters()
    steps: dict[int, list[Step]] = defaultdict(list)
    for motion_id, before, to, present in MotionStep.objects.order_by("pk").values_list(
            "motion_id", "from_state", "to_state", "present"):
        steps[motion_id].append((before, to, present))
    for motion in Motion.objects.select_related("federation").order_by("pk"):
        key = (motion.federation.slug, motion.pk)
        row = f"{motion.federation.slug}/{motion.pk}"
        yield from _outcome(motion, row, closed.get(key), recorded.get(key, []))
        yield from _history(row, steps.get(motion.pk, []), recorded.get(key, []))
        index, matter = matters.get(key, (None, ""))
        if (motion.matter or "") != matter:
            yield Divergence(_MOTION, row, f"its matter is {motion.matter!r}; the record "
                             f"declared {matter!r}", index)


_VERDICT = "meetings_rollcallverdict"
_VERDICT_FIELDS = ("motion_id", "constituency_id", "closed_at", "choice", "mandate_id", "stance",
                   "verdict", "binding")


@audit
def audit_roll_call_verdicts(chunk: int = 500) -> Iterator[Divergence]:
    """Each roll call's verdict rows (the scorecards' read model) recomputed from its poll's
    named votes and the mandates on the record: a row changed, added or removed by plain SQL is
    named with the index of its poll's ``poll.closed`` entry. A roll call with no rows at all
    closed before the table and is computed afresh by the page, so nothing to compare."""
    from communard.web.meetings.deviations import judge_roll_calls
    from communard.web.meetings.models import RollCallVerdict
    from communard.web.meetings.verdicts import verdict_rows

    closes = {body.get("poll"): index for index, _, body in entries(K.POLL_CLOSED)}
    judged_polls = sorted(set(RollCallVerdict.objects.values_list("poll_id", flat=True)))
    for i in range(0, len(judged_polls), chunk):
        polls = list(Poll.objects.filter(pk__in=judged_polls[i:i + chunk]))
        held: dict[tuple[int, int], tuple[object, ...]] = {
            (r[0], r[1]): r[2:] for r in RollCallVerdict.objects.filter(poll__in=polls)
            .values_list("poll_id", "member_id", *_VERDICT_FIELDS)}
        expected = {(v.poll_id, v.member_id): tuple(getattr(v, f) for f in _VERDICT_FIELDS)
                    for v in verdict_rows(judge_roll_calls(polls))}
        for key in sorted(held.keys() | expected.keys()):
            row, want = held.get(key), expected.get(key)
            if row == want:
                continue
            poll_id, member_id = key
            name = f"poll {poll_id} member {member_id}"
            index = closes.get(poll_id)
            if want is None:
                yield Divergence(_VERDICT, name, f"{_said(row)}: not on the poll's roll, or the "
                                 "poll is secret or open", index)
            elif row is None:
                yield Divergence(_VERDICT, name, f"missing; the votes and mandates say "
                                 f"{_said(want)}", index)
            else:
                yield Divergence(_VERDICT, name, f"the row says {_said(row)}; the votes and "
                                 f"mandates say {_said(want)}", index)


def _said(values: tuple[object, ...] | None) -> str:
    assert values is not None
    return ", ".join(f"{f.removesuffix('_id')} {v if v not in ('', None) else '-'}"
                     for f, v in zip(_VERDICT_FIELDS, values, strict=True) if f != "closed_at")
