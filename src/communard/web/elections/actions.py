"""Election use cases: call, nominate, freeze the roll, close and count, fill vacancies.
Casting, the hot path, lives in :mod:`communard.web.elections.casting`.

Each ``do_*`` runs in one durable transaction with its record entries. Time is a parameter
(``now``) so that the demo and the tests can walk through an election's calendar.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from communard.count import Ballots, count, write_blt
from communard.record.kinds import (
    CANDIDATE_ACCEPTED,
    CANDIDATE_NOMINATED,
    DELEGATES_SEATED,
    ELECTION_CALLED,
    ELECTION_CLOSED,
    ELECTION_ROLL_FROZEN,
    OFFICE_FILLED,
)
from communard.web.councils.models import Council, Delegate, OfficeHolder
from communard.web.elections.errors import (
    ElectionError,
    NominationRefused,
    WrongPhase,
)
from communard.web.elections.models import (
    Ballot,
    Candidate,
    Election,
    Kind,
    Mark,
    Phase,
    Result,
    RollEntry,
)
from communard.web.elections.roll import constituency_of, roll_member_ids
from communard.web.members.models import Member
from communard.web.platforms.models import Platform
from communard.web.records import services as record


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
    actor: str,
    now: dt.datetime | None = None,
    fills_vacancy_of: Election | None = None,
    seats: int | None = None,
) -> Election:
    """Call an election of a constituency's delegates (or of a council's office). A time left
    out follows the constitution: nominations open now, the poll opens after the nomination
    period and closes after the poll period."""
    now = _now(now)
    periods = constituency.federation.constitution.elections
    if nominations_open_at is None:
        nominations_open_at = now
    if poll_opens_at is None:
        poll_opens_at = nominations_open_at + dt.timedelta(days=periods.nomination_days)
    if poll_closes_at is None:
        poll_closes_at = poll_opens_at + dt.timedelta(days=periods.poll_days)
    if not nominations_open_at <= poll_opens_at < poll_closes_at:
        raise ElectionError("the calendar must run: nominations open ≤ poll opens < poll closes")
    if poll_opens_at < now:
        raise ElectionError("the poll cannot open in the past")
    federation = constituency.federation
    constitution = federation.constitution
    if kind == Kind.DELEGATES:
        if constituency.parent is None:
            raise ElectionError(f"{constituency.name} is the top council and elects no delegates")
        council = constituency.parent
        seat_count = seats if seats is not None else constituency.seats_in_parent
        method = constitution.elections.delegate_method
        title = f"{constituency.name}: delegates to {council.name}"
    elif kind == Kind.OFFICE:
        if not office.strip():
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
    tz = zoneinfo.ZoneInfo(federation.time_zone)
    cutoff = poll_opens_at.astimezone(tz).date() - dt.timedelta(days=constitution.cutoff_days)
    with transaction.atomic(durable=True):
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
            nominations_open_at=nominations_open_at,
            poll_opens_at=poll_opens_at,
            poll_closes_at=poll_closes_at,
            roll_cutoff=cutoff,
            fills_vacancy_of=fills_vacancy_of,
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
            actor=actor,
        )
    return election


# --------------------------------------------------------------------------- nominations


def do_nominate(
    election: Election,
    candidate: Member,
    *,
    nominated_by: Member,
    platform: Platform | None = None,
    statement: str = "",
    actor: str,
    now: dt.datetime | None = None,
) -> Candidate:
    """Nominate a member (oneself, another member, or on a platform's slate)."""
    with transaction.atomic(durable=True):
        election = Election.objects.select_for_update().get(pk=election.pk)
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
            actor=actor,
        )
    return nominee


def do_accept_nomination(
    nominee: Candidate, *, actor: str, now: dt.datetime | None = None
) -> Candidate:
    with transaction.atomic(durable=True):
        nominee = (
            Candidate.objects.select_for_update().select_related("election").get(pk=nominee.pk)
        )
        if nominee.election.phase(_now(now)) != Phase.NOMINATIONS:
            raise WrongPhase("nominations are closed")
        if nominee.accepted:
            raise NominationRefused("the nomination is already accepted")
        nominee.accepted = True
        nominee.save(update_fields=["accepted"])
        record.append(
            CANDIDATE_ACCEPTED,
            {**_ref(nominee.election), "candidate": record.personal(nominee.member.number)},
            actor=actor,
        )
    return nominee


# --------------------------------------------------------------------------- opening the poll


def open_poll_if_due(election: Election, now: dt.datetime | None = None) -> Election:
    """Freeze the roll and number the candidates once the poll has opened (idempotent)."""
    now = _now(now)
    if election.roll_frozen_at is not None or now < election.poll_opens_at:
        return election
    with transaction.atomic(durable=True):
        election = Election.objects.select_for_update().get(pk=election.pk)
        if election.roll_frozen_at is None:
            _freeze_roll(election, now)
    return election


