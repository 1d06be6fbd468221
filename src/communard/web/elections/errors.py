"""Refusals. Each names the condition; none reveals whether anyone else has voted."""

from typing import Any


class ElectionError(Exception):
    """An election action was refused; the message is safe to show the person who asked."""

    status = 400


class ElectionNotFound(ElectionError):
    status = 404


class NotAllowed(ElectionError):
    status = 403


class WrongPhase(ElectionError):
    status = 409


class NotOnRoll(ElectionError):
    status = 403


class AlreadyVoted(ElectionError):
    status = 409


class InvalidBallot(ElectionError):
    status = 400


class CandidateNotStanding(InvalidBallot):
    """A well-formed ranking names a number no candidate of this election stands under.

    409, not 400: the API's schema can say what a ranking is (distinct candidate numbers from 1)
    but not who stands, which is the election's current state; the body is valid and conflicts
    with that state, as a cast before the poll opens does."""

    status = 409


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
