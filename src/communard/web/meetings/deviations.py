"""Roll calls on motions as the mandate comparison reads them, and the deviations sent to the
constituents when a roll call closes.

A roll call is the polls' own rows (``RollEntry`` and ``NamedVote`` of a closed, named poll of
purpose "motion"): no second copy of votes is kept here. Each voter on the roll sits for the
constituency of their seat in the council at the roll's cut-off.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from communard.constitution.mandates import (
    Cast,
    Choice,
    Comparison,
    RollCall,
    Verdict,
    compare,
)
from communard.web.councils.models import Council, Delegate
from communard.web.meetings.models import DeviationNotice, Mandate, Motion
from communard.web.members.models import Member, Status
from communard.web.polls.models import NamedVote, Poll, RollEntry

PURPOSE = "motion"
#: The yes-no poll's options (1 Yes, 2 No, 3 Abstain) as the comparison's choices.
_CHOICE = {1: Choice.FOR, 2: Choice.AGAINST, 3: Choice.ABSTAIN}


def _seats(polls: Iterable[Poll]) -> dict[int, dict[int, tuple[str, str | None]]]:
    """For each poll, its roll's member ids → (member number, constituency key, ``None`` for a
    member with no seat): two queries for any number of polls (a scorecard reads thousands),
    the seat held at each roll's cut-off picked here."""
    out: dict[int, dict[int, tuple[str, str | None]]] = defaultdict(dict)
    by_id = {p.pk: p for p in polls}
    rows = list(RollEntry.objects.filter(poll_id__in=by_id)
                .values_list("poll_id", "member_id", "member__number"))
    tenures: dict[tuple[int, int], list[tuple[dt.datetime, dt.datetime | None, str]]] = (
        defaultdict(list))
    for council, member, began, ended, key in (
            Delegate.objects.filter(council_id__in={p.electorate_id for p in by_id.values()},
                                    member_id__in={m for _, m, _ in rows})
            .values_list("council_id", "member_id", "began_at", "ended_at", "constituency__key")):
        tenures[(council, member)].append((began, ended, key))
    for poll_id, member_id, number in rows:
        poll = by_id[poll_id]
        out[poll_id][member_id] = (number, None)
        for began, ended, key in tenures.get((poll.electorate_id, member_id), ()):
            if began <= poll.roll_at and (ended is None or ended > poll.roll_at):
                out[poll_id][member_id] = (number, key)
                break
    return out


def roll_calls(polls: Iterable[Poll]) -> list[RollCall]:
    """The closed named polls on motions as roll calls (motions by id, delegates by number)."""
    return judge_roll_calls(polls, with_mandates=False).calls


@dataclass(frozen=True)
class Judged:
    """Closed roll calls judged against their motions' mandates: ``calls[i]`` is
    ``polls[i]``'s, ``seats`` each poll's roll (member id → number, constituency key or
    ``None``), ``mandates[j]`` the row of the comparison's mandate ``j``."""

    polls: list[Poll]
    seats: dict[int, dict[int, tuple[str, str | None]]]
    calls: list[RollCall]
    mandates: list[Mandate]
    found: Comparison | None


def judge_roll_calls(polls: Iterable[Poll], *, with_mandates: bool = True) -> Judged:
    """The closed named polls on motions as roll calls, and (``with_mandates``) compared with
    every mandate on their motions: the one comparison the close's deviation notices and the
    scorecard's verdict rows are both written from."""
    polls = sorted((p for p in polls if not p.secret and p.closed_at is not None),
                   key=lambda p: (p.closed_at, p.pk))
    seats = _seats(polls)
    closed = {p.pk: p.closed_at for p in polls}
    votes: dict[int, dict[str, Cast]] = defaultdict(dict)
    for poll_id, number, choices in (NamedVote.objects.filter(entry__poll_id__in=[p.pk for p in polls])
                                     .values_list("entry__poll_id", "entry__member__number",
                                                  "choices")):
        at = closed[poll_id]
        if choices:
            votes[poll_id][number] = Cast(_CHOICE[int(choices[0])], at)  # type: ignore[arg-type]
    calls = []
    for p in polls:
        held = {n: k for n, k in seats[p.pk].values() if k is not None}
        # A voter on the roll with no seat found (a members' poll of a base assembly) is no
        # delegate: nothing binds them, and the comparison takes only those seated.
        calls.append(RollCall(p.subject.removeprefix("motion:"), p.closed_at,  # type: ignore[arg-type]
                              held, {n: c for n, c in votes[p.pk].items() if n in held}))
    if not with_mandates:
        return Judged(polls, seats, calls, [], None)
    from communard.web.meetings.scorecard import rule_mandates

    motions = {int(c.motion) for c in calls}
    rows = list(Mandate.objects.filter(motion_id__in=motions).select_related("constituency")
                .order_by("adopted_at", "id"))
    return Judged(polls, seats, calls, rows, compare(rule_mandates(rows), calls))


