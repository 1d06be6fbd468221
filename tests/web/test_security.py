"""A public site's basics: sign-in throttling, Content-Security-Policy, the TLS switch, and
``Cache-Control`` on members' pages, through the real views on a real database."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from communard.web.core import clock
from communard.web.councils.models import Council
from communard.web.demo import DEMO_PASSWORD, load_demo
from communard.web.elections.models import Election
from communard.web.settings.security import HSTS_SECONDS, tls_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    """The demo federation, with its running election opened as the server's clock opens it."""
    load_demo()
    clock.run_due()


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


# -- sign-in throttling --------------------------------------------------------------------


COOL_OFF = settings.AXES_COOLOFF_TIME
LIMIT = settings.AXES_FAILURE_LIMIT


def sign_in(
    client: Client,
    username: str,
    password: str,
    *,
    address: str = "203.0.113.7",
    path: str = "/login/",
) -> Any:
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def wind_clock_past_cool_off() -> None:
    """Age every recorded failure by the cool-off and a minute, as if that time had passed."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - COOL_OFF - dt.timedelta(minutes=1)
        )


def test_fifty_wrong_passwords_lock_out_the_right_one_until_the_cool_off(
    client: Client, demo: None
) -> None:
    """50 wrong passwords for `member`, then the right one is refused with a page saying when
    to try again; after the cool-off the right password signs in."""
    for _ in range(50):
        sign_in(client, "member", "wrong-password")
    response = sign_in(client, "member", DEMO_PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many wrong passwords" in html and "You can try again after" in html
    assert int(response["Retry-After"]) > 0
    assert not is_signed_in(client)
    # Only the first LIMIT failures were counted: refused attempts do not move the time.
    assert AccessAttempt.objects.get(username="member").failures_since_start == LIMIT

    wind_clock_past_cool_off()
    response = sign_in(client, "member", DEMO_PASSWORD)
    assert response.status_code == 302 and response.url == "/me/"
    assert is_signed_in(client)
    assert not AccessAttempt.objects.exists()  # a right password clears the count


def test_lockout_is_per_username_and_address(demo: None) -> None:
    """Failures from one address lock that name there only: the member signs in from another
    address, and another member from the same one."""
    attacker = Client()
    for _ in range(LIMIT):
        sign_in(attacker, "member", "wrong-password", address="198.51.100.66")
    assert sign_in(attacker, "member", DEMO_PASSWORD, address="198.51.100.66").status_code == 429

    member = Client()
    sign_in(member, "member", DEMO_PASSWORD, address="192.0.2.10")
    assert is_signed_in(member)
    colleague = Client()
    sign_in(colleague, "delegate", DEMO_PASSWORD, address="198.51.100.66")
    assert is_signed_in(colleague)


def test_right_password_resets_the_count(client: Client, demo: None) -> None:
    """A member who mistypes now and then is never locked out: success starts the count anew."""
    for _ in range(2):  # 18 failures in all, more than the limit
        for _ in range(LIMIT - 1):
            sign_in(client, "member", "wrong-password")
        sign_in(client, "member", DEMO_PASSWORD)
        assert is_signed_in(client)
        client.post("/logout/")


def test_admin_login_is_throttled_too(client: Client, demo: None) -> None:
    """The admin's own sign-in form counts and refuses the same way."""
    for _ in range(LIMIT):
        sign_in(client, "operator", "wrong-password", path="/admin/login/")
    response = sign_in(client, "operator", DEMO_PASSWORD, path="/admin/login/")
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_operator_can_lift_a_lockout_with_the_reset_command(client: Client, demo: None) -> None:
    """``communard manage axes_reset_username NAME`` ends a lockout before its time."""
    for _ in range(LIMIT):
        sign_in(client, "member", "wrong-password")
    assert sign_in(client, "member", DEMO_PASSWORD).status_code == 429
    call_command("axes_reset_username", "member")
    sign_in(client, "member", DEMO_PASSWORD)
    assert is_signed_in(client)


