"""A public site's basics: sign-in throttling, Content-Security-Policy, the TLS switch, and
``Cache-Control`` on members' pages, through the real views on a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from communard.web.demo import DEMO_PASSWORD, load_demo
from communard.web.settings.security import HSTS_SECONDS, tls_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    load_demo()


# -- the TLS switch ------------------------------------------------------------------------


def test_tls_setting_makes_cookies_secure_and_sends_hsts(demo: None) -> None:
    """With COMMUNARD_TLS=proxy: an https request via the proxy gets HSTS, and signing in sets
    Secure session and CSRF cookies; a plain http request is sent to https."""
    with override_settings(**tls_settings("proxy")):
        client = Client()
        https = {"HTTP_X_FORWARDED_PROTO": "https"}
        page = client.get("/login/", **https)
        assert page["Strict-Transport-Security"] == f"max-age={HSTS_SECONDS}"
        assert page.cookies["csrftoken"]["secure"] is True
        response = client.post(
            "/login/", {"username": "member", "password": DEMO_PASSWORD}, **https
        )
        assert response.status_code == 302
        assert response.cookies["sessionid"]["secure"] is True
        assert response.cookies["sessionid"]["httponly"] is True
        plain = Client().get("/login/")
        assert plain.status_code == 301 and plain["Location"].startswith("https://")


def test_tls_variable_reaches_the_settings(tmp_path: Path) -> None:
    """COMMUNARD_TLS in the environment is what the settings module applies."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER]))"
    )

    def settings_with(tls: str) -> list[object]:
        env = {
            **os.environ,
            "COMMUNARD_DATA_DIR": str(tmp_path),
            "COMMUNARD_TLS": tls,
            "DJANGO_SETTINGS_MODULE": "communard.web.settings",
        }
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout
        loaded: list[object] = json.loads(out)
        return loaded

    assert settings_with("proxy") == [True, True, HSTS_SECONDS, ["HTTP_X_FORWARDED_PROTO", "https"]]
    refused = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "COMMUNARD_DATA_DIR": str(tmp_path),
            "COMMUNARD_TLS": "yes",
            "DJANGO_SETTINGS_MODULE": "communard.web.settings",
        },
    )
    assert refused.returncode != 0
    assert "COMMUNARD_TLS='yes': expected one of off, on, proxy" in refused.stderr
