"""Casting a vote in a poll: the one cast action, for the page and the API alike.

:func:`do_cast` checks first (the actor is the voter, the poll is open by the calendar, the
choices are the question's, the voter is on the frozen roll), then, in one transaction, marks
the voter, stores the ballot with a tracking code and nothing that names the voter or the time
(a roll call stores the named vote too, and records it), and queues the record entry. It runs no
transition: a poll the clock has not opened or closed yet is refused, not opened or closed here.

Two paths behind the same checks. PostgreSQL, for a secret ballot: one plain-SQL statement
(mark, ballot, queued entry, under the poll's row held FOR SHARE, so a close that locked it
first makes the cast store nothing), one round trip, as the elections' cast bench found it
pays. Everywhere else (SQLite, and roll calls): the ordinary ORM in a transaction; SQLite's
IMMEDIATE transactions hold the write lock from their start, so the open-poll check inside it
stays current until the commit.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from communard.constitution.calendar import Phase
from communard.constitution.permissions import Actor, MemberActor, NotAllowed, Refusal
from communard.record.kinds import POLL_BALLOT_CAST, VOTE_NAMED
from communard.web.core.actors import record_name
from communard.web.core.prepared import prepared_cursor
from communard.web.members.models import Member
from communard.web.polls.choices import check_choices
from communard.web.polls.errors import AlreadyVoted, InvalidChoices, NotOnRoll, WrongPhase
from communard.web.polls.models import (
    Ballot,
    Envelope,
    Mark,
    NamedVote,
    Option,
    Poll,
    RollEntry,
)
from communard.web.polls.roll import beneath
from communard.web.polls.sealed import envelope, sealing_from
from communard.web.polls.tracking import is_tracking_code, new_tracking_code
from communard.web.records import services as record
from communard.web.records.store import enqueue_sql, enqueue_values

#: Whether PostgreSQL takes the one-statement path for secret ballots. Only the poll cast bench
#: (bench/poll_cast_bench.py, measuring both paths on one server) and the tests that run the
#: ordinary path on PostgreSQL turn it off.
ONE_STATEMENT_ON_POSTGRESQL = True

_NOT_OPEN = {
    Phase.SCHEDULED: "the poll has not opened yet",
    Phase.NOMINATIONS: "the poll has not opened yet",
    Phase.OPENING: "the poll is opening (its roll is being frozen): try again in a minute",
}


def not_open_reason(phase: Phase) -> str:
    """Why a poll in ``phase`` takes no ballot (a purpose whose poll is not called yet, an
    election's, says the same)."""
    return _NOT_OPEN.get(phase, "the poll has closed")


def may_cast(actor: Actor, login: str | None) -> Refusal | None:
    """A vote is cast only by the voter, signed in as themself (``login``: the voter's login
    name, None if they have none): no operator, no clock, no other member casts it for them."""
    if isinstance(actor, MemberActor) and login is not None and actor.account == login:
        return None
    return Refusal("own-vote-only", "a vote is cast only by the voter, signed in")


@dataclass(frozen=True)
class CastContext:
    """What a cast needs to know before it checks and stores, however it was read: through the
    ORM (:func:`context_of`, the page and the ninja operations) or in one statement with the
    session and the login (``casting_door.py``, PostgreSQL's fast door). Either way the same
    :func:`cast` runs on it."""

    poll: Poll  # its calendar, question, seats, secrecy, options' freeze (the rest on access)
    federation: str  # the poll's federation's slug, for the record entry
    voter_id: int  # the voter's member id
    voter_number: str  # their member number (a roll call's entry names it)
    login: str | None  # their login name, for may_cast; None: the member has no login
    entry_id: int | None  # their entry on the frozen roll; None: not on it
    sealing: tuple[bytes, int] | None  # the poll's public key and envelope capacity, if sealed
    options: int  # the number of the poll's options (fixed at the call)


def context_of(poll: Poll, voter: Member) -> CastContext:
    """The ordinary read: the voter's login, and in one query from the poll's row their roll
    entry, the poll's key if it is sealed and its number of options (issue 16). The options are
    counted on every cast, as the casting door's one read counts them, rather than remembered
    per process: a poll id names another poll in a restored backup or a reused test database."""
    login = voter.user.get_username() if voter.user_id is not None else None
    entry = RollEntry.objects.filter(poll=OuterRef("pk"), member=voter).values("pk")[:1]
    options = (Option.objects.filter(poll=OuterRef("pk")).order_by().values("poll")
               .annotate(n=Count("pk")).values("n"))
    entry_id, public_key, capacity, count = (
        Poll.objects.filter(pk=poll.pk)
        .annotate(entry_id=Subquery(entry), options_count=Subquery(options))
        .values_list("entry_id", "seal__public_key", "seal__capacity", "options_count").get())
    return CastContext(poll=poll, federation=poll.federation.slug, voter_id=voter.pk,
                       voter_number=voter.number, login=login, entry_id=entry_id,
                       sealing=sealing_from(public_key, capacity), options=count or 0)


def do_cast(poll: Poll, voter: Member, choices: object, *, actor: Actor,
            now: dt.datetime | None = None, code: str | None = None) -> str:
    """Cast ``voter``'s vote; returns the ballot's tracking code: ``code`` when the caller
    made it beforehand and showed it to the voter (so an answer lost after the commit loses
    them nothing, issue 16), else a new one."""
    return cast(context_of(poll, voter), choices, actor=actor, now=now, code=code)


def cast(context: CastContext, choices: object, *, actor: Actor,
         now: dt.datetime | None = None, code: str | None = None) -> str:
    """:func:`do_cast` on what is already read: the permission rule, the phase, the choices,
    the roll, the sealing and the store, the same for every door."""
    now = now or timezone.now()
    poll = context.poll
    refusal = may_cast(actor, context.login)
    if refusal is not None:
        raise NotAllowed(refusal)
    phase = poll.phase(now)
    if phase != Phase.POLL:
        raise WrongPhase(not_open_reason(phase))
    chosen = check_choices(poll.question, context.options, poll.seats, choices)
    entry_id, sealing = context.entry_id, context.sealing
    if entry_id is None:
        raise NotOnRoll(_why_not_on_roll(poll, Member.objects.get(pk=context.voter_id)))
    made_before = code is not None
    if code is None:
        code = new_tracking_code()
    elif not is_tracking_code(code):
        raise InvalidChoices("tracking_code: four groups of four letters or digits")
    # A sealed poll stores the ballot only as an envelope (issue 16, web/polls/sealed.py).
    sealed = None if sealing is None else envelope(poll, sealing, code, chosen, context.options)
    try:
        if connection.vendor == "postgresql" and poll.secret and ONE_STATEMENT_ON_POSTGRESQL:
            stored = _store_in_one_statement(context, entry_id, code, chosen, now, sealed)
        else:
            stored = _store(context, entry_id, code, chosen, now, actor, sealed)
    except IntegrityError as exc:
        # The mark's unique key (PostgreSQL names the constraint); or, for a code made before
        # the cast and signed for this voter, their own ballot's key: a retry of a cast whose
        # answer was lost, which PostgreSQL's one statement may find before the mark.
        if "polls_mark" in str(exc) or (made_before and "polls_ballot" in str(exc)):
            raise AlreadyVoted("you have already voted in this poll") from None
        raise
    if not stored:
        raise WrongPhase("the poll has closed")
    return code


def _store(context: CastContext, entry_id: int, code: str, chosen: list[int],
           now: dt.datetime, actor: Actor, sealed: bytes | None = None) -> bool:
    poll = context.poll
    with transaction.atomic():
        is_open = Poll.objects.filter(pk=poll.pk, closed_at__isnull=True, opens_at__lte=now,
                                      closes_at__gt=now).exists()
        if not is_open:
            return False
        Mark.objects.create(entry_id=entry_id)
        if sealed is not None:
            Envelope.objects.create(poll=poll, sealed=sealed)
        else:
            Ballot.objects.create(tracking_code=code, poll=poll, choices=chosen)
        body = {"federation": context.federation, "poll": poll.pk}
        if poll.secret:
            record.append(POLL_BALLOT_CAST, body, actor="voter")
        else:
            NamedVote.objects.create(entry_id=entry_id, choices=chosen)
            record.append(VOTE_NAMED,
                          {**body, "member": record.personal(context.voter_number), "choices": chosen},
                          actor=record_name(actor))
    return True


def _store_in_one_statement(context: CastContext, entry_id: int, code: str, chosen: list[int],
                            now: dt.datetime, sealed: bytes | None = None) -> bool:
    poll = context.poll
    at = connection.ops.adapt_datetimefield_value(now)
    body = {"federation": context.federation, "poll": poll.pk}
    entry = record.entry(POLL_BALLOT_CAST, body, actor="voter", in_statement=True)
    # Prepared once per connection (core/prepared.py), as the elections' old door's was: the
    # statement's plan is most of PostgreSQL's work for a cast otherwise.
    with prepared_cursor() as cursor:
        if sealed is not None:
            cursor.execute(_sealed_cast_sql(), [poll.pk, at, at, entry_id, sealed,
                                                *enqueue_values(entry)])
        else:
            cursor.execute(_cast_sql(), [poll.pk, at, at, entry_id, code, json.dumps(chosen),
                                         *enqueue_values(entry)])
        stored = bool(cursor.fetchone()[0] == 1)
    if stored:
        record.statement_committed()
    return stored


@functools.cache
def _cast_sql() -> str:
    q = connection.ops.quote_name
    poll, mark, ballot = (q(m._meta.db_table) for m in (Poll, Mark, Ballot))
    return (
        f"WITH p AS (SELECT id FROM {poll} WHERE id = %s AND closed_at IS NULL "
        "AND opens_at <= %s AND %s < closes_at FOR SHARE), "
        f"m AS (INSERT INTO {mark} (entry_id) SELECT %s::bigint FROM p), "
        f"b AS (INSERT INTO {ballot} (tracking_code, poll_id, choices) "
        "SELECT %s, p.id, %s::jsonb FROM p), "
        f"q AS ({enqueue_sql(source='p')}) "
        "SELECT count(*) FROM p"
    )


@functools.cache
def _sealed_cast_sql() -> str:
    """The one statement of a sealed poll's cast: the mark, the envelope (no ballot row, no
    tracking code, no time) and the queued entry, under the poll's row held FOR SHARE."""
    q = connection.ops.quote_name
    poll, mark, envelope = (q(m._meta.db_table) for m in (Poll, Mark, Envelope))
    return (
        f"WITH p AS (SELECT id FROM {poll} WHERE id = %s AND closed_at IS NULL "
        "AND opens_at <= %s AND %s < closes_at FOR SHARE), "
        f"m AS (INSERT INTO {mark} (entry_id) SELECT %s::bigint FROM p), "
        f"e AS (INSERT INTO {envelope} (poll_id, sealed) SELECT p.id, %s::bytea FROM p), "
        f"q AS ({enqueue_sql(source='p')}) "
        "SELECT count(*) FROM p"
    )


def _why_not_on_roll(poll: Poll, voter: Member) -> str:
    """The refusal speaks only of the voter's own case."""
    if poll.voters == "delegates":
        return f"only the delegates seated in {poll.electorate.name} vote in this poll"
    if voter.council_id not in beneath(poll.electorate):
        return f"only members of {poll.electorate.name} vote in this poll"
    if poll.roll_day is not None and voter.admitted_on > poll.roll_day:  # an election's cut-off
        return (f"the roll was frozen at members admitted by {poll.roll_day:%d %B %Y}; "
                "you were admitted later")
    return (f"the roll counts membership recorded by {poll.roll_at:%d %B %Y %H:%M %Z}; "
            "you are not on it")
