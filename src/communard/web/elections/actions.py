"""Election use cases: call, nominate, open the poll (freeze the roll), close and count.
The vote itself is a poll (:mod:`communard.web.elections.poll`): ballots are cast through the
polls' one cast action, ``polls.actions.cast.do_cast``.

Each ``do_*`` changes its rows and appends its record entries in one transaction, which composes
inside its caller's: the entry point (a view, a command, the clock) opens the durable one. Opening
and closing a poll are run by the clock (``web/core/clock.py``, ``elections/transitions.py``)
when ``constitution.calendar`` says they are due, never by a page or a ballot. Time is a
parameter (``now``) so that the demo and the tests can walk through an election's calendar.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from communard.constitution.calendar import (
    CalendarRefusal,
    Transition,
    due_transitions,
    plan_calendar,
)
from communard.constitution.permissions import (
    Actor,
    ClockActor,
    check,
    may_accept_nomination,
    may_call_election,
    may_nominate,
    may_run_poll_transition,
)
from communard.count import Ballots, count, write_blt
from communard.record import kinds
from communard.record.kinds import (
    CANDIDATE_ACCEPTED,
    CANDIDATE_NOMINATED,
    DELEGATES_SEATED,
    ELECTION_CALLED,
    ELECTION_CLOSED,
    ELECTION_ROLL_FROZEN,
    OFFICE_FILLED,
)
from communard.web.core.actors import record_name
from communard.web.councils.models import Council, Delegate, OfficeHolder
from communard.web.elections.errors import (
    AlreadyClosed,
    CalendarRefused,
    ElectionError,
    NominationRefused,
    RollAlreadyFrozen,
    SeatsAlreadyBeingElected,
    WrongPhase,
)
from communard.web.elections.models import (
    Ballot,
    Candidate,
    Election,
    Kind,
    Phase,
    Result,
    RollEntry,
)
from communard.web.elections.poll import open_election_poll
from communard.web.elections.roll import constituency_of
from communard.web.members.models import Member
from communard.web.platforms.models import Platform
from communard.web.polls.actions.common import recorded_where
from communard.web.polls.models import Result as PollResult
from communard.web.records import services as record

#: The only actor that opens, closes and counts a poll (``may_run_poll_transition``).
CLOCK = ClockActor()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _ref(election: Election) -> dict[str, Any]:
    return {"federation": election.federation.slug, "election": election.pk}


# --------------------------------------------------------------------------- calling an election


def do_call_election(
    constituency: Council,
    *,
    kind: str = Kind.DELEGATES,
    office: str = "",
    nominations_open_at: dt.datetime | None = None,
    poll_opens_at: dt.datetime | None = None,
    poll_closes_at: dt.datetime | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
    fills_vacancy_of: Election | None = None,
    seats: int | None = None,
) -> Election:
    """Call an election of a constituency's delegates (or of a council's office).

    The calendar follows the constitution (``constitution.calendar.plan_calendar``): a time left
    out is the minimum period after the one before it, and a shorter period is refused with the
    rule it breaks. So is a second election for seats that an election not yet closed is already
    filling; a by-election (``fills_vacancy_of``) may run beside other by-elections, each filling
    its own vacant seat, but not beside an election of all the seats."""
    check(may_call_election(actor))
    now = _now(now)
    federation = constituency.federation
    constitution = federation.constitution
    office = office.strip()
    planned = plan_calendar(
        constitution,
        zoneinfo.ZoneInfo(federation.time_zone),
        called_at=now,
        nominations_open_at=nominations_open_at,
        poll_opens_at=poll_opens_at,
        poll_closes_at=poll_closes_at,
    )
    if isinstance(planned, CalendarRefusal):
        raise CalendarRefused(str(planned))
    if kind == Kind.DELEGATES:
        if constituency.parent is None:
            raise ElectionError(f"{constituency.name} is the top council and elects no delegates")
        council = constituency.parent
        seat_count = seats if seats is not None else constituency.seats_in_parent
        method = constitution.elections.delegate_method
        title = f"{constituency.name}: delegates to {council.name}"
    elif kind == Kind.OFFICE:
        if not office:
            raise ElectionError("an office election needs the office's name")
        council, seat_count = constituency, 1
        method = constitution.elections.office_method
        title = f"{constituency.name}: {office}"
    else:
        raise ElectionError(f"unknown kind of election {kind!r}")
    if seat_count < 1:
        raise ElectionError("there are no seats to fill")
    if fills_vacancy_of is not None:
        title += " (by-election)"
    with transaction.atomic():
        # The constituency's row is the lock two calls for the same seats take in turn, so the
        # second sees the first (SQLite's IMMEDIATE transactions are serialised anyway).
        Council.objects.select_for_update().filter(pk=constituency.pk).exists()
        running = _election_of_the_same_seats(kind, constituency, office, fills_vacancy_of)
        if running is not None:
            raise SeatsAlreadyBeingElected(
                f"election {running.pk} ({running.title}) is already electing these seats; "
                f"its poll closes {running.poll_closes_at:%Y-%m-%d %H:%M %Z}",
                running,
            )
        election = Election.objects.create(
            federation=federation,
            kind=kind,
            constituency=constituency,
            council=council,
            office=office,
            title=title,
            seats=seat_count,
            method=method,
            candidate_order=constitution.elections.candidate_order,
            nominations_open_at=planned.nominations_open_at,
            poll_opens_at=planned.poll_opens_at,
            poll_closes_at=planned.poll_closes_at,
            roll_cutoff=planned.roll_cutoff,
            fills_vacancy_of=fills_vacancy_of,
        )
        # The names the entry below reads (kept as they were, so its lines stay unchanged).
        nominations_open_at, poll_opens_at, poll_closes_at, cutoff = (
            planned.nominations_open_at, planned.poll_opens_at, planned.poll_closes_at,
            planned.roll_cutoff,
        )
        record.append(
            ELECTION_CALLED,
            {
                **_ref(election),
                "kind": kind,
                "constituency": constituency.key,
                "council": council.key,
                "office": office,
                "seats": seat_count,
                "method": method,
                "nominations_open_at": nominations_open_at.isoformat(),
                "poll_opens_at": poll_opens_at.isoformat(),
                "poll_closes_at": poll_closes_at.isoformat(),
                "roll_cutoff": cutoff.isoformat(),
                "fills_vacancy_of": fills_vacancy_of.pk if fills_vacancy_of else None,
            },
            actor=record_name(actor),
        )
    return election


def _election_of_the_same_seats(
    kind: str, constituency: Council, office: str, fills_vacancy_of: Election | None
) -> Election | None:
    """An election not yet closed that fills the seats a new call would fill, if any. An
    election with a result is closed, whatever its ``closed_at`` says."""
    running = Election.objects.filter(
        kind=kind, constituency=constituency, closed_at__isnull=True, legacy_result__isnull=True
    ).exclude(poll__result__isnull=False).order_by("pk")
    for election in running:
        if kind == Kind.OFFICE and election.office.casefold() != office.casefold():
            continue
        # By-elections each fill one vacant seat, a different one: they may run side by side.
        if fills_vacancy_of is not None and election.fills_vacancy_of_id is not None:
            continue
        return election
    return None


# --------------------------------------------------------------------------- nominations


def do_nominate(
    election: Election,
    candidate: Member,
    *,
    nominated_by: Member,
    platform: Platform | None = None,
    statement: str = "",
    actor: Actor,
    now: dt.datetime | None = None,
) -> Candidate:
    """Nominate a member (oneself, another member, or on a platform's slate): the nominator,
    signed in as themself, a member of the constituency."""
    with transaction.atomic(durable=True):
        election = Election.objects.select_for_update().get(pk=election.pk)
        check(may_nominate(
            actor, is_nominator=nominated_by.is_acting(actor),
            nominator_in_constituency=nominated_by.is_active
            and constituency_of(nominated_by, election.constituency),
        ))
        if election.phase(_now(now)) != Phase.NOMINATIONS:
            raise WrongPhase("nominations are not open")
        for who, role in ((candidate, "the candidate"), (nominated_by, "the nominator")):
            if not who.is_active or not constituency_of(who, election.constituency):
                raise NominationRefused(
                    f"{role} must be an active member of {election.constituency.name}"
                )
        if platform is not None:
            if platform.federation_id != election.federation_id:
                raise NominationRefused("that platform belongs to another federation")
            if not platform.members.filter(pk=nominated_by.pk).exists():
                raise NominationRefused(f"only members of {platform.name} can nominate its slate")
        if len(statement) > 2000:
            raise NominationRefused("the statement is longer than 2,000 characters")
        try:
            with transaction.atomic():
                nominee = Candidate.objects.create(
                    election=election,
                    member=candidate,
                    nominated_by=nominated_by,
                    platform=platform,
                    statement=statement.strip(),
                    accepted=candidate.pk == nominated_by.pk,
                )
        except IntegrityError:
            raise NominationRefused(f"{candidate.name} is already nominated") from None
        record.append(
            CANDIDATE_NOMINATED,
            {
                **_ref(election),
                "candidate": record.personal(candidate.number),
                "platform": platform.slug if platform else None,
                "accepted": nominee.accepted,
            },
            actor=record_name(actor),
        )
    return nominee


def do_accept_nomination(
    nominee: Candidate, *, actor: Actor, now: dt.datetime | None = None
) -> Candidate:
    """The nominee, and only they, accepts their nomination."""
    with transaction.atomic(durable=True):
        nominee = (
            Candidate.objects.select_for_update().select_related("election").get(pk=nominee.pk)
        )
        check(may_accept_nomination(actor, is_nominee=nominee.member.is_acting(actor)))
        if nominee.election.phase(_now(now)) != Phase.NOMINATIONS:
            raise WrongPhase("nominations are closed")
        if nominee.accepted:
            raise NominationRefused("the nomination is already accepted")
        nominee.accepted = True
        nominee.save(update_fields=["accepted"])
        record.append(
            CANDIDATE_ACCEPTED,
            {**_ref(nominee.election), "candidate": record.personal(nominee.member.number)},
            actor=record_name(actor),
        )
    return nominee


# --------------------------------------------------------------------------- opening the poll


def do_open_poll(election: Election, *, now: dt.datetime | None = None,
                 actor: Actor = CLOCK) -> bool:
    """The poll opens: freeze the roll, number the accepted candidates (other nominations lapse).
    The clock runs it once the poll's time has come; True if it opened the poll now, False if it
    was already open or closed (another clock was first). ``actor`` defaults to the clock, the
    only one allowed: every caller is the clock (or plays it, in the demo and the tests)."""
    check(may_run_poll_transition(actor))
    now = _now(now)
    with transaction.atomic():
        election = _locked(election)
        if Transition.OPEN_POLL not in due_transitions(election.state(), now):
            if election.roll_frozen_at is None and election.closed_at is None:
                raise WrongPhase(
                    f"the poll opens {election.poll_opens_at:%Y-%m-%d %H:%M %Z}, not before"
                )
            return False
        _freeze_roll(election, now)
    return True


def _locked(election: Election) -> Election:
    """The election's row, locked for the rest of the transaction and read afresh."""
    return (
        Election.objects.select_for_update()
        .select_related("federation", "constituency", "council")
        .get(pk=election.pk)
    )


def _on_record(kind: kinds.Kind[Any], election: Election) -> str | None:
    """Which entry of the record, sealed or still queued, says ``kind`` happened to the election.
    The record is the source of truth: a row changed behind its back (SQL, the shell) does not
    undo what it says, so an action that must happen once asks it, not only the row."""
    return recorded_where(kind, election.federation.slug, "election", election.pk)


def _freeze_roll(election: Election, now: dt.datetime) -> None:
    """Open a locked election's vote, once: number the accepted candidates, call its poll and
    freeze the poll's roll (sealing it when tellers can be drawn), take the census. A roll
    already frozen (a poll on the row, old roll rows on file, or a freeze on the record) is
    never frozen again, whatever the row's ``roll_frozen_at`` says."""
    on_file = election.poll_id is not None or RollEntry.objects.filter(election=election).exists()
    where = None if on_file else _on_record(ELECTION_ROLL_FROZEN, election)
    if on_file or where is not None:
        evidence = "its entries are on file" if on_file else f"the record's {where} froze it"
        raise RollAlreadyFrozen(
            f"the roll of election {election.pk} was frozen already ({evidence}); its row was "
            "changed behind the record's back"
        )
    # Candidates are numbered alphabetically: the poll's options and the published box use
    # these numbers.
    accepted = list(election.candidates.filter(accepted=True).select_related("member"))
    accepted.sort(key=lambda c: (c.member.name.casefold(), c.member.number))
    for n, c in enumerate(accepted, start=1):
        c.number = n
    Candidate.objects.bulk_update(accepted, ["number"])
    # Nominations never accepted lapse when the poll opens; they stay on file, unnumbered.
    poll = open_election_poll(election, len(accepted), now)
    Election.objects.filter(pk=election.pk).update(
        poll=poll,
        roll_frozen_at=now,
        roll_size=poll.roll_size,
        roll_commitment=poll.roll_commitment,
        candidates_standing=len(accepted),
    )
    election.poll = poll
    election.roll_frozen_at, election.roll_size = now, poll.roll_size
    election.roll_commitment, election.candidates_standing = poll.roll_commitment, len(accepted)
    record.append(
        ELECTION_ROLL_FROZEN,
        {
            **_ref(election),
            "cutoff": election.roll_cutoff.isoformat(),
            "voters": poll.roll_size,
            "members_sha256": poll.roll_commitment,
            "candidates": [
                {"number": c.number, "member": record.personal(c.member.number)} for c in accepted
            ],
        },
        actor="system",
    )
    # Seats follow a census frozen with a delegates election's roll, never today's count
    # (issue 13): the members recorded by its cut-off (councils.actions.do_take_census).
    from communard.web.councils.actions import do_take_census

    if election.kind == Kind.DELEGATES:
        do_take_census(election.federation, cutoff=election.roll_cutoff, reason="roll",
                       actor=CLOCK)


# --------------------------------------------------------------------------- closing and counting


def boxed_ballots(election: Election) -> list[Ballot]:
    """The election's ballots in the box's order: by tracking code, compared by code point here
    rather than by the database, whose collation may differ between servers. The box's hash,
    and so the lot's seed, must come out the same wherever it is rebuilt."""
    return sorted(Ballot.objects.filter(election=election), key=lambda b: b.tracking_code)


def boxed_rankings(election: Election) -> str:
    """The rankings of the election's ballots in the box's order (``boxed_ballots``' order),
    as one JSON array of the stored JSON texts: a model instance and a JSON parse per ballot
    were most of ``verify``'s time at a million ballots (bench/_record_audit.py), and an audit
    that has seen this very text before need not parse it at all."""
    rows = sorted(Ballot.objects.filter(election=election)
                  .annotate(text=Cast("ranking", TextField())).values_list("tracking_code", "text"))
    return "[" + ",".join(text for _, text in rows) + "]"


BoxInputs = tuple[list[Candidate], str]


def box_inputs(election: Election) -> BoxInputs:
    """What the published box is made of: the numbered candidates and the stored rankings."""
    candidates = list(
        election.candidates.filter(number__isnull=False).select_related("member").order_by("number")
    )
    return candidates, boxed_rankings(election)


def ballot_box(election: Election, inputs: BoxInputs | None = None
               ) -> tuple[Ballots, list[Candidate], list[list[int]]]:
    """The election's ballots as the counting engine reads them, in tracking-code order."""
    candidates, text = inputs or box_inputs(election)
    rankings: list[list[int]] = json.loads(text)
    box = Ballots.from_rankings(
        [[n - 1 for n in ranking] for ranking in rankings],
        [c.member.name for c in candidates],
        seats=election.seats,
        title=election.title,
    )
    return box, candidates, rankings


@dataclass(frozen=True)
class Tally:
    """An election's box counted: what its close records, and what ``verify`` recounts."""

    box_sha256: str
    seed: int
    winners: list[int]  # candidate numbers, 1-based, in order of election
    sheet: dict[str, Any]
    candidates: list[Candidate]
    ballots: list[list[int]]  # the rankings in the box, in its order


def tally(election: Election, inputs: BoxInputs | None = None) -> Tally:
    """Count the election's stored ballots as its close does: the published box, its hash, the
    lot's seed drawn from that hash, and the counting engine's result."""
    box, candidates, ballots = ballot_box(election, inputs)
    box_sha = hashlib.sha256(write_blt(box, election.seats).encode()).hexdigest()
    # The lot's seed comes from the ballot box itself: anyone can recompute it, and nobody
    # can choose it after seeing the ballots.
    seed = int(box_sha[:16], 16)
    if candidates and ballots:
        outcome = count(box, election.method, election.seats, seed=seed)
        return Tally(box_sha, seed, [w + 1 for w in outcome.winners], outcome.to_dict(),
                     candidates, ballots)
    # Nothing to count elects nobody (the counting engine refuses an empty box, and the clock
    # would try again every round).
    note = "no ballots were cast" if candidates else "no candidates stood"
    return Tally(box_sha, seed, [], {"winners": [], "stages": [], "note": note}, candidates,
                 ballots)


def do_close_election(election: Election, *, now: dt.datetime | None = None,
                      actor: Actor = CLOCK) -> PollResult:
    """Close the election's poll: count, decide, record, and seat the winners (the poll's close
    runs ``elections.poll.election_decided`` in its transaction). The clock runs it once the
    poll has ended; a poll never opened is opened first (its roll frozen as of the cut-off).
    An election is counted once: a second close is refused (``AlreadyClosed``) when its row,
    its result or the record says it was closed, so clearing ``closed_at`` behind the record's
    back never counts it again. Only the clock closes (``do_open_poll``). A sealed poll is
    counted only once t of its tellers have handed in (``polls.closing.AwaitingTellers``)."""
    from communard.web.polls.actions.close import do_close_poll

    check(may_run_poll_transition(actor))
    now = _now(now)
    with transaction.atomic():
        election = _locked(election)
        _refuse_second_close(election)
        if now < election.poll_closes_at:
            raise WrongPhase("the poll is still open")
        if election.roll_frozen_at is None:
            _freeze_roll(election, now)
        if election.poll_id is None:
            raise ElectionError(
                f"election {election.pk} voted in the tables of before elections were polls "
                "and cannot be counted by this version (docs/elections.md, upgrading)")
        return do_close_poll(election.poll_id, now=now)


def _refuse_second_close(election: Election, *, counting: bool = False) -> None:
    """``counting``: called from the poll's close, whose own result is being written now (the
    poll's close refuses a second count of the poll itself)."""
    if election.closed_at is not None:
        raise AlreadyClosed(f"election {election.pk} is closed already")
    counted = None if counting else (
        PollResult.objects.filter(poll_id=election.poll_id) if election.poll_id is not None
        else Result.objects.filter(election=election)
    ).values_list("counted_at", flat=True).first()
    where = None if counted is not None else _on_record(ELECTION_CLOSED, election)
    if counted is not None or where is not None:
        evidence = (
            f"its result was counted {counted:%Y-%m-%d %H:%M %Z}" if counted is not None
            else f"the record's {where} closes it"
        )
        raise AlreadyClosed(
            f"election {election.pk} was closed already ({evidence}); its row was changed "
            "behind the record's back, and it is not counted again"
        )


def _seat(election: Election, winners: Sequence[Member], now: dt.datetime) -> None:
    """The winners take the constituency's seats in the council above (or the council's office),
    replacing whoever held them."""
    if election.kind == Kind.OFFICE:
        _fill_office(election, winners, now)
        return
    if election.fills_vacancy_of is None:
        Delegate.objects.filter(
            council=election.council, constituency=election.constituency, ended_at__isnull=True
        ).update(ended_at=now)
    for member in winners:
        Delegate.objects.create(
            council=election.council,
            constituency=election.constituency,
            member=member,
            began_at=now,
            source=f"election:{election.pk}",
        )
    record.append(
        DELEGATES_SEATED,
        {
            **_ref(election),
            "council": election.council.key,
            "constituency": election.constituency.key,
            "members": [record.personal(m.number) for m in winners],
        },
        actor="system",
    )


def _fill_office(election: Election, winners: Sequence[Member], now: dt.datetime) -> None:
    OfficeHolder.objects.filter(
        council=election.council, office=election.office, ended_at__isnull=True
    ).update(ended_at=now)
    for member in winners:
        OfficeHolder.objects.create(
            council=election.council, office=election.office, member=member, began_at=now,
            source=f"election:{election.pk}",
        )
    record.append(
        OFFICE_FILLED,
        {
            **_ref(election),
            "council": election.council.key,
            "office": election.office,
            "members": [record.personal(m.number) for m in winners],
        },
        actor="system",
    )
