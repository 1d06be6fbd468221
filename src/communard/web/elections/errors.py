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


class NominationRefused(ElectionError):
    status = 400
