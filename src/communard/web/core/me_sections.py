"""The sections of a member's page (``/me/``) that other apps contribute.

The members app owns the page; meetings, recalls and whatever comes next each add their part by
registering a section here in their ``AppConfig.ready()``. So the members app never imports
them (an import-linter contract in ``pyproject.toml`` forbids it), and an app that is not
installed simply shows nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class MeSection:
    """One part of ``/me/``: a template, rendered with ``context(member)``; sections are shown
    by ``order``, then by name."""

    name: str
    template: str
    context: Callable[[Any], Mapping[str, Any]]
    order: int = 100


_SECTIONS: dict[str, MeSection] = {}


def register_me_section(section: MeSection) -> None:
    """Add ``section`` to every member's page. Registering a name again replaces it (Django may
    run ``ready()`` more than once, e.g. in tests)."""
    _SECTIONS[section.name] = section


def me_sections() -> list[MeSection]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))


def render_me_sections(member: Any, request: HttpRequest) -> list[SafeString]:
    """Each registered section rendered for ``member`` (templates autoescape what they show)."""
    return [mark_safe(render_to_string(s.template, dict(s.context(member)), request))
            for s in me_sections()]
