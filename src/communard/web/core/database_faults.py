"""While the database cannot be reached, say so: a 503 with ``Retry-After``, never a 500.

A restart or fail-over of PostgreSQL (or a locked SQLite file) makes every request that touches
the database raise ``OperationalError`` (cannot connect, connection lost, locked) or
``InterfaceError`` (the connection is already closed). Those are faults of the service, not of
the request, which may simply be sent again in a moment: each action runs in one transaction, so
it happened whole or not at all (only a connection lost during the commit itself leaves the
client unsure; a second cast then says "already voted"). So the APIs answer JSON 503 with
``Retry-After`` (when to send it again) and the pages a proper "try again shortly" page. Other
database errors stay 500s: they are our bugs.

Three doors lead here: :class:`DatabaseFaultMiddleware` for the views, :func:`ninja_fault` for
the ninja API (which handles its own views' exceptions), and the cast endpoint's middleware,
which answers ahead of both and calls :func:`unavailable` itself. Django closes a connection
that raised such an error at the end of the request, so the next request connects afresh and
works as soon as the database is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

DATABASE_FAULTS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
MESSAGE = "the database cannot be reached just now; try again shortly"

logger = logging.getLogger("communard.web.database")

# The record's API names its error "error"; the ninja API, like ninja itself, "detail".
_JSON_PREFIXES = (("/api/", "detail"), ("/record/api/", "error"))


def unavailable(request: HttpRequest, fault: BaseException) -> HttpResponse:
    """The 503 for ``request`` while the database is unreachable: JSON for the APIs, else the
    page. Rendered without the request's context: its user and messages need the database."""
    logger.warning("database unavailable for %s %s: %s", request.method, request.path, fault)
    path = request.path_info
    key = next((k for prefix, k in _JSON_PREFIXES if path.startswith(prefix)), None)
    response: HttpResponse
    if key is not None:
        response = JsonResponse({key: MESSAGE}, status=503)
    else:
        html = render_to_string("communard/unavailable.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


class DatabaseFaultMiddleware:
    """Turns a view's database fault into :func:`unavailable`'s 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_FAULTS):
            return unavailable(request, exception)
        return None


def ninja_fault(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The ninja API's handler for :data:`DATABASE_FAULTS` (its own default would be a 500)."""
    return unavailable(request, exception)
