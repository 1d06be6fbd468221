"""Signing a petition on PostgreSQL in few round trips: the hot path of a recall.

A whole constituency signs the same petition within days, so a signature's cost per request sets
what a server can take (bench/recall_bench.py). Through the ORM (``actions/sign.py``) it is about
a dozen statements, each compiled anew. Here, as casting does (``elections/casting.py``):

1. one prepared read (:func:`read_for_session`): the session's data, its login's user row, the
   petition's state and what its answer shows, the signer's member row, their place on the roll
   frozen at filing, and their signature and its withdrawal, if any;
2. one prepared statement, its own transaction (autocommit): count the signature on the
   petition's row (``UPDATE … SET signatures = signatures + 1 … WHERE state = 'open' AND
   signatures + 1 < threshold RETURNING``), insert the signature (its unique key (petition,
   member) is the one-signature guard), and queue the ``recall.signed`` entry, its body's count
   filled in by the statement, with its commitments' openings. The petition's row is locked
   only while PostgreSQL runs that statement and commits, and the entries' counts follow the
   record's order (each is queued under the lock);
3. the wait for that commit's WAL flush, outside the lock, before the answer (``_FLUSH``).

The signature that would meet the threshold is left by that statement (nothing written) and
made in a transaction of its own, with the same statement and then ``_threshold_met`` (state,
the vote's calendar, the roll's notifications): once per petition.

The rules are the same functions the ORM path calls (``constitution/recall.py``), and the
signature that meets the threshold runs the same ``_threshold_met``. SQLite keeps the ORM path.
"""

from __future__ import annotations

import datetime as dt
import functools
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from communard.constitution import recall as rules
from communard.constitution.permissions import NotAllowed, Refusal, check
from communard.record.kinds import RECALL_SIGNED
from communard.web.core.models import LoginSession
from communard.web.core.prepared import prepared_cursor
from communard.web.core.rows import model_from_row
from communard.web.core.sessions import user_columns, user_fields
from communard.web.councils.models import Council, Delegate, Federation, OfficeHolder
from communard.web.members.models import Member
from communard.web.recalls.models import Petition, RollMember, Signature, State, Withdrawal
from communard.web.records import services as record
from communard.web.records import store


@dataclass(frozen=True)
class SignRead:
    """What the one read finds (``None`` fields: no such session, user, petition or member)."""

    session_data: str | None
    user: AbstractBaseUser | None
    petition: dict[str, Any] | None  # the API's PetitionOut, as it stands before this signature
    federation: str
    federation_name: str
    deadline: dt.datetime | None
    member_id: int | None
    member_number: str
    signer: rules.SignerFacts


def read_for_session(petition_id: int, session_key: str) -> SignRead:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with prepared_cursor() as cursor:
        cursor.execute(_sql()["read"], [session_key, now, petition_id])
        row = cursor.fetchone()
    model = get_user_model()
    n = len(user_fields())
    session_data, user_row, rest = row[0], row[1 : n + 1], row[n + 1 :]
    (pid, state, deadline, filed_at, roll_size, threshold, signatures, grounds, kind,
     mandate_id, holder, council, constituency, office, federation, federation_name,
     member_id, number,
     on_roll, signature_id, withdrawn) = rest
    found = user_row[user_fields().index(model._meta.pk.attname)] is not None
    petition = None if pid is None else {
        "id": pid, "state": state, "grounds": grounds,
        "against": {"kind": kind, "id": mandate_id, "member": holder, "council": council,
                    "constituency": constituency, "office": office or ""},
        "filed_at": filed_at.isoformat(), "deadline": deadline.isoformat(),
        "roll_size": roll_size, "threshold": threshold, "signatures": signatures,
        "vote_opens_at": None, "vote_closes_at": None,
    }
    return SignRead(
        session_data=session_data,
        user=model_from_row(model, user_fields(), user_row) if found else None,
        petition=petition, federation=federation or "", federation_name=federation_name or "",
        deadline=deadline,
        member_id=member_id, member_number=number or "",
        signer=rules.SignerFacts(bool(on_roll), signature_id is not None, bool(withdrawn)),
    )