def motion_polls_of(member: Member) -> list[Poll]:
    """The closed roll calls on motions ``member`` was on the roll of."""
    return list(Poll.objects.filter(purpose=PURPOSE, secret=False, closed_at__isnull=False,
                                    roll__member=member).order_by("closed_at", "pk"))


def notify_deviations(motion: Motion, judged: Judged, at: dt.datetime) -> int:
    """At a roll call's close (``judged``: its comparison): every binding mandate broken (a
    vote against it, or an absence) is written on the page of each active member of the
    delegate's constituency. Returns how many notices were written."""
    calls, rows, found = judged.calls, judged.mandates, judged.found
    if not calls or found is None:
        return 0
    broken = [j for j in found.judgements() if j.verdict is Verdict.DEVIATED and j.binding]
    # Two queries for the whole roll call, not two per deviation: a congress close compares a
    # thousand delegates.
    seated = {(d.member.number, d.constituency_id): d for d in Delegate.objects.filter(
        council=motion.council, member__number__in={j.delegate for j in broken})
        .select_related("member").order_by("began_at")}
    # A constituency's members are those of the assemblies beneath it too: a district that
    # sends delegates to the congress is made of workplaces, whose members elected them. The
    # federation's tree in one query, walked here.
    under = _beneath({rows[j.mandate].constituency_id for j in broken}, motion.federation_id)
    constituents: dict[int, list[int]] = defaultdict(list)
    for member_id, council_id in Member.objects.filter(
            council_id__in=set().union(*under.values()),
            status=Status.ACTIVE).values_list("pk", "council_id"):
        for constituency, councils in under.items():
            if council_id in councils:
                constituents[constituency].append(member_id)
    notices = []
    for j in broken:
        mandate = rows[j.mandate]
        delegate = seated.get((j.delegate, mandate.constituency_id))
        if delegate is None:
            continue
        cast = calls[0].votes.get(j.delegate)
        how = f"voted {cast.choice.label}" if cast is not None else "did not vote"
        text = (f"Your delegate {delegate.member.name} {how} on motion {motion.pk} "
                f"\u201c{motion.title}\u201d against your assembly's binding mandate "
                f"({mandate.rule_stance.label}).")[:300]
        notices += [DeviationNotice(member_id=m, delegate=delegate, motion=motion, text=text,
                                    created_at=at)
                    for m in constituents[mandate.constituency_id]]
    DeviationNotice.objects.bulk_create(notices, batch_size=2000)
    return len(notices)


def _beneath(councils: set[int], federation_id: int) -> dict[int, set[int]]:
    """Each of ``councils`` with every council beneath it, from one read of the tree."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Council.objects.filter(federation_id=federation_id).values_list(
            "pk", "parent_id"):
        children[parent].append(pk)
    found: dict[int, set[int]] = {}
    for top in councils:
        seen, frontier = {top}, [top]
        while frontier:
            frontier = [c for p in frontier for c in children[p]]
            seen.update(frontier)
        found[top] = seen
    return found


def motion_votes(motion: Motion) -> list[dict[str, object]]:
    """The motion page's roll call: each delegate on the roll, how they voted, the mandate
    that governed them (if any) and the verdict. Empty until a named vote on it closed."""
    from communard.web.meetings.scorecard import rule_mandates

    poll = (Poll.objects.filter(purpose=PURPOSE, subject=f"motion:{motion.pk}", secret=False,
                                closed_at__isnull=False).first())
    if poll is None:
        return []
    calls = roll_calls([poll])
    rows = list(Mandate.objects.filter(motion=motion).select_related("constituency")
                .order_by("adopted_at", "id"))
    judged = {j.delegate: j for j in compare(rule_mandates(rows), calls).judgements()}
    call = calls[0]
    seats = {d.member.number: d for d in Delegate.objects.filter(
        council_id=poll.electorate_id, member__number__in=list(call.seats),
        began_at__lte=poll.roll_at).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=poll.roll_at)).select_related(
        "member", "constituency")}
    out: list[dict[str, object]] = []
    for number in sorted(call.seats, key=lambda n: seats[n].member.name if n in seats else n):
        d = seats.get(number)
        if d is None:
            continue
        cast = call.votes.get(number)
        j = judged.get(number)
        mandate = rows[j.mandate] if j is not None else None
        out.append({
            "delegate_id": d.pk, "name": d.member.name, "constituency": d.constituency.name,
            "choice": cast.choice.label if cast is not None else "",
            "mandate": (f"{mandate.rule_stance.label} ("
                        f"{'binding' if mandate.binding else 'advisory'})") if mandate else "",
            "verdict": j.verdict.label if j is not None else "",
        })
    return out
