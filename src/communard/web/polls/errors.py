"""Why a poll action was refused; every message is shown to a person as it is."""

from __future__ import annotations


class PollError(Exception):
    """A poll action refused; nothing was changed. ``status``: the HTTP status a page or the
    API answers it with."""

    status = 400


class PollRefused(PollError):
    """A call for a poll that cannot be held as asked (the message names the field)."""


class PollNotFound(PollError):
    status = 404


class WrongPhase(PollError):
    status = 409


class NotOnRoll(PollError):
    status = 403


class AlreadyVoted(PollError):
    status = 409


class InvalidChoices(PollError):
    """A ballot that is not one of the question's (the message names the choice)."""


class ChoicesNotOffered(InvalidChoices):
    """Well-formed choices that this poll does not offer: an option it does not have, or more
    choices than its question takes. 409: the request is sound; the poll's terms refuse it."""

    status = 409


class AlreadyClosed(PollError):
    status = 409
