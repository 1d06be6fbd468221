"""What the recall rules need to know, read from the database: who is on a petition's roll
(the constituency as the record stood at the filing), and the facts about a mandate."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db.models import Max

from communard.constitution import recall as rules
from communard.constitution.membership import Change
from communard.web.councils.models import Council, Delegate, OfficeHolder
from communard.web.elections.roll import subtree_ids
from communard.web.members.models import Member, MembershipEvent
from communard.web.recalls.models import Petition, State
from communard.web.records import services as record

Mandate = Delegate | OfficeHolder

_EVENT = ("member_id", "kind", "council_id", "on", "recorded_at", "id")


def electorate(mandate: Mandate) -> Council:
    """The body whose members petition and vote: a delegate's constituency; for an office, the
    council that elected its holder."""
    return mandate.constituency if isinstance(mandate, Delegate) else mandate.council


def _local(at: dt.datetime, council: Council) -> dt.datetime:
    # The day a change claims is a day in the federation's time zone (membership.py).
    return at.astimezone(zoneinfo.ZoneInfo(council.federation.time_zone))


def roll_at(constituency: Council, at: dt.datetime) -> set[int]:
    """Member ids on the constituency's roll by the changes recorded before ``at``."""
    councils = subtree_ids(constituency)
    touched = MembershipEvent.objects.filter(council_id__in=councils, recorded_at__lt=at)
    events = MembershipEvent.objects.filter(
        member_id__in=touched.values("member_id"), recorded_at__lt=at
    ).values_list(*_EVENT)
    return rules.signers_roll((Change(*e) for e in events), councils, _local(at, constituency))


def is_on_roll(member: Member, constituency: Council, at: dt.datetime,
               councils: set[int] | None = None) -> bool:
    """Whether one member is on that roll: a replay of their own history only."""
    councils = councils if councils is not None else subtree_ids(constituency)
    events = MembershipEvent.objects.filter(member=member, recorded_at__lt=at).values_list(*_EVENT)
    return member.pk in rules.signers_roll(
        (Change(*e) for e in events), councils, _local(at, constituency)
    )


def _of(mandate: Mandate) -> dict[str, Any]:
    return {"delegate": mandate} if isinstance(mandate, Delegate) else {"office_holder": mandate}


def mandate_facts(mandate: Mandate) -> rules.MandateFacts:
    petitions = Petition.objects.filter(**_of(mandate))
    last_kept = petitions.filter(state=State.KEPT).aggregate(at=Max("ended_at"))["at"]
    return rules.MandateFacts(
        is_current=mandate.ended_at is None,
        began_at=mandate.began_at,
        constituency_is_base=isinstance(mandate, Delegate) and mandate.constituency.level == 0,
        last_failed_recall_at=last_kept,
        has_open_petition=petitions.filter(state__in=rules.LIVE).exists(),
    )


def mandate_ref(mandate: Mandate) -> dict[str, Any]:
    """The mandate as the record names it (its holder by a fresh commitment)."""
    delegate = isinstance(mandate, Delegate)
    return {
        "kind": "delegate" if delegate else "office",
        "council": mandate.council.key,
        "constituency": electorate(mandate).key,
        "office": "" if delegate else mandate.office,  # type: ignore[union-attr]
        "member": record.personal(mandate.member.number),
    }


def live_petition(mandate: Mandate) -> Petition | None:
    return (Petition.objects.select_for_update()
            .filter(**_of(mandate), state__in=rules.LIVE).first())
