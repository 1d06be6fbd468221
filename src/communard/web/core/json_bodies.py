"""The API takes JSON bodies only: a form body to ``/api/`` is a 415 before anything reads it.

Django's CSRF check looks for ``csrfmiddlewaretoken`` in a POST's form data, which for a
``multipart/form-data`` body consumes the request's stream; the JSON parser (django-ninja's,
or a fast door's) then cannot read the body and Django raises ``RawPostDataException``, a 500
(issue 13). No operation of the API takes a form, so this middleware, ahead of the fast doors
and of the CSRF check, answers any form body to the API with what is wrong, and nothing runs.
It only reads the request's headers, so the hot POSTs it lets through cost nothing more.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

API = "/api/"
#: What Django parses into ``request.POST`` (``HttpRequest._load_post_and_files``).
FORMS = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
WITH_BODIES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class JsonBodiesOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (request.content_type in FORMS and request.method in WITH_BODIES
                and request.path_info.startswith(API)):
            return JsonResponse(
                {"detail": f"this endpoint takes application/json (or no body), not a form's "
                           f"{request.content_type}: send the CSRF token in the X-CSRFToken "
                           "header"},
                status=415)
        return self.get_response(request)