def _freeze_roll(election: Election, now: dt.datetime) -> None:
    ids = roll_member_ids(election.constituency, election.roll_cutoff)
    RollEntry.objects.bulk_create(
        [RollEntry(election=election, member_id=i) for i in ids], batch_size=5000
    )
    numbers = list(
        Member.objects.filter(pk__in=ids).order_by("number").values_list("number", flat=True)
    )
    digest = hashlib.sha256("\n".join(numbers).encode()).hexdigest()
    # Candidates are numbered alphabetically: the published box (BLT) uses these numbers.
    accepted = list(election.candidates.filter(accepted=True).select_related("member"))
    accepted.sort(key=lambda c: (c.member.name.casefold(), c.member.number))
    for n, c in enumerate(accepted, start=1):
        c.number = n
    Candidate.objects.bulk_update(accepted, ["number"])
    # Nominations never accepted lapse when the poll opens; they stay on file, unnumbered.
    Election.objects.filter(pk=election.pk).update(
        roll_frozen_at=now,
        roll_size=len(ids),
        roll_commitment=digest,
        candidates_standing=len(accepted),
    )
    election.roll_frozen_at, election.roll_size, election.roll_commitment = now, len(ids), digest
    election.candidates_standing = len(accepted)
    record.append(
        ELECTION_ROLL_FROZEN,
        {
            **_ref(election),
            "cutoff": election.roll_cutoff.isoformat(),
            "voters": len(ids),
            "members_sha256": digest,
            "candidates": [
                {"number": c.number, "member": record.personal(c.member.number)} for c in accepted
            ],
        },
        actor="system",
    )


# --------------------------------------------------------------------------- closing and counting


def boxed_ballots(election: Election) -> list[Ballot]:
    """The election's ballots in the box's order: by tracking code, compared by code point here
    rather than by the database, whose collation may differ between servers. The box's hash,
    and so the lot's seed, must come out the same wherever it is rebuilt."""
    return sorted(Ballot.objects.filter(election=election), key=lambda b: b.tracking_code)


def ballot_box(election: Election) -> tuple[Ballots, list[Candidate], list[Ballot]]:
    """The election's ballots as the counting engine reads them, in tracking-code order."""
    candidates = list(
        election.candidates.filter(number__isnull=False).select_related("member").order_by("number")
    )
    ballots = boxed_ballots(election)
    box = Ballots.from_rankings(
        [[n - 1 for n in b.ranking] for b in ballots],
        [c.member.name for c in candidates],
        seats=election.seats,
        title=election.title,
    )
    return box, candidates, ballots


def close_if_due(election: Election, now: dt.datetime | None = None) -> Election:
    """Close and count the election if its poll has ended (safe to call from any request)."""
    now = _now(now)
    if election.closed_at is None and now >= election.poll_closes_at:
        do_close_election(election, now=now)
        election.refresh_from_db()
    return election


def do_close_election(election: Election, *, now: dt.datetime | None = None) -> Result:
    """Count the ballots, record the result, and seat the winners. Runs once per election."""
    now = _now(now)
    with transaction.atomic(durable=True):
        election = (
            Election.objects.select_for_update()
            .select_related("federation", "constituency", "council")
            .get(pk=election.pk)
        )
        if election.closed_at is not None:
            return election.result
        if now < election.poll_closes_at:
            raise WrongPhase("the poll is still open")
        if election.roll_frozen_at is None:
            _freeze_roll(election, now)
        box, candidates, ballots = ballot_box(election)
        blt = write_blt(box, election.seats).encode()
        box_sha = hashlib.sha256(blt).hexdigest()
        # The lot's seed comes from the ballot box itself: anyone can recompute it, and nobody
        # can choose it after seeing the ballots.
        seed = int(box_sha[:16], 16)
        marks = Mark.objects.filter(entry__election=election).count()
        if candidates:
            outcome = count(box, election.method, election.seats, seed=seed)
            sheet, winners = outcome.to_dict(), [w + 1 for w in outcome.winners]
        else:
            sheet, winners = {"winners": [], "stages": [], "note": "no candidates stood"}, []
        result = Result.objects.create(
            election=election,
            seed=str(seed),
            ballots=len(ballots),
            marks=marks,
            box_sha256=box_sha,
            winners=winners,
            sheet=sheet,
            counted_at=now,
        )
        Election.objects.filter(pk=election.pk).update(closed_at=now)
        election.closed_at = now
        record.append(
            ELECTION_CLOSED,
            {
                **_ref(election),
                "ballots": len(ballots),
                "marks": marks,
                "voters": election.roll_size,
                "box_sha256": box_sha,
                "seed": str(seed),
                "winners": winners,
                "candidates": [
                    {"number": c.number, "member": record.personal(c.member.number)}
                    for c in candidates
                ],
                "sheet_sha256": hashlib.sha256(_canonical(sheet).encode()).hexdigest(),
            },
            actor="system",
        )
        by_number = {c.number: c for c in candidates}
        _seat(election, [by_number[n].member for n in winners], now)
    return result


def _canonical(data: Any) -> str:
    import json

    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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


def do_tick(now: dt.datetime | None = None) -> tuple[int, int]:
    """Open the polls and close the elections that are due. Returns (opened, closed)."""
    now = _now(now)
    opened = closed = 0
    for election in Election.objects.filter(
        roll_frozen_at__isnull=True, poll_opens_at__lte=now, closed_at__isnull=True
    ):
        if now < election.poll_closes_at:
            open_poll_if_due(election, now)
            opened += 1
    for election in Election.objects.filter(closed_at__isnull=True, poll_closes_at__lte=now):
        do_close_election(election, now=now)
        closed += 1
    return opened, closed
