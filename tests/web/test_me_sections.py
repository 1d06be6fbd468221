"""The member's page takes other apps' parts from the registry in web/core/me_sections.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from communard.web.core import me_sections
from communard.web.core.me_sections import MeSection, register_me_section
from tests.web.meetings_helpers import meetings_federation

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> Iterator[None]:
    """The registry as the apps left it, restored after the test."""
    saved = dict(me_sections._SECTIONS)
    yield
    me_sections._SECTIONS.clear()
    me_sections._SECTIONS.update(saved)


def test_installed_apps_register_their_sections_in_order() -> None:
    """Meetings' and recalls' parts are registered by their apps, meetings first."""
    names = [s.name for s in me_sections.me_sections()]
    assert names.index("meetings") < names.index("recalls")


def my_page(number: str) -> str:
    client = Client()
    assert client.login(username=f"m{number}", password="commune1871")
    return client.get("/me/").content.decode()


def test_my_page_shows_exactly_the_registered_sections(tmp_path: Path, registry: None) -> None:
    """With meetings' and recalls' sections registered both show; with the registry emptied
    neither does (the members app knows them only through it), and one registered again under
    a new name shows, rendered with its context for the member signed in."""
    meetings_federation(tmp_path)
    page = my_page("3")
    assert "Motions I can support" in page and "Recall petitions I may sign" in page
    me_sections._SECTIONS.clear()
    page = my_page("3")
    assert "Motions I can support" not in page and "Recall petitions I may sign" not in page
    register_me_section(MeSection("again", "recalls/my_petitions.html",
                                  lambda m: {"petitions": [], "notifications": []}))
    assert "Recall petitions I may sign" in my_page("3")