def do_sign_as_user(read: SignRead, user: AbstractBaseUser,
                    now: dt.datetime | None = None) -> dict[str, Any]:
    """Sign as the login ``user`` (already checked against the session), from ``read``;
    returns the petition as the API shows it after this signature. Raises ``NotAllowed``
    with the rule refused, having written nothing."""
    now = now or timezone.now()
    petition = read.petition
    assert petition is not None and read.deadline is not None
    if user.is_staff or user.is_superuser or read.member_id is None:
        # As acting_member: operators act as operators, never as a signing member.
        raise NotAllowed(Refusal("members-only", f"only a member of {read.federation_name} "
                                 "signed in as themself petitions and signs"))
    check(rules.may_sign(petition["state"], read.deadline, read.signer, now))
    out = {**petition}
    try:
        counted = _sign(read, user, now, short_of_threshold=True)
        if counted is None:  # it would meet the threshold, or the petition closed since the read
            with transaction.atomic(durable=not connection.in_atomic_block):
                counted = _sign(read, user, now, short_of_threshold=False)
                if counted is not None and rules.is_threshold_met(counted, petition["threshold"]):
                    out.update(_meet_threshold(petition["id"], counted, now))
    except IntegrityError as e:
        if "one_signature_each" not in str(e):
            raise
        # The same member, signing twice at once: the other came first.
        raise NotAllowed(rules.may_sign(petition["state"], read.deadline,
                                        rules.SignerFacts(True, True, False), now)
                         or Refusal("already-signed", "you have signed this petition")) from None
    if counted is None:  # closed since it was read: this signature must not stand
        state = Petition.objects.filter(pk=petition["id"]).values_list("state", flat=True)
        raise NotAllowed(rules.may_sign(state[0], read.deadline, read.signer, now)
                         or Refusal("petition-not-open", "the petition is no longer open"))
    out["signatures"] = counted
    return out


def _sign(read: SignRead, user: AbstractBaseUser, now: dt.datetime, *,
          short_of_threshold: bool) -> int | None:
    """One statement: count the signature on the petition's row, insert its row, and queue
    its ``recall.signed`` entry with the openings of its two commitments; returns the count
    after it, or ``None`` (nothing written) if the petition no longer collects or, with
    ``short_of_threshold``, if this signature would meet the threshold.

    Outside a transaction the statement is its own (autocommit), and the petition's row is
    locked only while PostgreSQL runs it and commits, never while Python runs (on a busy
    server a thread holding the lock waits for the GIL, and every other signature of the
    petition waits for it). Nor while the commit waits for the disk: every signature must lock
    that one row, so a lock held through each commit's WAL flush allows one signature per
    flush (serial synchronous commits ran at 64/s on the bench machine), where ballots, which share no row, are flushed
    many at a time. So the statement commits without waiting for the flush
    (``synchronous_commit`` off for its own transaction only), which releases the row at once,
    and a second statement (``_FLUSH``) then waits until the WAL is on disk up to a commit of
    its own, later than the signature's; only then is the signature answered. Concurrent
    signatures' flushes are one flush, as ballots' are. A crash before the flush loses only
    unanswered signatures, and never one without the signatures counted before it (the WAL is
    written in order).

    The row is locked first, then the signature's key is taken: the same order as
    ``actions/sign.py``, so the two paths cannot deadlock. A second signature of the same
    member fails the statement whole on the unique key (IntegrityError), the count's increment
    with it.

    The entry's body carries the count after this signature, which only the UPDATE knows: the
    body is checked and encoded in Python with a placeholder count, which the statement
    replaces with the counted number (``_COUNT``: a JSON member no string value can contain,
    as a string's quotes are escaped)."""
    petition = read.petition
    assert petition is not None
    signer, signer_opening = record.personal_deferred(read.member_number)
    actor, actor_opening = record.personal_deferred(user.get_username())
    entry = record.entry(RECALL_SIGNED, {
        "federation": read.federation, "petition": petition["id"], "signer": signer,
        "signatures": _PLACEHOLDER}, actor=f"member:{actor}", in_statement=True)
    body = entry.body.decode("utf-8")
    assert body.count(_COUNT) == 1, body
    openings = [list(column) for column in zip(signer_opening, actor_opening, strict=True)]
    at = connection.ops.adapt_datetimefield_value(now)
    early = short_of_threshold and not connection.in_atomic_block
    statement = _sql()["sign_short_early" if early else "sign_short" if short_of_threshold
                       else "sign"]
    # A savepoint inside a caller's transaction, so a refused duplicate leaves it usable.
    savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with savepoint, prepared_cursor() as cursor:
        cursor.execute(statement, [
            petition["id"], State.OPEN, read.member_id, at, *openings,
            entry.kind, entry.time, entry.actor, body, _COUNT])
        row = cursor.fetchone()
    if row is None:
        return None
    if early:  # committed, not yet on disk: answer only once it is
        with prepared_cursor() as cursor:
            cursor.execute(_FLUSH)
            cursor.fetchone()
    record.statement_committed()
    return int(row[0])


#: A transaction of its own that writes a little WAL (a logical decoding message, which no
#: reader needs) and commits with ``synchronous_commit`` on, so it returns only when the WAL
#: is flushed past its commit, and so past every commit before it. PostgreSQL 17 has
#: ``pg_logical_emit_message(..., flush => true)`` for this; 15 and 16 flush at the commit.
_FLUSH = "SELECT pg_logical_emit_message(true, 'communard', 'recall.signed')"


