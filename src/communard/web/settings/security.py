"""The settings that follow from ``COMMUNARD_TLS``: one switch for a deployment behind TLS.

Kept as a function of the switch so that tests can apply exactly what a deployment gets
(``override_settings(**tls_settings("proxy"))``) without reloading the settings module.
"""

from __future__ import annotations

from typing import Any

# A year: the usual value, and long enough that a browser that once reached the site over
# HTTPS never again sends a password or a session cookie over plain HTTP to it. Sub-domains are
# left out: they may belong to other services of the organisation that this site cannot vouch
# for; ``preload`` is the operator's own decision to make with the browsers' list.
HSTS_SECONDS = 365 * 24 * 60 * 60


def tls_settings(mode: str) -> dict[str, Any]:
    """Django settings for ``COMMUNARD_TLS`` = ``mode`` ("off", "on" or "proxy")."""
    if mode not in {"off", "on", "proxy"}:
        raise ValueError(f"COMMUNARD_TLS mode {mode!r} is not one of off, on, proxy")
    tls = mode != "off"
    return {
        "COMMUNARD_TLS": mode,
        # Cookies that a browser sends only over HTTPS: a session or CSRF cookie never crosses
        # the network in clear, even if a page is once fetched over http://.
        "SESSION_COOKIE_SECURE": tls,
        "CSRF_COOKIE_SECURE": tls,
        "SECURE_HSTS_SECONDS": HSTS_SECONDS if tls else 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        # A request that still arrives over plain HTTP is sent to its https:// address.
        "SECURE_SSL_REDIRECT": tls,
        # Only behind a proxy is the header trusted, and the proxy must set it (overwriting
        # what a client sent): otherwise anyone could claim a secure connection.
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if mode == "proxy" else None,
    }
