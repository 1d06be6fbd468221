"""The pyramid pages, rendered by the real views from a real database."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from communard.web.councils.models import Council, Delegate
from communard.web.demo import DEMO_PASSWORD, DEMO_SLUG, load_demo
from communard.web.members.models import Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    load_demo()


def test_home_lists_federations(client: Client, demo: None) -> None:
    """The home page links to every federation."""
    html = client.get("/").content.decode()
    assert f'href="/f/{DEMO_SLUG}/"' in html


def test_federation_page_shows_tree_seats_and_picture(client: Client, demo: None) -> None:
    """Every council appears with its members and seats, and the SVG picture links to them."""
    html = client.get(f"/f/{DEMO_SLUG}/").content.decode()
    for c in Council.objects.all():
        assert f"/f/{DEMO_SLUG}/c/{c.key}/" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    bakery = Council.objects.get(key="harbour-bakery")
    assert f"{bakery.members_count} members, {bakery.seats_in_parent} seats above" in html


def test_council_page_shows_constituencies_and_delegates(client: Client, demo: None) -> None:
    """A district's page lists its workplaces' seats and the delegates filling them."""
    east = Council.objects.get(key="east")
    html = client.get(f"/f/{DEMO_SLUG}/c/east/").content.decode()
    for d in Delegate.objects.filter(council=east):
        assert d.member.name in html
    assert re.search(
        r"Total</th><td class=\"num\">\d+</td><td class=\"num\">"
        + str(sum(c.seats_in_parent for c in east.children.all())),
        html,
    )


def test_member_list_is_for_members_only(client: Client, demo: None) -> None:
    """Anonymous visitors see a base council's numbers but not its members' names."""
    someone = Member.objects.filter(council__key="harbour-bakery", mandates__isnull=True).last()
    assert someone is not None
    url = f"/f/{DEMO_SLUG}/c/harbour-bakery/"
    assert someone.name not in client.get(url).content.decode()
    client.login(username="member", password=DEMO_PASSWORD)
    assert someone.name in client.get(url).content.decode()


def test_my_page_shows_my_delegates_at_every_tier(client: Client, demo: None) -> None:
    """The demo member sees their assembly and the delegates sent to district and congress."""
    assert client.get("/me/").status_code == 302  # login first
    client.login(username="member", password=DEMO_PASSWORD)
    html = client.get("/me/").content.decode()
    me = Member.objects.get(user__username="member")
    assert me.council.name in html
    for constituency in (me.council, me.council.parent):
        for d in Delegate.objects.filter(constituency=constituency):
            assert d.member.name in html
    assert "Congress" in html and "East district council" in html


def test_login_page_and_wrong_password(client: Client, demo: None) -> None:
    """A wrong password gets the form back with an error, not a login."""
    response = client.post("/login/", {"username": "member", "password": "wrong"})
    assert response.status_code == 200
    assert "password didn" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_federation_and_council_are_404(client: Client, demo: None) -> None:
    """Mistyped addresses get a 404, not an error."""
    assert client.get("/f/nope/").status_code == 404
    assert client.get(f"/f/{DEMO_SLUG}/c/nope/").status_code == 404


def test_admin_is_read_only_for_recorded_state(client: Client, demo: None) -> None:
    """Operators can look at members in the admin but not add, change or delete them."""
    client.login(username="operator", password=DEMO_PASSWORD)
    member = Member.objects.first()
    assert member is not None
    assert client.get("/admin/members/member/").status_code == 200
    assert client.get("/admin/members/member/add/").status_code == 403
    response = client.post(f"/admin/members/member/{member.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Member.objects.filter(pk=member.pk).exists()


def test_password_is_hashed_with_argon2(demo: None) -> None:
    """Passwords are stored as Argon2 hashes."""
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="member").password.startswith("argon2$")


def test_demo_loads_once(demo: None) -> None:
    """Loading the demo again is a no-op."""
    assert load_demo() is False
