"""Sign-in throttling with django-axes: whose failures count together, and what a locked-out
person is told. The choices are explained in ``docs/security.md``.

Axes counts failed sign-ins per (username, client address) pair. ``ThrottleBackend`` is the
first authentication backend; the two functions are ``AXES_CLIENT_IP_CALLABLE`` and
``AXES_LOCKOUT_CALLABLE``.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

# An IPv6 client usually holds a whole /64 (one home or one phone); counting each of its 2^64
# addresses apart would give one attacker unlimited guesses.
IPV6_CLIENT_PREFIX = 64


class ThrottleBackend(AxesStandaloneBackend):
    """Axes' check, for every sign-in made over the web (each one passes its request:
    the login page, the admin's login). A sign-in with no request has no client to count
    against: it is code running inside the server (a management command, a test's
    ``Client.login``), which Axes would otherwise refuse outright."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None


def client_address(request: HttpRequest) -> str:
    """The address whose failures count together: the peer's, or behind a TLS proxy
    (``COMMUNARD_TLS=proxy``) the last X-Forwarded-For entry, the one our proxy appended.
    Earlier entries are whatever the client chose to send and are never trusted."""
    raw = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "COMMUNARD_TLS", "off") == "proxy":
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        raw = forwarded or raw
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:45]  # not an address (a test client, a broken proxy): still one bucket
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # an IPv4 client seen through a dual-stack socket
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(address)


def locked_out_until(username: str | None, address: str | None) -> datetime | None:
    """When the lockout of ``username`` from ``address`` ends: the cool-off after the last
    failure that counted (failures while locked out are refused before any password is
    checked and are not counted, so this time does not move)."""
    last = AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(
        last=Max("attempt_time")
    )["last"]
    cool_off = get_cool_off()
    if last is None or cool_off is None:
        return None
    until: datetime = last + cool_off
    return until


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The page a locked-out sign-in gets: 429, why, and the time to try again."""
    username = get_client_username(request, credentials)
    until = locked_out_until(username, getattr(request, "axes_ip_address", None))
    response = render(
        request,
        "registration/locked_out.html",
        {"username": username, "until": until, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    if until is not None:
        seconds = max(0, int((until - timezone.now()).total_seconds()))
        response["Retry-After"] = str(seconds)
    return response
