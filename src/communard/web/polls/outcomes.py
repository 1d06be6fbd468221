"""What a closed poll does, by its purpose: the purpose's app registers a handler.

    from communard.web.polls.outcomes import on_close

    @on_close("recall")
    def recall_decided(poll: Poll, result: Result) -> None:
        petition = RecallPetition.objects.get(pk=poll.subject.removeprefix("recall-petition:"))
        if result.passed:
            ...  # vacate the seat, refill it

The handler runs inside the close's transaction (``do_close_poll``), after the result is stored
and recorded: what it changes and records commits with the count, or nothing does. Register it
when the app is ready (``AppConfig.ready``). A purpose with no handler only records its result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from communard.web.polls.models import Poll, Result

Handler = Callable[["Poll", "Result"], None]

_handlers: dict[str, Handler] = {}


def on_close(purpose: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as what a closed poll of ``purpose`` does. One handler
    per purpose: a second, different one is a programming error, refused at start-up."""

    def register(handler: Handler) -> Handler:
        known = _handlers.get(purpose)
        if known is not None and known is not handler:
            raise ValueError(f"polls of purpose {purpose!r} already have a handler: {known!r}")
        _handlers[purpose] = handler
        return handler

    return register


def handler_for(purpose: str) -> Handler | None:
    return _handlers.get(purpose)


def run(poll: Poll, result: Result) -> None:
    """Call the purpose's handler, if it has one (inside the caller's transaction)."""
    handler = _handlers.get(poll.purpose)
    if handler is not None:
        handler(poll, result)