@pytest.mark.parametrize(
    "meta, expected",
    [
        ({"REMOTE_ADDR": "192.0.2.1"}, "192.0.2.1"),
        ({"REMOTE_ADDR": "2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2::/64"),
        ({"REMOTE_ADDR": "::ffff:192.0.2.9"}, "192.0.2.9"),
        # Without the proxy setting a client's X-Forwarded-For is ignored.
        ({"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "10.9.9.9"}, "192.0.2.1"),
    ],
)
def test_failures_count_per_client_address(meta: dict[str, str], expected: str) -> None:
    """The address failures are counted against; an IPv6 client is its /64."""
    from django.test import RequestFactory

    from communard.web.core.throttle import client_address

    assert client_address(RequestFactory().get("/", **meta)) == expected


def test_behind_the_proxy_the_address_is_the_one_it_appended() -> None:
    """Behind a TLS proxy the last X-Forwarded-For entry counts, not what the client wrote."""
    from django.test import RequestFactory

    from communard.web.core.throttle import client_address

    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.44"
    )
    with override_settings(COMMUNARD_TLS="proxy"):
        assert client_address(request) == "192.0.2.44"


# -- Content-Security-Policy and the other headers on every page ---------------------------


STRICT_POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


@pytest.mark.parametrize("path", ["/", "/login/", "/record/"])
def test_pages_send_a_strict_policy_and_safe_defaults(client: Client, path: str) -> None:
    """Every page: a CSP without 'unsafe-inline', no framing, no sniffing, same-origin referrer;
    without the TLS setting no HSTS (plain HTTP development must keep working)."""
    response = client.get(path)
    assert response.status_code == 200
    assert set(response["Content-Security-Policy"].split("; ")) == STRICT_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response


# Records every CSP violation a page reports, whatever the console says. Playwright's init
# scripts run outside the page's policy, so this listener is not itself refused.
CATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
  e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_member_browses_and_votes_without_a_policy_violation(
    browser: Any, live_server: Any
) -> None:
    """The demo member signs in, walks the pyramid, votes, tracks the ballot, reads the record;
    the operator opens the admin: no page reports a Content-Security-Policy violation."""
    load_demo()
    clock.run_due()  # the server's clock opens the running election's poll
    election = Election.objects.get(closed_at__isnull=True)
    seen: list[str] = []
    context = browser.new_context()
    context.add_init_script(CATCH_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on(
        "console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None
    )

    def visit(path: str) -> None:
        page.goto(live_server.url + path)
        check()

    def check() -> None:
        seen.extend(f"{page.url}: {v}" for v in page.evaluate("window.__violations"))

    visit("/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")
    check()
    federation = election.federation.slug
    council = Council.objects.filter(parent__isnull=False).first()
    assert council is not None
    for path in (
        "/",
        f"/f/{federation}/",
        f"/f/{federation}/c/{council.key}/",
        f"/f/{federation}/elections/",
        f"/e/{election.pk}/",
        "/record/",
        "/api/docs",
    ):
        visit(path)
    visit(f"/e/{election.pk}/vote/")
    page.get_by_role("spinbutton").first.fill("1")
    page.get_by_role("button", name="Review my ballot").click()
    page.wait_for_selector("#ranked")
    check()
    page.get_by_role("button", name="Cast my ballot").click()
    code = page.locator("#tracking-code").inner_text()
    check()
    Election.objects.filter(pk=election.pk).update(
        poll_closes_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    visit(f"/e/{election.pk}/")
    visit(f"/e/{election.pk}/track/")  # the code is posted, never put in the URL
    page.get_by_label("Tracking code").fill(code)
    with page.expect_navigation():  # the lookup's answer page (the box is not counted yet)
        page.get_by_role("button", name="Find").click()
    check()
    page.get_by_role("button", name=re.compile("Log out")).click()
    check()

    visit("/login/")
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")
    for path in ("/admin/", "/admin/members/member/", "/admin/axes/accessattempt/"):
        visit(path)
    context.close()
    assert seen == [], "\n".join(seen)


# -- Cache-Control -------------------------------------------------------------------------


def test_public_pages_stay_cacheable(client: Client, demo: None) -> None:
    """A visitor who is not signed in gets no private or no-store."""
    response = client.get("/")
    assert "private" not in response.get("Cache-Control", "")
    assert "no-store" not in response.get("Cache-Control", "")


def test_members_pages_are_private_and_ballots_not_stored(client: Client, demo: None) -> None:
    """Signed in: every page is private; the ballot form is also no-store."""
    client.login(username="member", password=DEMO_PASSWORD)
    for path in ("/", "/me/"):
        cache = client.get(path)["Cache-Control"]
        assert "private" in cache and "no-store" not in cache, path
    election = Election.objects.get(closed_at__isnull=True)
    response = client.get(f"/e/{election.pk}/vote/")
    assert response.status_code == 200
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
