"""Why a poll action was refused; every message is shown to a person as it is.

``ActionRefused`` and the two refusals by phase are the web layer's one declaration of what a
refused action is and which status it answers with; ``elections/errors.py`` builds its refusals
from them (an election votes in its poll, so elections import polls, never the other way round).
"""

from __future__ import annotations


class ActionRefused(Exception):
    """An action refused; nothing was changed; the message is safe to show the person who
    asked. ``status``: the HTTP status a page or the API answers it with."""

    status = 400


class InWrongPhase(ActionRefused):
    """Asked at the wrong time in the calendar (too early, or after the close)."""

    status = 409


class ClosedOnce(ActionRefused):
    """Closed (counted) once; never closed again, whatever its row says."""

    status = 409


class PollError(ActionRefused):
    """A poll action refused; nothing was changed."""


class PollRefused(PollError):
    """A call for a poll that cannot be held as asked (the message names the field)."""


class PollNotFound(PollError):
    status = 404


class WrongPhase(PollError, InWrongPhase):
    pass


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


class AlreadyClosed(PollError, ClosedOnce):
    pass