def _meet_threshold(petition_id: int, counted: int, now: dt.datetime) -> dict[str, Any]:
    """In the counting signature's transaction: the petition meets its threshold (its state,
    the vote's calendar, the entry, the roll's notifications), as ``actions/sign.py`` does."""
    from communard.web.recalls.actions.sign import _threshold_met

    row = Petition.objects.select_related("federation").get(pk=petition_id)
    row.signatures = counted
    row.save(update_fields=_threshold_met(row, now))
    return {"state": row.state, "vote_opens_at": _iso(row.vote_opens_at),
            "vote_closes_at": _iso(row.vote_closes_at)}


#: The count the entry's body is encoded with, replaced in SQL by the counted one.
_PLACEHOLDER = 2**53 - 1
_COUNT = f'"signatures":{_PLACEHOLDER}'
#: The body's SQL: the encoded body (a parameter) with ``_COUNT`` (another) made the count.
_BODY = """replace(%s::text, %s::text, '"signatures":' || p.signatures::text)"""


def _iso(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at else None


@functools.cache
def _sql() -> dict[str, str]:
    q = connection.ops.quote_name

    def t(model: Any) -> str:
        return str(q(model._meta.db_table))

    user, user_key = t(get_user_model()), q(get_user_model()._meta.pk.column)
    petition, signature = t(Petition), t(Signature)
    return {
        # A row even when the session, the user, the petition or the member is missing.
        "read": f"SELECT s.session_data, {user_columns('u')}, "
        "p.id, p.state, p.deadline, p.filed_at, p.roll_size, p.threshold, p.signatures, "
        "p.grounds, CASE WHEN p.delegate_id IS NULL THEN 'office' ELSE 'delegate' END, "
        "COALESCE(p.delegate_id, p.office_holder_id), hm.name, mc.key, c.key, o.office, "
        "f.slug, f.name, m.id, m.number, "
        f"EXISTS (SELECT 1 FROM {t(RollMember)} r "
        "WHERE r.petition_id = p.id AND r.member_id = m.id), "
        f"sg.id, EXISTS (SELECT 1 FROM {t(Withdrawal)} w WHERE w.signature_id = sg.id) "
        "FROM (SELECT 1 AS one) one "
        f"LEFT JOIN {t(LoginSession)} s ON s.session_key = %s AND s.expire_date > %s "
        f"LEFT JOIN {user} u ON u.{user_key} = s.user_id "
        f"LEFT JOIN {petition} p ON p.id = %s "
        f"LEFT JOIN {t(Federation)} f ON f.id = p.federation_id "
        f"LEFT JOIN {t(Council)} c ON c.id = p.constituency_id "
        f"LEFT JOIN {t(Delegate)} d ON d.id = p.delegate_id "
        f"LEFT JOIN {t(OfficeHolder)} o ON o.id = p.office_holder_id "
        f"LEFT JOIN {t(Member)} hm ON hm.id = COALESCE(d.member_id, o.member_id) "
        f"LEFT JOIN {t(Council)} mc ON mc.id = COALESCE(d.council_id, o.council_id) "
        f"LEFT JOIN {t(Member)} m ON m.user_id = u.{user_key} "
        "AND m.federation_id = p.federation_id "
        f"LEFT JOIN {signature} sg ON sg.petition_id = p.id AND sg.member_id = m.id",
        # Count, then the signature, its commitments' openings and its queued entry, all only
        # if the count went up; returns the count after it (no row: nothing written).
        "sign": _sign_sql(petition, signature, ""),
        "sign_short": _sign_sql(petition, signature, " AND signatures + 1 < threshold"),
        # The same, its own transaction committed without waiting for the disk (_FLUSH does).
        "sign_short_early": _sign_sql(petition, signature, " AND signatures + 1 < threshold",
                                      early=True),
    }


def _sign_sql(petition: str, signature: str, condition: str, *, early: bool = False) -> str:
    # set_config(…, true): for this statement's own transaction only (autocommit).
    commit = ("c AS (SELECT set_config('synchronous_commit', 'off', true)), " if early else "")
    return (
        f"WITH {commit}p AS (UPDATE {petition} SET signatures = signatures + 1 "
        f"WHERE id = %s AND state = %s{condition} RETURNING id, signatures), "
        f"s AS (INSERT INTO {signature} (petition_id, member_id, signed_at) "
        "SELECT p.id, %s, %s FROM p), "
        f"o AS ({store.openings_sql(source='p')}), "
        f"q AS ({store.enqueue_sql(source='p', body=_BODY)}) "
        f"SELECT signatures FROM p{', c' if early else ''}"
    )
