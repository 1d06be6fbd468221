"""Joining a platform is a recorded action with clear refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from communard.constitution.permissions import MemberActor, NotAllowed
from communard.web.members.actions import do_lapse_member
from communard.web.members.models import Member
from communard.web.platforms.actions import PlatformError, do_join_platform
from communard.web.platforms.models import Platform
from tests.web.factories import TEST_OPERATOR, member_login, recorded, small_federation

pytestmark = pytest.mark.django_db


def test_join_platform_is_recorded_without_naming_the_member(tmp_path: Path) -> None:
    """The member joins; the record shows the platform and a commitment, not the name."""
    fed = small_federation(tmp_path, {"w1": 2, "w2": 1, "w3": 1})
    platform = Platform.objects.create(federation=fed, slug="reds", name="Reds")
    member = Member.objects.get(number="1")
    member_login(member, "one", "a long enough password")
    do_join_platform(platform, member, actor=MemberActor("one"))
    assert platform.members.filter(pk=member.pk).exists()
    entry = recorded().get(kind="platform.joined")
    assert entry.body["platform"] == "reds" and entry.body["member"].startswith("commit:")
    assert member.name not in entry.data


def test_join_platform_refusals_change_nothing(tmp_path: Path) -> None:
    """Joining twice, or as a lapsed member, is refused and records nothing."""
    fed = small_federation(tmp_path, {"w1": 2, "w2": 1, "w3": 1})
    platform = Platform.objects.create(federation=fed, slug="reds", name="Reds")
    one, two = Member.objects.get(number="1"), Member.objects.get(number="2")
    member_login(one, "one", "a long enough password")
    member_login(two, "two", "a long enough password")
    do_join_platform(platform, one, actor=MemberActor("one"))
    do_lapse_member(two, on=dt.datetime.now(dt.UTC).date(), actor=TEST_OPERATOR)
    before = recorded().count()
    with pytest.raises(PlatformError, match="already belongs to Reds"):
        do_join_platform(platform, one, actor=MemberActor("one"))
    with pytest.raises(PlatformError, match="a lapsed member cannot join"):
        do_join_platform(platform, Member.objects.get(number="2"), actor=MemberActor("two"))
    assert recorded().count() == before and platform.members.count() == 1


@pytest.mark.parametrize("who", ["operator", "another member"])
def test_nobody_enrols_a_member_in_a_platform(tmp_path: Path, who: str) -> None:
    """Only the member themself joins: an operator or another member is refused by the rule
    ``members-join-platforms``, and nothing changes."""
    fed = small_federation(tmp_path, {"w1": 2, "w2": 1, "w3": 1})
    platform = Platform.objects.create(federation=fed, slug="reds", name="Reds")
    one, two = Member.objects.get(number="1"), Member.objects.get(number="2")
    member_login(one, "one", "a long enough password")
    member_login(two, "two", "a long enough password")
    before = recorded().count()
    actor = TEST_OPERATOR if who == "operator" else MemberActor("two")
    with pytest.raises(NotAllowed) as refused:
        do_join_platform(platform, one, actor=actor)
    assert refused.value.refusal.rule == "members-join-platforms"
    assert recorded().count() == before and platform.members.count() == 0
