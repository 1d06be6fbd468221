"""The shared part of the fast doors: middleware that answers one hot POST on PostgreSQL ahead
of most of the middleware stack (``recalls/sign_endpoint.py``: a signature;
``polls/casting_door.py``: a vote), because a whole constituency makes that request at once and
the stack around a view cost more CPU than the view (bench/cast_bench.py, bench/recall_bench.py).

Each security step is still Django's own code: ``CsrfViewMiddleware``'s checks (cookie, header,
origin) as ninja runs them, and ``django.contrib.auth.get_user`` over the session store and
login backend every page uses (``core/sessions.py``), fed the session's data and its user's row
from the door's own one read (``preloaded_session``, ``preloaded_login``), so expiry, logout,
password changes and inactive accounts count exactly as everywhere else. A database that cannot
be reached gets the JSON 503 of ``core/database_faults.py``. Every other request, and every
request on SQLite, goes down the stack to the ordinary view.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

from communard.web.core.database_faults import DATABASE_FAULTS, unavailable
from communard.web.core.sessions import preloaded_login, preloaded_session

Handler = Callable[[HttpRequest], HttpResponse]

#: An id as the API's schema allows it, written plainly: ASCII digits ("\d" would take "²",
#: which int() refuses), no leading zero, at most 18 digits, so always from 1 to below 2**63 (a
#: bigint on both databases). Anything else (0, 0012, 19 digits and more) goes to the ninja
#: operation, whose schema bounds the id: both doors answer every id alike.
ID = r"([1-9][0-9]{0,17})"


class FastDoor:
    """Middleware answering the POSTs whose path fits one of ``paths`` (each with one ``ID``
    group) on PostgreSQL with :meth:`answer`; the rest goes on down the stack."""

    paths: tuple[re.Pattern[str], ...] = ()

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        self.sessions = import_string(f"{settings.SESSION_ENGINE}.SessionStore")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or connection.vendor != "postgresql":
            return self.get_response(request)
        matches = (path.fullmatch(request.path_info) for path in self.paths)
        which, found = next(((i, m) for i, m in enumerate(matches) if m is not None),
                            (-1, None))
        if found is None:
            return self.get_response(request)
        try:
            response = self.answer(request, which, int(found[1]))
        except DATABASE_FAULTS as fault:
            # Ahead of DatabaseFaultMiddleware, so the door answers its 503 itself; a try
            # block costs nothing on the path that does not raise.
            response = unavailable(request, fault)
        # What CommonMiddleware, skipped here, would add: a length, so no chunked encoding.
        response.headers["Content-Length"] = str(len(response.content))
        return response

    def answer(self, request: HttpRequest, which: int, id_: int) -> HttpResponse:
        raise NotImplementedError

    def csrf_passes(self, request: HttpRequest) -> bool:
        """``CsrfViewMiddleware``'s own checks, as for a view that is not CSRF-exempt."""
        self.csrf.process_request(request)
        return self.csrf.process_view(request, _door_view, (), {}) is None

    def session_key(self, request: HttpRequest) -> str | None:
        """The request's session (not read yet), and its key: None unless the cookie holds a
        well-formed one."""
        request.session = self.sessions(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        key: str | None = request.session.session_key
        return key

    def login(self, request: HttpRequest, key: str | None, session_data: str | None,
              user: AbstractBaseUser | None) -> AbstractBaseUser | AnonymousUser:
        """Django's ``get_user`` over the session, given the session's data and its login's
        row as the door's one read found them (None: no such unexpired session, or user)."""
        with preloaded_session(key or "", session_data), preloaded_login(user):
            return get_user(request)


def _door_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    """What ``CsrfViewMiddleware.process_view`` is shown: a view that is not CSRF-exempt."""
    raise NotImplementedError
