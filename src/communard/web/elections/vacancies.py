"""A seat falls vacant: filled as the constitution says, by countback or by a by-election."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from communard.constitution.permissions import Actor, check, may_vacate_seat
from communard.count import Ballots, count
from communard.record.kinds import DELEGATE_VACATED, ELECTION_COUNTBACK
from communard.web.core.actors import record_name
from communard.web.councils.models import Delegate

# The package's own helpers for time and record references, shared with the other actions.
from communard.web.elections.actions import _now, _ref, do_call_election
from communard.web.elections.box import counted_box
from communard.web.elections.errors import ElectionError, SeatsAlreadyBeingElected
from communard.web.elections.models import Election
from communard.web.records import services as record


def do_vacate_seat(
    mandate: Delegate, *, reason: str, actor: Actor, now: dt.datetime | None = None
) -> Delegate | Election:
    """End a mandate (resignation, death, loss of membership) and fill the seat by the
    constitution's rule: a countback on the same ballots, or a by-election.

    Returns the new mandate (countback), or the by-election called (by the rule, or because the
    countback found nobody left to elect on the ballots).
    """
    with transaction.atomic(durable=True):
        return vacate_seat(mandate, reason=reason, actor=actor, now=now)


def vacate_seat(
    mandate: Delegate, *, reason: str, actor: Actor, now: dt.datetime | None = None,
    rule: str | None = None,
) -> Delegate | Election:
    """:func:`do_vacate_seat` inside the caller's transaction (a recall composes it with its
    own entry). ``rule``: "countback" or "by-election" instead of the constitution's vacancy
    rule (a recall's own replacement rule); the departing member is never the countback's
    winner, nor is anyone who left a seat of the same election before. ``actor``: an operator
    recording the fact, or the clock carrying out a recall's result (``may_vacate_seat``)."""
    check(may_vacate_seat(actor))
    now = _now(now)
    federation = mandate.council.federation
    rule = rule or federation.constitution.elections.vacancy
    with transaction.atomic():
        mandate = (
            Delegate.objects.select_for_update()
            .select_related("council", "constituency", "member")
            .get(pk=mandate.pk)
        )
        if mandate.ended_at is not None:
            raise ElectionError("that mandate has already ended")
        Delegate.objects.filter(pk=mandate.pk).update(ended_at=now)
        record.append(
            DELEGATE_VACATED,
            {
                "federation": federation.slug,
                "council": mandate.council.key,
                "constituency": mandate.constituency.key,
                "member": record.personal(mandate.member.number),
                "reason": reason[:200],
            },
            actor=record_name(actor),
        )
        source = _source_election(mandate)
        if rule == "countback" and source is not None:
            successor = _countback(source, mandate, now)
            if successor is not None:
                return successor
            # Nobody left to elect on those ballots: the seat is filled by a by-election.
        try:  # in the same transaction as the vacancy: both are recorded, or neither
            return do_call_election(  # on the constitution's calendar, from now
                mandate.constituency,
                actor=actor,
                now=now,
                seats=1,
                fills_vacancy_of=source,
            )
        except SeatsAlreadyBeingElected as running:
            # An election of all the constituency's seats is under way: it fills this one.
            return running.election


def _source_election(mandate: Delegate) -> Election | None:
    if not mandate.source.startswith("election:"):
        return None
    return Election.objects.filter(pk=int(mandate.source.split(":")[1])).first()


def _countback(election: Election, departing: Delegate, now: dt.datetime) -> Delegate | None:
    """Recount the ballots that elected the departing member (the election's poll's, or its
    own old tables') with them withdrawn; the first candidate the recount elects who does not
    already hold a seat takes the vacancy."""
    box, candidates = counted_box(election)
    seated = set(
        Delegate.objects.filter(
            council=election.council, constituency=election.constituency, ended_at__isnull=True
        ).values_list("member_id", flat=True)
    )
    withdrawn = {c.number - 1 for c in candidates if c.member_id == departing.member_id}
    # Earlier departures from this election's seats are withdrawn too.
    gone = set(
        Delegate.objects.filter(
            source__in=[f"election:{election.pk}", f"election:{election.pk}:countback"],
            ended_at__isnull=False,
        ).values_list("member_id", flat=True)
    )
    withdrawn |= {c.number - 1 for c in candidates if c.member_id in gone}
    recount_box = Ballots(
        box.candidates, box.rankings, box.weights, frozenset(withdrawn), box.seats, box.title
    )
    seed = int(election.result.seed)
    winners: list[int] = []
    if len(withdrawn) < len(candidates) and recount_box.total > 0:
        winners = count(recount_box, election.method, election.seats, seed=seed).winners
    # else every candidate has left, or no ballot was cast: nobody to count back to
    successor = next(
        (candidates[w].member for w in winners if candidates[w].member_id not in seated), None
    )
    record.append(
        ELECTION_COUNTBACK,
        {
            **_ref(election),
            "withdrawn": sorted(w + 1 for w in withdrawn),
            "seed": str(seed),
            "winners": [w + 1 for w in winners],
            "successor": record.personal(successor.number) if successor else None,
        },
        actor="system",
    )
    if successor is None:
        return None
    return Delegate.objects.create(
        council=election.council,
        constituency=election.constituency,
        member=successor,
        began_at=now,
        source=f"election:{election.pk}:countback",
    )
