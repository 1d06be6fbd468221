"""``POST /api/elections/{id}/ballots``, answered ahead of most of the middleware stack.

Casting is the one request a whole constituency makes within the same few hours, so it is the
one whose cost per request sets what a server can take (bench/cast_bench.py). Through the full
stack of middleware and django-ninja, a ballot spent about 1 ms of its 4 ms of server CPU before
and around the view: sessions, locale, messages, CSRF and authentication middleware, the
router, pydantic. This middleware sits right after ``SecurityMiddleware`` and answers just this
one path, doing only what the endpoint needs, with Django's own code for each security step:

* CSRF: ``CsrfViewMiddleware``'s own checks (cookie, header, origin), as ninja runs them;
* login: ``django.contrib.auth.get_user`` over the request's session (the same session store
  and login backend as every page: ``core/sessions.py``), so expiry, logout, password changes
  and inactive accounts count exactly as everywhere else. The session's data and its user's
  row come from the same query that reads the election and the voter's roll entry
  (``casting.read_for_session``), so a cast takes two statements: that read and the cast;
* the ballot: ``casting.do_cast_ballot_as_user``, the same action the ninja operation calls;
* a database that cannot be reached: the JSON 503 with ``Retry-After`` of
  ``core/database_faults.py``, as the ninja operation answers it.

The ninja operation (``api.cast_ballot``) stays: it documents the endpoint in the OpenAPI schema
and answers it if this middleware is left out of ``MIDDLEWARE``. The API tests run every case
through both doors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

from communard.web.core.database_faults import DATABASE_FAULTS, unavailable
from communard.web.core.sessions import preloaded_login, preloaded_session
from communard.web.elections.casting import do_cast_ballot_as_user, read_for_session
from communard.web.elections.errors import ElectionError

# An id as the schema allows it, written plainly: ASCII digits ("\d" would take "²", which int()
# refuses), no leading zero, at most 18 digits, so always from 1 to below 2**63 (a bigint on both
# databases). Anything else (0, 0012, 19 digits and more) goes to the ninja operation, whose
# schema bounds the id: both doors answer every id alike.
BALLOTS = re.compile(r"/api/elections/([1-9][0-9]{0,17})/ballots")

Handler = Callable[[HttpRequest], HttpResponse]


class CastEndpointMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        self.sessions = import_string(f"{settings.SESSION_ENGINE}.SessionStore")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = BALLOTS.fullmatch(request.path_info)
        if found is None or request.method != "POST":
            return self.get_response(request)
        try:
            response = self.cast(request, int(found[1]))
        except DATABASE_FAULTS as fault:
            # Ahead of DatabaseFaultMiddleware, so this door answers its 503 itself; a try
            # block costs nothing on the path that does not raise.
            response = unavailable(request, fault)
        # What CommonMiddleware, skipped here, would add: a length, so no chunked encoding.
        response.headers["Content-Length"] = str(len(response.content))
        return response

    def cast(self, request: HttpRequest, election_id: int) -> HttpResponse:
        self.csrf.process_request(request)
        if self.csrf.process_view(request, _cast_view, (), {}) is not None:
            return _refusal(403, "CSRF check failed: send the csrftoken cookie's value in "
                            "the X-CSRFToken header")
        request.session = self.sessions(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        key = request.session.session_key  # None unless the cookie holds a well-formed key
        # One query reads the session, its login's user row and what the cast needs of the
        # election; Django then decodes the session and checks the login against that row.
        read = None if key is None else read_for_session(election_id, key)
        with (preloaded_session(key or "", None if read is None else read.session_data),
              preloaded_login(None if read is None else read.user)):
            user = get_user(request)
        if not user.is_authenticated:
            return _refusal(401, "Unauthorized")
        ranking = _ranking(request.body)
        if isinstance(ranking, HttpResponse):
            return ranking
        try:
            code = do_cast_ballot_as_user(election_id, user.pk, ranking, read=read)
        except ElectionError as refusal:
            return _refusal(refusal.status, str(refusal))
        return JsonResponse({"tracking_code": code}, status=201)


def _cast_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    """What ``CsrfViewMiddleware.process_view`` is shown: a view that is not CSRF-exempt."""
    raise NotImplementedError


def _ranking(body: bytes) -> Any:
    """The body's ``ranking`` list, or the refusal (the statuses ninja gives the same body)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _refusal(400, "the request body is not JSON")
    if not isinstance(data, dict) or not isinstance(data.get("ranking"), list):
        return _refusal(422, 'the body is a JSON object {"ranking": [candidate numbers, '
                        "first preference first]}")
    return data["ranking"]


def _refusal(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)
