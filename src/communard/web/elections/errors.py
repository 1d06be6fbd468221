"""Refusals. Each names the condition; none reveals whether anyone else has voted.

What a refusal is, and the statuses of the refusals by phase, are the polls' (``polls/errors.py``);
an election's refusals are their own classes (``ElectionError``) so that catching one app's
refusals never catches the other's. Refusals of a ballot are the polls': an election votes in its
poll. (A permission refused is the constitution's ``NotAllowed``.)
"""

from typing import Any

from communard.web.polls.errors import ActionRefused, ClosedOnce, InWrongPhase


class ElectionError(ActionRefused):
    """An election action was refused; nothing was changed."""


class WrongPhase(ElectionError, InWrongPhase):
    pass


class NominationRefused(ElectionError):
    pass


class CalendarRefused(ElectionError):
    """The requested calendar breaks the constitution (too short a period, times out of order)."""


class SeatsAlreadyBeingElected(ElectionError):
    """Another election, not yet closed, already fills these seats (``election``)."""

    status = 409

    def __init__(self, message: str, election: Any) -> None:
        super().__init__(message)
        self.election = election


class AlreadyClosed(ElectionError, ClosedOnce):
    """The election was counted once; it is never counted again, whatever its row says."""


class RollAlreadyFrozen(ElectionError):
    """The roll was frozen once; it is never frozen again, whatever the election's row says."""

    status = 409
