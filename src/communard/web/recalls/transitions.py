"""The recalls' duty on the clock (``web/core/clock.py``): petitions whose window has passed
without meeting their threshold lapse. Registered when the app is ready."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from communard.constitution.permissions import NotAllowed
from communard.web.core import clock
from communard.web.recalls.models import Petition, State


def _lapses_due(now: dt.datetime) -> Iterable[int]:
    return (
        Petition.objects.filter(state=State.OPEN, deadline__lte=now)
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)
    )


def _lapse(petition_id: int, now: dt.datetime) -> bool:
    from communard.web.recalls.actions.lapse import do_lapse_petition

    return do_lapse_petition(petition_id, now=now)


LAPSE_PETITIONS = clock.Duty(
    done="petition(s) lapsed",
    find_due=_lapses_due,
    run=_lapse,
    subject=lambda pk: f"petition {pk}",
    refusals=(NotAllowed,),
)


def register() -> None:
    from communard.web.recalls.vote import CALL_RECALL_VOTES  # (also registers the poll's handler)

    clock.register(LAPSE_PETITIONS)
    clock.register(CALL_RECALL_VOTES)
