"""``POST /api/recalls/petitions/{id}/signature`` on PostgreSQL, answered ahead of most of the
middleware stack (``core/fast_doors.py``), as ``polls/casting_door.py`` answers a vote and for
the same reason: the whole constituency signs at once. Django's own code does each security
step (CSRF, the session, the login); the signature is ``signing.do_sign_as_user`` after one
read (``signing.read_for_session``). On SQLite, and for every other request, the ninja
operation (``api.sign``) answers, with the ORM action; the API tests run on both databases, so
through both doors, and the answers are the same (statuses, ``detail`` and ``rule``, the
petition).
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse

from communard.constitution.permissions import NotAllowed
from communard.web.core.fast_doors import ID, FastDoor
from communard.web.recalls.api import refused
from communard.web.recalls.signing import do_sign_as_user, read_for_session

SIGNATURE = re.compile(rf"/api/recalls/petitions/{ID}/signature")


class SignEndpointMiddleware(FastDoor):
    paths = (SIGNATURE,)

    def answer(self, request: HttpRequest, which: int, petition_id: int) -> HttpResponse:
        if not self.csrf_passes(request):
            return _answer(403, {"detail": "CSRF check failed: send the csrftoken cookie's "
                                 "value in the X-CSRFToken header", "rule": ""})
        key = self.session_key(request)
        read = None if key is None else read_for_session(petition_id, key)
        user = self.login(request, key, None if read is None else read.session_data,
                          None if read is None else read.user)
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


def _answer(status: int, body: object) -> JsonResponse:
    return JsonResponse(body, status=status, safe=False)
