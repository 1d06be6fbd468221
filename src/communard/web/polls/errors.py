"""Why a poll action was refused; every message is shown to a person as it is."""

from __future__ import annotations


class PollError(Exception):
    """A poll action refused; nothing was changed."""


class PollRefused(PollError):
    """A call for a poll that cannot be held as asked (the message names the field)."""


class PollNotFound(PollError):
    pass


class WrongPhase(PollError):
    pass


class NotOnRoll(PollError):
    pass


class AlreadyVoted(PollError):
    pass


class InvalidChoices(PollError):
    """A ballot that is not one of the question's (the message names the choice)."""


class AlreadyClosed(PollError):
    pass
