"""Joining a platform is a recorded action with clear refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from communard.web.members.actions import do_lapse_member
from communard.web.members.models import Member
from communard.web.platforms.actions import PlatformError, do_join_platform
from communard.web.platforms.models import Platform
from tests.web.factories import recorded, small_federation

pytestmark = pytest.mark.django_db


def test_join_platform_is_recorded_without_naming_the_member(tmp_path: Path) -> None:
    """The member joins; the record shows the platform and a commitment, not the name."""
    fed = small_federation(tmp_path, {"w1": 2, "w2": 1, "w3": 1})
    platform = Platform.objects.create(federation=fed, slug="reds", name="Reds")
    member = Member.objects.get(number="1")
    do_join_platform(platform, member, actor="operator:t")
    assert platform.members.filter(pk=member.pk).exists()
    entry = recorded().get(kind="platform.joined")
    assert entry.body["platform"] == "reds" and entry.body["member"].startswith("commit:")
    assert member.name not in entry.data


def test_join_platform_refusals_change_nothing(tmp_path: Path) -> None:
    """Joining twice, or as a lapsed member, is refused and records nothing."""
    fed = small_federation(tmp_path, {"w1": 2, "w2": 1, "w3": 1})
    platform = Platform.objects.create(federation=fed, slug="reds", name="Reds")
    one, two = Member.objects.get(number="1"), Member.objects.get(number="2")
    do_join_platform(platform, one, actor="operator:t")
    do_lapse_member(two, on=dt.datetime.now(dt.UTC).date(), actor="operator:t")
    before = recorded().count()
    with pytest.raises(PlatformError, match="already belongs to Reds"):
        do_join_platform(platform, one, actor="operator:t")
    with pytest.raises(PlatformError, match="a lapsed member cannot join"):
        do_join_platform(platform, Member.objects.get(number="2"), actor="operator:t")
    assert recorded().count() == before and platform.members.count() == 1
