"""Casting a ballot: the election's hot path.

One transaction marks the voter on the roll and stores the ballot — its ranking and a random
tracking code, nothing that names the voter or the time — and queues the record entry. The mark's
unique key admits one ballot per voter, also for simultaneous requests: the second transaction
fails whole, ballot and all.

The statements are plain SQL because the ORM's per-query work was most of a cast's CPU time
(bench/cast_bench.py); the tables are still the models' (``Mark``, ``Ballot``), insert-only.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from communard.record.kinds import BALLOT_CAST
from communard.web.core.models import LoginSession
from communard.web.core.prepared import prepared_cursor
from communard.web.core.rows import model_from_row
from communard.web.core.sessions import user_columns, user_fields, user_pk
from communard.web.councils.models import Federation
from communard.web.elections.errors import (
    AlreadyVoted,
    CandidateNotStanding,
    ElectionNotFound,
    InvalidBallot,
    NotOnRoll,
    WrongPhase,
)
from communard.web.elections.models import Ballot, Election, Mark, Phase, RollEntry
from communard.web.elections.roll import constituency_of
from communard.web.members.models import Member
from communard.web.polls.tracking import is_tracking_code, new_tracking_code
from communard.web.records import services as record
from communard.web.records.store import enqueue, enqueue_sql, enqueue_values

__all__ = ["do_cast_ballot", "do_cast_ballot_as_user", "is_tracking_code", "new_tracking_code"]

def candidate_numbers(election: Election) -> range | frozenset[int]:
    """The numbers of the candidates standing: 1…n once the poll has opened (kept on the
    election row, so checking a ballot costs no query), else whoever is numbered so far."""
    if election.candidates_standing is not None:
        return range(1, election.candidates_standing + 1)
    return frozenset(
        election.candidates.filter(number__isnull=False).values_list("number", flat=True)
    )


def check_ranking(election: Election, ranking: Any) -> list[int]:
    """A ranking is a non-empty list of distinct candidate numbers of this election."""
    if not isinstance(ranking, list) or not ranking:
        raise InvalidBallot("a ballot ranks at least one candidate (a list of candidate numbers)")
    numbers = candidate_numbers(election)
    seen: set[int] = set()
    ranked: list[int] = []
    for i, n in enumerate(ranking, start=1):
        if isinstance(n, float) and n.is_integer():
            # JSON has one kind of number: 2.0 is the number 2, and an integer to the API's
            # schema (JSON Schema), so a client that writes it so is not refused.
            n = int(n)
        if isinstance(n, bool) or not isinstance(n, int):
            raise InvalidBallot(f"preference {i} is {n!r}, not a candidate number")
        if n not in numbers:
            raise CandidateNotStanding(f"preference {i} names candidate {n}, who is not standing")
        if n in seen:
            raise InvalidBallot(f"preference {i} names candidate {n} a second time")
        seen.add(n)
        ranked.append(n)
    return ranked


def do_cast_ballot(
    election: Election, member: Member, ranking: Any, *, now: dt.datetime | None = None
) -> str:
    """Cast ``member``'s ballot (the ballot page's path); returns the tracking code."""
    now = now or timezone.now()
    election, ranking = _admissible(election, ranking, now)
    entry_id = _roll_entry(election, member_id=member.pk)
    if entry_id is None:
        raise NotOnRoll(why_not_on_roll(election, member))
    return _store(election, election.federation.slug, entry_id, ranking, now)


@dataclass(frozen=True)
class LoginRead:
    """What one query reads for a cast by login: the login's user row (for Django's check of
    the session), what casting needs of the election, its federation, and the voter's entry on
    its roll. ``None`` where there is no such user or election. Read by session, it also holds
    the session's stored data (``None``: no such unexpired session)."""

    user: AbstractBaseUser | None
    election: Election | None
    federation: str
    roll_entry: int | None
    session_data: str | None = None


def read_for_login(election_id: int, user_id: Any) -> LoginRead:
    """The read for the login ``user_id`` (the API's path, whose session is already loaded)."""
    return _read("read_by_user", [user_pk(user_id), election_id])


