"""Signing a petition, and taking a signature back while the petition is still collecting."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from communard.constitution import recall as rules
from communard.constitution.permissions import Actor, check
from communard.record.kinds import RECALL_SIGNATURE_WITHDRAWN, RECALL_SIGNED, RECALL_THRESHOLD_MET
from communard.web.core.actors import record_name
from communard.web.members.models import Member
from communard.web.recalls import roll
from communard.web.recalls.actions.common import acting_member, now_or, ref
from communard.web.recalls.models import Petition, Signature, State, Withdrawal
from communard.web.records import services as record


def _read(petition: Petition, *, locked: bool = False) -> Petition:
    rows = Petition.objects.select_related("federation")
    return (rows.select_for_update(of=("self",)) if locked else rows).get(pk=petition.pk)


def _standing(petition: Petition, member: Member) -> tuple[rules.SignerFacts, Signature | None]:
    """The signer's facts: on the roll frozen at the filing (a lookup by key), and their
    signature and its withdrawal, if any."""
    signature = (Signature.objects.filter(petition=petition, member=member)
                 .annotate(withdrawn=Exists(Withdrawal.objects.filter(signature=OuterRef("pk"))))
                 .first())
    on_roll = roll.is_on_roll(petition.pk, member.pk)
    withdrawn = signature is not None and bool(signature.withdrawn)  # type: ignore[attr-defined]
    return rules.SignerFacts(on_roll, signature is not None, withdrawn), signature


def do_sign(petition: Petition, *, actor: Actor, now: dt.datetime | None = None) -> Petition:
    """One signature of a member of the petition's roll; the count is public, the signer a
    commitment. The signature that meets the threshold closes the collection and sets the
    recall vote's calendar (the poll itself is called by the polls app: docs/recall.md).

    Everyone signs the same petition at once, so nothing here waits for the petition's row
    until the last statements: the signer is checked against the roll frozen at filing, then
    one ``UPDATE … SET signatures = signatures + 1 … WHERE state = 'open' RETURNING`` counts
    it, taking the row's lock from there to the commit, the signature row's unique key
    (petition, member) is the one-signature guard (a second signature racing this one inserts
    nothing, and its refusal rolls its count back), and the record entry is queued last (so
    the entries' counts follow the record's order). Only the signature whose count reaches the threshold, while
    the petition is still open, meets it: exactly one, whatever signs at once.
    """
    now = now_or(now)
    with transaction.atomic():
        petition = _read(petition)
        member = acting_member(actor, petition.federation)
        standing, _ = _standing(petition, member)
        check(rules.may_sign(petition.state, petition.deadline, standing, now))
        # The petition's row first, then the signature's key: the order of the PostgreSQL
        # door's one statement (signing.py), so that the two paths never deadlock.
        counted = _count_one_more(petition)
        if counted is None:  # closed since it was read (the threshold met, or lapsed)
            petition = _read(petition)
            check(rules.may_sign(petition.state, petition.deadline, standing, now))
            raise AssertionError("a petition no longer open was refused above")
        if not _insert_signature(petition, member, now):
            # The same member, signing twice at once: the other came first (the refusal
            # rolls the count back with this transaction).
            check(rules.may_sign(petition.state, petition.deadline,
                                 rules.SignerFacts(True, True, False), now))
        petition.signatures = counted
        record.append(RECALL_SIGNED, {**ref(petition), "signer": record.personal(member.number),
                                      "signatures": counted}, actor=record_name(actor))
        if rules.is_threshold_met(petition.signatures, petition.threshold):
            petition.save(update_fields=_threshold_met(petition, now))
    return petition


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _insert_signature(petition: Petition, member: Member, now: dt.datetime) -> bool:
    """Whether the row went in: the unique key refuses a second one without an error, so no
    savepoint is needed around it (both databases know ``ON CONFLICT DO NOTHING``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_q(Signature._meta.db_table)} (petition_id, member_id, signed_at) "
            "VALUES (%s, %s, %s) ON CONFLICT (petition_id, member_id) DO NOTHING",
            [petition.pk, member.pk, connection.ops.adapt_datetimefield_value(now)])
        return cursor.rowcount == 1


def _count_one_more(petition: Petition) -> int | None:
    """The petition's count after this signature, or None if it no longer collects."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_q(Petition._meta.db_table)} SET signatures = signatures + 1 "
            "WHERE id = %s AND state = %s RETURNING signatures", [petition.pk, State.OPEN])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _threshold_met(petition: Petition, now: dt.datetime) -> list[str]:
    constitution = petition.federation.constitution.recall
    planned = rules.vote_calendar(constitution, now)
    assert isinstance(planned, tuple)  # the default opening is always within the rule
    petition.state = State.THRESHOLD_MET
    petition.threshold_met_at = now
    petition.vote_opens_at, petition.vote_closes_at = planned
    record.append(RECALL_THRESHOLD_MET, {
        **ref(petition), "signatures": petition.signatures,
        "vote_opens_at": planned[0].isoformat(), "vote_closes_at": planned[1].isoformat(),
    }, actor="clock")
    roll.notify_roll(petition, f"The petition to recall {petition.mandate} met its threshold: "
                     f"the recall vote opens {planned[0]:%Y-%m-%d %H:%M %Z}.", now)
    return ["state", "threshold_met_at", "vote_opens_at", "vote_closes_at"]


def do_withdraw_signature(petition: Petition, *, actor: Actor,
                          now: dt.datetime | None = None) -> Petition:
    """Take one's signature back, while the petition is open: a withdrawal row and entry of
    its own (the signature's row and entry stay, as history)."""
    now = now_or(now)
    with transaction.atomic():
        petition = _read(petition, locked=True)
        member = acting_member(actor, petition.federation)
        standing, signature = _standing(petition, member)
        check(rules.may_withdraw(petition.state, standing))
        assert signature is not None
        Withdrawal.objects.create(signature=signature, withdrawn_at=now)
        petition.signatures -= 1
        petition.save(update_fields=["signatures"])
        record.append(RECALL_SIGNATURE_WITHDRAWN, {
            **ref(petition), "signer": record.personal(member.number),
            "signatures": petition.signatures,
        }, actor=record_name(actor))
    return petition
