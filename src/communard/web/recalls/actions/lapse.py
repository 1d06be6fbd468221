"""The clock lapses a petition whose window passed before its threshold was met."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from communard.constitution import recall as rules
from communard.record.kinds import RECALL_PETITION_LAPSED
from communard.web.recalls.actions.common import now_or, ref
from communard.web.recalls.models import Petition, State
from communard.web.records import services as record


def do_lapse_petition(petition_id: int, *, now: dt.datetime | None = None) -> bool:
    """True if it lapsed now; False if it was not (or no longer) due: another clock lapsed it
    first, or its last signature met the threshold in time."""
    now = now_or(now)
    with transaction.atomic():
        petition = (Petition.objects.select_for_update().select_related("federation")
                    .get(pk=petition_id))
        if not rules.is_lapsed(petition.state, petition.deadline, now):
            return False
        petition.state, petition.ended_at = State.LAPSED, now
        petition.save(update_fields=["state", "ended_at"])
        record.append(RECALL_PETITION_LAPSED, {**ref(petition),
                                               "signatures": petition.signatures}, actor="clock")
    return True
