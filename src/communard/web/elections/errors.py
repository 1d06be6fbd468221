"""Refusals. Each names the condition; none reveals whether anyone else has voted."""


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
