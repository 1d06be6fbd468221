"""The recall vote's result: the mandate ends and the seat is refilled, or the delegate is kept
and the cool-off starts. Called by the recall poll's close (``@on_close("recall")`` in the polls
app, at merge) or a base assembly's recorded vote, always as the clock."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from communard.constitution import recall as rules
from communard.constitution.permissions import Actor, NotAllowed, Refusal, check
from communard.record.kinds import OFFICE_VACATED, RECALL_DECIDED
from communard.web.core.actors import record_name
from communard.web.councils.models import Delegate, OfficeHolder
from communard.web.elections.models import Election, Kind
from communard.web.elections.vacancies import vacate_seat
from communard.web.members.models import Member
from communard.web.recalls import facts
from communard.web.recalls.actions.common import now_or
from communard.web.recalls.models import Petition, State
from communard.web.recalls.replacement import seat_replacement
from communard.web.records import services as record


def do_recall(mandate: Delegate | OfficeHolder, *, source: str, actor: Actor,
              now: dt.datetime | None = None, successor: Member | None = None,
              successor_source: str = "") -> Delegate | OfficeHolder | Election:
    """End the mandate at once and fill the seat as the constitution says (``[recall]
    replacement``, by default the elections' vacancy rule): a countback on the ballots that
    elected the recalled member, who cannot win it, or a by-election. Returns the new mandate
    or the by-election called. ``source`` names the vote that decided ("poll:12").

    With a replacement question, ``successor`` is its winner (``successor_source`` its poll):
    they take the seat; with no winner the seat is filled by the elections' vacancy rule."""
    check(rules.may_decide_recall(actor))
    now = now_or(now)
    with transaction.atomic():
        mandate = (type(mandate).objects.select_for_update()
                   .select_related("council__federation", "member").get(pk=mandate.pk))
        if mandate.ended_at is not None:
            raise NotAllowed(Refusal("no-seat", "that mandate has already ended"))
        federation = mandate.council.federation
        constitution = federation.constitution
        replacement = rules.replacement_rule(constitution.recall, constitution.elections.vacancy)
        petition = facts.live_petition(mandate)
        if petition is not None:
            _end(petition, State.RECALLED, source, now)
        record.append(RECALL_DECIDED, {
            "federation": federation.slug, "petition": petition.pk if petition else None,
            "mandate": facts.mandate_ref(mandate), "outcome": rules.RECALLED,
            "source": source, "replacement": replacement,
        }, actor=record_name(actor))
        if replacement == "replacement-question":
            if successor is not None and petition is not None:
                seated = seat_replacement(mandate, petition, successor, actor=actor, now=now,
                                          source=successor_source or source)
                if seated is not None:
                    return seated
            # Nobody stood, nobody was elected, or the winner sits already: the vacancy rule
            # (for an office, an election of the office).
            replacement = constitution.elections.vacancy
        rule = "countback" if replacement == "countback" else "by-election"
        if isinstance(mandate, Delegate):
            return vacate_seat(mandate, reason=f"recalled ({source})",
                               actor=actor, now=now, rule=rule)
        return _vacate_office(mandate, source, actor, now)


def _vacate_office(holder: OfficeHolder, source: str, actor: Actor,
                   now: dt.datetime) -> Election:
    from communard.web.elections.actions import do_call_election

    OfficeHolder.objects.filter(pk=holder.pk).update(ended_at=now)
    record.append(OFFICE_VACATED, {
        "federation": holder.council.federation.slug, "council": holder.council.key,
        "office": holder.office, "member": record.personal(holder.member.number),
        "reason": f"recalled ({source})"[:200],
    }, actor=record_name(actor))
    return do_call_election(holder.council, kind=Kind.OFFICE, office=holder.office,
                            actor=actor, now=now)


def do_keep(petition: Petition, *, source: str, actor: Actor,
            now: dt.datetime | None = None) -> Petition:
    """The recall vote failed: the delegate keeps the seat, and the constitution's cool-off
    against another petition runs from now."""
    check(rules.may_decide_recall(actor))
    now = now_or(now)
    with transaction.atomic():
        petition = (Petition.objects.select_for_update(of=("self",))
                    .select_related("federation", "delegate__council", "delegate__member",
                                    "office_holder__council", "office_holder__member",
                                    "constituency").get(pk=petition.pk))
        if petition.state not in (State.THRESHOLD_MET, State.VOTE_CALLED):
            raise NotAllowed(Refusal("no-vote", f"the petition is {petition.state}: no recall "
                                                "vote of it can be decided"))
        _end(petition, State.KEPT, source, now)
        mandate = petition.mandate
        assert isinstance(mandate, (Delegate, OfficeHolder))
        record.append(RECALL_DECIDED, {
            "federation": petition.federation.slug, "petition": petition.pk,
            "mandate": facts.mandate_ref(mandate), "outcome": rules.KEPT,
            "source": source, "replacement": "",
        }, actor=record_name(actor))
    return petition


def do_keep_mandate(mandate: Delegate, *, source: str, actor: Actor) -> None:
    """A recall vote without a petition (a base assembly's, at its meeting) failed: the
    delegate keeps the seat, recorded (``petition`` null); the cool-off runs from the vote's
    close (``meetings/actions/recall.py`` reads it from the poll's result)."""
    check(rules.may_decide_recall(actor))
    record.append(RECALL_DECIDED, {
        "federation": mandate.council.federation.slug, "petition": None,
        "mandate": facts.mandate_ref(mandate), "outcome": rules.KEPT,
        "source": source, "replacement": "",
    }, actor=record_name(actor))


def _end(petition: Petition, state: str, source: str, now: dt.datetime) -> None:
    petition.state, petition.ended_at, petition.decided_by = state, now, source[:100]
    petition.save(update_fields=["state", "ended_at", "decided_by"])
