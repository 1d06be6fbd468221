"""Refusals. Each names the condition; none reveals whether anyone else has voted."""

from typing import Any


class ElectionError(Exception):
    """An election action was refused; the message is safe to show the person who asked."""

    status = 400


class NotAllowed(ElectionError):
    status = 403


class WrongPhase(ElectionError):
    status = 409


# Refusals of a ballot are the polls' (``polls/errors.py``): an election votes in its poll.


class NominationRefused(ElectionError):
    status = 400


class CalendarRefused(ElectionError):
    """The requested calendar breaks the constitution (too short a period, times out of order)."""

    status = 400


class SeatsAlreadyBeingElected(ElectionError):
    """Another election, not yet closed, already fills these seats (``election``)."""

    status = 409

    def __init__(self, message: str, election: Any) -> None:
        super().__init__(message)
        self.election = election


class AlreadyClosed(ElectionError):
    """The election was counted once; it is never counted again, whatever its row says."""

    status = 409


class RollAlreadyFrozen(ElectionError):
    """The roll was frozen once; it is never frozen again, whatever the election's row says."""

    status = 409