def read_for_session(election_id: int, session_key: str) -> LoginRead:
    """The same read for whoever is logged in with the session ``session_key`` (found by the
    session's user column), with the session's data: the lean endpoint's one read before the
    cast. Django then decodes and checks the session and the login as ever."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    return _read("read_by_session", [session_key, now, election_id])


def _read(statement: str, params: list[Any]) -> LoginRead:
    with prepared_cursor() as cursor:
        cursor.execute(_sql(connection.vendor)[statement], params)
        row = cursor.fetchone()
    if statement == "read_by_session":
        session_data, row = row[0], row[1:]
    else:
        session_data = None
    model = get_user_model()
    n, m = len(user_fields()), len(ELECTION_FIELDS)
    user_row, election_row, (federation, roll_entry) = row[:n], row[n : n + m], row[n + m :]
    found = user_row[user_fields().index(model._meta.pk.attname)] is not None
    return LoginRead(
        user=model_from_row(model, user_fields(), user_row) if found else None,
        election=None if election_row[0] is None
        else model_from_row(Election, ELECTION_FIELDS, election_row),
        federation=federation or "",
        roll_entry=roll_entry,
        session_data=session_data,
    )


def do_cast_ballot_as_user(
    election_id: int,
    user_id: int,
    ranking: Any,
    *,
    now: dt.datetime | None = None,
    read: LoginRead | None = None,
) -> str:
    """Cast the ballot of the member whose login is ``user_id`` (the API's path). One query
    reads what casting needs (:func:`read_for_login`); a caller that already made it for
    this login and election passes it as ``read``."""
    now = now or timezone.now()
    if read is None or read.user is None or read.user.pk != user_id:
        read = read_for_login(election_id, user_id)
    if read.election is None:
        raise ElectionNotFound("there is no such election")
    election, entry_id = read.election, read.roll_entry
    election, ranking = _admissible(election, ranking, now)
    if entry_id is None:
        member = Member.objects.filter(
            user_id=user_id, federation_id=election.federation_id
        ).first()
        if member is None:
            raise NotOnRoll("only members of the federation vote")
        raise NotOnRoll(why_not_on_roll(election, member))
    return _store(election, read.federation, entry_id, ranking, now)


def _admissible(election: Election, ranking: Any, now: dt.datetime) -> tuple[Election, list[int]]:
    """A ballot is taken only while the poll is open by the calendar and its roll is frozen;
    casting never opens or closes a poll (the clock does), so a ballot after the poll's end is
    refused here, before any write, even if the clock has not closed the election yet."""
    phase = election.phase(now)
    if phase != Phase.POLL:
        raise WrongPhase(_NOT_OPEN.get(phase, "the poll has closed"))
    return election, check_ranking(election, ranking)


_NOT_OPEN = {
    Phase.SCHEDULED: "the poll has not opened yet",
    Phase.NOMINATIONS: "the poll has not opened yet",
    Phase.OPENING: "the poll is opening (its roll is being frozen): try again in a minute",
}


def _roll_entry(election: Election, **who: int) -> int | None:
    """The voter's entry on the frozen roll, by member or by login (no lock needed: the roll
    never changes once frozen, so this read stays outside the transaction)."""
    sql = _sql(connection.vendor)["by_user" if "user_id" in who else "by_member"]
    with connection.cursor() as cursor:
        cursor.execute(sql, [election.pk, who.get("user_id", who.get("member_id"))])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _store(
    election: Election, federation: str, entry_id: int, ranking: list[int], now: dt.datetime
) -> str:
    """Mark the voter, store the ballot and queue its record entry, all or nothing, and only
    while the poll is open by the database's own copy of the election: a close that committed
    since this request read the election refuses the ballot (a ballot stored after the count
    would be published in the box but missing from the result)."""
    code = new_tracking_code()
    sql = _sql(connection.vendor)
    at = connection.ops.adapt_datetimefield_value(now)
    body = {"federation": federation, "election": election.pk}
    try:
        if connection.vendor == "postgresql":
            entry = record.entry(BALLOT_CAST, body, actor="voter", in_statement=True)
            # One statement, so one transaction even in autocommit: one round trip. It holds the
            # election's row FOR SHARE, which the close's FOR UPDATE waits for; a cast that waited
            # for a close sees the closed row and stores nothing.
            with prepared_cursor() as cursor:
                cursor.execute(sql["cast"], [election.pk, at, at, entry_id, code,
                                             json.dumps(ranking), *enqueue_values(entry)])
                stored = cursor.fetchone()[0] == 1
            if stored:
                record.statement_committed()
        else:
            # SQLite: the IMMEDIATE transaction holds the database's write lock from its start,
            # so the open-poll check inside it is current until it commits.
            with transaction.atomic(durable=True), connection.cursor() as cursor:
                cursor.execute(sql["mark"], [entry_id, election.pk, at, at])
                stored = cursor.rowcount == 1
                if stored:
                    cursor.execute(sql["ballot"], [code, election.pk, json.dumps(ranking)])
                    enqueue(record.entry(BALLOT_CAST, body, actor="voter"))
    except IntegrityError as exc:
        if "elections_mark" in str(exc):
            # The mark's unique key: PostgreSQL names the constraint, SQLite the table.column.
            raise AlreadyVoted("you have already voted in this election") from None
        raise
    if not stored:
        raise WrongPhase("the poll has closed")
    return code


# What casting reads of an election (the rest loads on access, as for .only()).
ELECTION_FIELDS = ("id", "federation_id", "nominations_open_at", "poll_opens_at",
                   "poll_closes_at", "closed_at", "roll_frozen_at", "candidates_standing")


@functools.cache
def _sql(vendor: str) -> dict[str, str]:
    q = connection.ops.quote_name
    mark, ballot = q(Mark._meta.db_table), q(Ballot._meta.db_table)
    roll, member = q(RollEntry._meta.db_table), q(Member._meta.db_table)
    election, federation = q(Election._meta.db_table), q(Federation._meta.db_table)
    user, user_key = q(get_user_model()._meta.db_table), q(get_user_model()._meta.pk.column)
    columns = "tracking_code, election_id, ranking"
    poll_open = "closed_at IS NULL AND poll_opens_at <= %s AND %s < poll_closes_at"
    session = q(LoginSession._meta.db_table)
    read_columns = (
        f"{user_columns('u')}, {', '.join(f'e.{q(f)}' for f in ELECTION_FIELDS)}, f.slug, "
        f"(SELECT r.id FROM {roll} r JOIN {member} m ON m.id = r.member_id "
        f"WHERE r.election_id = e.id AND m.user_id = u.{user_key})"
    )
    read_election = (f"LEFT JOIN {election} e ON e.id = %s "
                     f"LEFT JOIN {federation} f ON f.id = e.federation_id")
    statements = {
        "by_member": f"SELECT id FROM {roll} WHERE election_id = %s AND member_id = %s",
        "by_user": f"SELECT r.id FROM {roll} r JOIN {member} m ON m.id = r.member_id "
        "WHERE r.election_id = %s AND m.user_id = %s",
        # read_for_login / read_for_session: a row even when the session, the user or the
        # election is missing.
        "read_by_user": f"SELECT {read_columns} FROM (SELECT 1 AS one) o "
        f"LEFT JOIN {user} u ON u.{user_key} = %s {read_election}",
        "read_by_session": f"SELECT s.session_data, {read_columns} FROM (SELECT 1 AS one) o "
        f"LEFT JOIN {session} s ON s.session_key = %s AND s.expire_date > %s "
        f"LEFT JOIN {user} u ON u.{user_key} = s.user_id {read_election}",
    }
    if vendor == "postgresql":
        return {
            **statements,
            "cast": f"WITH e AS (SELECT id FROM {election} WHERE id = %s AND {poll_open} "
            "FOR SHARE), "
            f"m AS (INSERT INTO {mark} (entry_id) SELECT %s::bigint FROM e), "
            f"b AS (INSERT INTO {ballot} ({columns}) SELECT %s, e.id, %s::jsonb FROM e), "
            f"q AS ({enqueue_sql(source='e')}) "
            "SELECT count(*) FROM e",
        }
    return {
        **statements,
        "mark": f"INSERT INTO {mark} (entry_id) SELECT %s WHERE EXISTS "
        f"(SELECT 1 FROM {election} WHERE id = %s AND {poll_open})",
        "ballot": f"INSERT INTO {ballot} ({columns}) VALUES (%s, %s, %s)",
    }


def why_not_on_roll(election: Election, member: Member) -> str:
    """The refusal for a member who is not on the roll; it speaks only of the member's own case."""
    if not constituency_of(member, election.constituency):
        return f"only members of {election.constituency.name} vote in this election"
    if member.admitted_on > election.roll_cutoff:
        return (
            f"the roll was frozen at members admitted by {election.roll_cutoff:%d %B %Y}; "
            "you were admitted later"
        )
    return "you are not on this election's roll"
