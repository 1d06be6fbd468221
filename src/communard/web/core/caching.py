"""``Cache-Control`` for pages made for one signed-in member.

A page that shows who is signed in (their name in the header, their roll status, their
delegates) must not be kept by a shared cache and shown to the next person behind the same
proxy; pages for visitors who are not signed in stay cacheable. Ballot pages (the form, the
review of a ballot, the receipt with its tracking code, and a looked-up ballot) are not stored
at all, not even in the member's own browser cache, where the next user of a shared computer
could find them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# URL names of the pages that show a ballot (communard/web/urls.py).
BALLOT_PAGES = frozenset({"vote", "track"})


class PrivateWhenSignedInMiddleware:
    """``Cache-Control: private`` on every response to a signed-in member; ``no-store`` as
    well on ballot pages. Sits after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _signed_in(request):
            patch_cache_control(response, private=True)
            match = request.resolver_match
            if match is not None and match.url_name in BALLOT_PAGES:
                patch_cache_control(response, no_store=True)
        return response


def _signed_in(request: HttpRequest) -> bool:
    """Whether the response may be for one signed-in member, without a query of its own: a
    session cookie, or a login this request already loaded. (Loading the login here would ask
    the database again after the view, even when the database is down: the fault's 503 must
    pass through unharmed.)"""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    user = getattr(request, "_cached_user", None)
    return bool(user is not None and user.is_authenticated)
