"""The scorecard's read model: each roll call's verdicts, written once at its close.

A delegate's scorecard over ten thousand roll calls cannot be recomputed per page view (the
named votes, seats and mandates of every poll: 1.3–1.9 s). The close already compares the roll
call with its mandates for the deviation notices; the same comparison is written here as one
:class:`RollCallVerdict` row per member on the roll, and the page reads them with one indexed
query and one aggregate.

Roll calls closed before the table existed have no rows: :func:`read_scorecard` computes those
the old way (``scorecard.delegate_scorecard``) and adds them. Not a backfill migration: the
rows are derived from the app's comparison, and a migration must not import today's models and
code (it would break on a fresh database once the models move on); an installation with such
history pays the old cost only for those polls, and ``write_verdicts`` backfills them from a
shell when it wants.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

from communard.constitution.mandates import Choice, Stance, Verdict
from communard.web.councils.models import Council, Delegate
from communard.web.meetings.deviations import PURPOSE, Judged, judge_roll_calls
from communard.web.meetings.models import RollCallVerdict
from communard.web.polls.models import Poll

#: Nothing bound the member: no mandate adopted before their vote, a free one, or no seat.
FREE = "free"


def verdict_rows(judged: Judged) -> Iterator[RollCallVerdict]:
    """One unsaved row per member on each judged roll call's roll, from its comparison."""
    found = judged.found
    assert found is not None, "judge_roll_calls(with_mandates=True) gives the comparison"
    verdicts = {(j.roll_call, j.delegate): j for j in found.judgements()}
    keys = {(p.federation_id, k) for p in judged.polls
            for _, k in judged.seats[p.pk].values() if k is not None}
    councils = {(f, k): pk for pk, f, k in Council.objects.filter(
        federation_id__in={f for f, _ in keys}, key__in={k for _, k in keys})
        .values_list("pk", "federation_id", "key")}
    for r, (poll, call) in enumerate(zip(judged.polls, judged.calls, strict=True)):
        motion = int(call.motion)
        for member_id, (number, key) in judged.seats[poll.pk].items():
            cast = call.votes.get(number)
            j = verdicts.get((r, number))
            mandate = judged.mandates[j.mandate] if j is not None else None
            yield RollCallVerdict(
                poll_id=poll.pk, motion_id=motion, member_id=member_id,
                constituency_id=councils[(poll.federation_id, key)] if key is not None else None,
                closed_at=poll.closed_at, choice=cast.choice.label if cast is not None else "",
                mandate=mandate, stance=mandate.stance if mandate is not None else "",
                verdict=j.verdict.label if j is not None else FREE,
                binding=j.binding if j is not None else None)


def write_verdicts(judged: Judged) -> int:
    """Write the judged roll calls' verdicts (the close's, in its transaction); how many."""
    return len(RollCallVerdict.objects.bulk_create(list(verdict_rows(judged)), batch_size=2000))


def backfill(polls: Iterable[Poll], chunk: int = 1000) -> int:
    """Write the verdicts of closed roll calls that have none (closed before the table), a
    ``chunk`` of polls at a time; how many rows."""
    polls, written = list(polls), 0
    for i in range(0, len(polls), chunk):
        part = polls[i:i + chunk]
        have = set(RollCallVerdict.objects.filter(poll_id__in=[p.pk for p in part])
                   .values_list("poll_id", flat=True))
        todo = [p for p in part if p.pk not in have]
        written += write_verdicts(judge_roll_calls(todo)) if todo else 0
    return written


@dataclass(frozen=True)
class Breach:
    """A deviation on the scorecard: the motion, what its mandate said, how they voted (never
    ``None`` for a deviation; typed as the comparison's ``Deviation``) and whether it bound."""

    motion: str
    stance: Stance
    choice: Choice | None
    binding: bool


@dataclass(frozen=True)
class Card:
    """A delegate's scorecard: counts of each verdict (binding and advisory apart), how many
    deviations in all, and the latest ``recent`` of them, latest first."""

    counts: dict[tuple[Verdict, bool], int]
    deviations: int
    latest: Sequence[Breach]

    def count(self, verdict: Verdict, *, binding: bool) -> int:
        return self.counts.get((verdict, binding), 0)


def _unjudged(delegate: Delegate) -> list[Poll]:
    """The delegate's closed roll calls that have no verdict rows (closed before the table)."""
    return list(Poll.objects.filter(
        purpose=PURPOSE, secret=False, closed_at__isnull=False, roll__member=delegate.member_id)
        .filter(~Exists(RollCallVerdict.objects.filter(poll=OuterRef("pk"))))
        .order_by("closed_at", "pk"))


def read_scorecard(delegate: Delegate, recent: int | None) -> Card:
    """``delegate``'s scorecard from the verdict rows: one aggregate for the counts, one
    indexed query for the latest ``recent`` deviations (all: ``None``), one for old roll calls
    without rows (computed the old way and added)."""
    mine = RollCallVerdict.objects.filter(member_id=delegate.member_id,
                                          constituency_id=delegate.constituency_id)
    counts: dict[tuple[Verdict, bool], int] = {}
    for label, binding, n in (mine.exclude(verdict=FREE).values_list("verdict", "binding")
                              .annotate(n=Count("pk")).order_by()):
        counts[(Verdict[label.upper()], bool(binding))] = n
    deviations = mine.filter(verdict=Verdict.DEVIATED.label).order_by("-closed_at", "-poll_id")
    latest = [Breach(str(m), Stance[s.upper()], Choice[c.upper()] if c else None, bool(b))
              for m, s, c, b in (deviations if recent is None else deviations[:recent])
              .values_list("motion_id", "stance", "choice", "binding")]
    total = counts.get((Verdict.DEVIATED, True), 0) + counts.get((Verdict.DEVIATED, False), 0)
    old = _unjudged(delegate)
    if old:
        from communard.web.meetings.deviations import roll_calls
        from communard.web.meetings.scorecard import delegate_scorecard

        card = delegate_scorecard(delegate, roll_calls(old))
        for key, n in card.counts.items():
            counts[key] = counts.get(key, 0) + n
        total += len(card.deviations)
        # Older than any row: the table began after them, and a poll closes once.
        keep = None if recent is None else max(recent - len(latest), 0)
        latest += [Breach(d.motion, d.stance, d.choice, d.binding)
                   for d in card.deviations[::-1][:keep]]
    return Card(counts, total, latest)
