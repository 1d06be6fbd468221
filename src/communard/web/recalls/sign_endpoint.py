"""``POST /api/recalls/petitions/{id}/signature`` on PostgreSQL, answered ahead of most of the
middleware stack, as ``elections/cast_endpoint.py`` answers a ballot and for the same reason:
the whole constituency signs at once. Django's own code does each security step (CSRF, the
session, the login); the signature is ``signing.do_sign_as_user`` after one read
(``signing.read_for_session``). On SQLite, and for every other request, the ninja operation
(``api.sign``) answers, with the ORM action; the API tests run on both databases, so through
both doors, and the answers are the same (statuses, ``detail`` and ``rule``, the petition).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

from communard.constitution.permissions import NotAllowed
from communard.web.core.database_faults import DATABASE_FAULTS, unavailable
from communard.web.core.sessions import preloaded_login, preloaded_session
from communard.web.recalls.api import refused
from communard.web.recalls.signing import do_sign_as_user, read_for_session

# An id as the schema allows it (see cast_endpoint.BALLOTS): anything else goes to ninja.
SIGNATURE = re.compile(r"/api/recalls/petitions/([1-9][0-9]{0,17})/signature")

Handler = Callable[[HttpRequest], HttpResponse]


class SignEndpointMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        self.sessions = import_string(f"{settings.SESSION_ENGINE}.SessionStore")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = SIGNATURE.fullmatch(request.path_info)
        if found is None or request.method != "POST" or connection.vendor != "postgresql":
            return self.get_response(request)
        try:
            response = self.sign(request, int(found[1]))
        except DATABASE_FAULTS as fault:
            response = unavailable(request, fault)
        response.headers["Content-Length"] = str(len(response.content))
        return response

    def sign(self, request: HttpRequest, petition_id: int) -> HttpResponse:
        self.csrf.process_request(request)
        if self.csrf.process_view(request, _sign_view, (), {}) is not None:
            return _answer(403, {"detail": "CSRF check failed: send the csrftoken cookie's "
                                 "value in the X-CSRFToken header", "rule": ""})
        request.session = self.sessions(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        key = request.session.session_key
        read = None if key is None else read_for_session(petition_id, key)
        with (preloaded_session(key or "", None if read is None else read.session_data),
              preloaded_login(None if read is None else read.user)):
            user = get_user(request)
        if not user.is_authenticated:
            return _answer(401, {"detail": "Unauthorized"})
        if read is None or read.petition is None:
            return _answer(404, {"detail": "no such petition", "rule": ""})
        try:
            petition = do_sign_as_user(read, user)
        except NotAllowed as e:
            status = refused(e.refusal)
            return _answer(status.status_code, status.value)
        return _answer(200, petition)


def _sign_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    """What ``CsrfViewMiddleware.process_view`` is shown: a view that is not CSRF-exempt."""
    raise NotImplementedError


def _answer(status: int, body: object) -> JsonResponse:
    return JsonResponse(body, status=status, safe=False)
