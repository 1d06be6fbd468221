"""Membership actions change state and record it, atomically; seats move only at a census."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from communard.constitution.permissions import ClockActor, MemberActor, NotAllowed
from communard.web.councils.actions import do_take_census
from communard.web.councils.models import Council
from communard.web.members.actions import (
    MembershipError,
    do_admit_member,
    do_expel_member,
    do_lapse_member,
    do_transfer_member,
)
from communard.web.members.models import Member, MembershipEvent, Status
from communard.web.records.models import Entry, QueuedEntry
from tests.web.factories import TEST_OPERATOR, member_login, recorded, small_federation

pytestmark = pytest.mark.django_db

DAY = dt.datetime.now(dt.UTC).date()  # membership changes are dated within the backdating window


def seats() -> dict[str, int]:
    return dict(Council.objects.values_list("key", "seats_in_parent"))


def test_admit_member_records_and_moves_no_seat_until_a_census(tmp_path: Path) -> None:
    """A workshop's tenth member earns it a second seat in the district, at the next census
    (a roll's), not on admission: membership changes never re-apportion the pyramid."""
    fed = small_federation(tmp_path, {"w1": 9, "w2": 3, "w3": 4})
    assert seats()["w1"] == 1
    entries = recorded().count()
    do_admit_member(
        fed,
        number="x1",
        name="New",
        council=Council.objects.get(key="w1"),
        admitted_on=DAY,
        actor=TEST_OPERATOR,
    )
    assert seats()["w1"] == 1
    assert Council.objects.get(key="d1").members_count == 13
    kinds = list(recorded().order_by("index").values_list("kind", flat=True)[entries:])
    assert kinds == ["member.admitted.v2"]
    do_take_census(fed, cutoff=DAY, reason="roll", actor=ClockActor())
    assert seats()["w1"] == 2
    census = recorded().order_by("index").last()
    assert census is not None and census.kind == "seats.apportioned.v2"
    assert census.body["members"]["w1"] == 10 and census.body["census_day"] == DAY.isoformat()


@pytest.mark.parametrize("reason", ["roll", "founding"])
def test_a_census_at_will_is_refused(tmp_path: Path, reason: str) -> None:
    """A census moves seats, so nobody takes one on a day they choose: an operator may not take
    a roll's, the clock not a founding one (rule ``census-by-calendar``); nothing changes."""
    fed = small_federation(tmp_path, {"w1": 9, "w2": 3, "w3": 4})
    before = (seats(), recorded().count())
    actor = TEST_OPERATOR if reason == "roll" else ClockActor()
    with pytest.raises(NotAllowed) as refused:
        do_take_census(fed, cutoff=DAY, reason=reason, actor=actor)
    assert refused.value.refusal.rule == "census-by-calendar"
    assert (seats(), recorded().count()) == before


def test_membership_changes_are_recorded_by_operators_only(tmp_path: Path) -> None:
    """A member admits nobody and expels nobody; they may resign; the clock changes nothing."""
    fed = small_federation(tmp_path, {"w1": 3, "w2": 1, "w3": 1})
    one = Member.objects.get(number="1")
    member_login(one, "one", "a long enough password")
    before = recorded().count()
    w1 = Council.objects.get(key="w1")
    with pytest.raises(NotAllowed, match="recorded by an operator"):
        do_admit_member(fed, number="x", name="X", council=w1, admitted_on=DAY,
                        actor=MemberActor("one"))
    with pytest.raises(NotAllowed, match="recorded by an operator"):
        do_expel_member(Member.objects.get(number="2"), on=DAY, actor=MemberActor("one"))
    with pytest.raises(NotAllowed, match="recorded by an operator"):
        do_lapse_member(Member.objects.get(number="2"), on=DAY, actor=MemberActor("one"))
    with pytest.raises(NotAllowed, match="never changes anyone's membership"):
        do_transfer_member(one, to=Council.objects.get(key="w2"), on=DAY, actor=ClockActor())
    assert recorded().count() == before
    do_lapse_member(one, on=DAY, actor=MemberActor("one"))  # resigning
    assert Member.objects.get(number="1").status == Status.LAPSED


def test_admit_member_to_higher_council_is_refused(tmp_path: Path) -> None:
    """Members belong to base councils only; the refusal changes nothing."""
    fed = small_federation(tmp_path, {"w1": 2, "w2": 2, "w3": 2})
    before = (Member.objects.count(), recorded().count())
    with pytest.raises(MembershipError, match="district council; members belong to a base council"):
        do_admit_member(
            fed,
            number="x",
            name="X",
            council=Council.objects.get(key="d1"),
            admitted_on=DAY,
            actor=TEST_OPERATOR,
        )
    with pytest.raises(MembershipError, match="already taken"):
        do_admit_member(
            fed,
            number="1",
            name="X",
            council=Council.objects.get(key="w1"),
            admitted_on=DAY,
            actor=TEST_OPERATOR,
        )
    assert (Member.objects.count(), recorded().count()) == before


def test_transfer_moves_member_and_seats_at_the_census(tmp_path: Path) -> None:
    """A transfer across districts moves the member's weight in both districts' apportionment,
    from the next census on."""
    fed = small_federation(tmp_path, {"w1": 10, "w2": 1, "w3": 9})
    assert (seats()["w1"], seats()["w3"]) == (2, 1)
    member = Member.objects.get(number="1")
    do_transfer_member(member, to=Council.objects.get(key="w3"), on=DAY, actor=TEST_OPERATOR)
    assert (seats()["w1"], seats()["w3"]) == (2, 1)
    do_take_census(fed, cutoff=DAY, reason="roll", actor=ClockActor())
    assert (seats()["w1"], seats()["w3"]) == (1, 2)
    member.refresh_from_db()
    assert [e.kind for e in member.events.all()] == ["admitted", "transferred"]


def test_lapse_and_expel_end_membership_once(tmp_path: Path) -> None:
    """Ended members no longer count; ending twice is refused."""
    small_federation(tmp_path, {"w1": 10, "w2": 1, "w3": 1})
    do_lapse_member(Member.objects.get(number="1"), on=DAY, actor=TEST_OPERATOR)
    do_expel_member(Member.objects.get(number="2"), on=DAY, actor=TEST_OPERATOR, note="hearing 4")
    assert Council.objects.get(key="w1").members_count == 8
    assert seats()["w1"] == 2  # until the next census
    with pytest.raises(MembershipError, match="already lapsed"):
        do_lapse_member(Member.objects.get(number="1"), on=DAY, actor=TEST_OPERATOR)
    assert Member.objects.get(number="2").status == Status.EXPELLED


def test_congress_seats_follow_district_membership(tmp_path: Path) -> None:
    """The congress's fixed seats are shared by Sainte-Laguë over the districts' membership."""
    small_federation(tmp_path, {"w1": 30, "w2": 20, "w3": 10})
    s = seats()
    assert s["d1"] + s["d2"] == 7
    assert (s["d1"], s["d2"]) == (6, 1)  # 50 : 10 under Sainte-Laguë, at least one each


def test_stored_counts_match_a_full_recount_after_many_actions(tmp_path: Path) -> None:
    """Actions adjust the stored counts by what they moved; a full recount agrees exactly."""
    from communard.web.councils.pyramid import refresh_counts

    fed = small_federation(tmp_path, {"w1": 9, "w2": 4, "w3": 6})
    founded = seats()
    w = {k: Council.objects.get(key=k) for k in ("w1", "w2", "w3")}
    for i in range(7):
        do_admit_member(fed, number=f"n{i}", name=f"N{i}", council=w[("w1", "w2", "w3")[i % 3]],
                        admitted_on=DAY, actor=TEST_OPERATOR)
    do_transfer_member(Member.objects.get(number="1"), to=w["w3"], on=DAY, actor=TEST_OPERATOR)
    do_transfer_member(Member.objects.get(number="n1"), to=w["w1"], on=DAY, actor=TEST_OPERATOR)
    do_lapse_member(Member.objects.get(number="2"), on=DAY, actor=TEST_OPERATOR)
    do_expel_member(Member.objects.get(number="n2"), on=DAY, actor=TEST_OPERATOR)
    incremental = dict(Council.objects.values_list("key", "members_count"))
    refresh_counts(fed)  # a full recount
    assert dict(Council.objects.values_list("key", "members_count")) == incremental
    assert seats() == founded  # changes of membership move no seat: only a census does
    assert incremental["congress"] == Member.objects.filter(status=Status.ACTIVE).count() == 24


def test_a_change_dated_beyond_the_window_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    """The constitution's window (7 days by default): an admission "60 days ago" is refused
    with the reason; within the window it is recorded, and marked as backdated."""
    fed = small_federation(tmp_path, {"w1": 3, "w2": 1, "w3": 1})
    w1 = Council.objects.get(key="w1")
    entries = Entry.objects.count() + QueuedEntry.objects.count()
    with pytest.raises(MembershipError, match="more than 7 day"):
        do_admit_member(fed, number="old", name="Old", council=w1,
                        admitted_on=DAY - dt.timedelta(days=60), actor=TEST_OPERATOR)
    with pytest.raises(MembershipError, match="more than 7 day"):
        do_expel_member(Member.objects.get(number="1"), on=DAY - dt.timedelta(days=8),
                        actor=TEST_OPERATOR)
    assert not Member.objects.filter(number="old").exists()
    assert Member.objects.get(number="1").is_active
    assert Entry.objects.count() + QueuedEntry.objects.count() == entries
    do_admit_member(fed, number="new", name="New", council=w1,
                    admitted_on=DAY - dt.timedelta(days=7), actor=TEST_OPERATOR)
    event = MembershipEvent.objects.get(member__number="new")
    assert event.is_backdated
    assert recorded().get(kind="member.admitted.v2").parsed()["body"]["backdated"] is True


def test_freezing_a_delegates_roll_takes_the_census_of_its_cut_off(tmp_path: Path) -> None:
    """Seats are fixed with the roll: opening a delegates election's poll records a census of
    the roll's cut-off, and members admitted after that cut-off are not counted, however many
    (a mass intake on the eve of a vote moves no seat)."""
    from tests.web.elections_helpers import open_election

    fed = small_federation(tmp_path, {"w1": 9, "w2": 3, "w3": 4})
    w1 = Council.objects.get(key="w1")
    for n in range(12):
        do_admit_member(fed, number=f"x{n}", name=f"X{n}", council=w1, admitted_on=DAY,
                        actor=TEST_OPERATOR)
    election = open_election(fed, "w2", ["10", "11"])
    census = recorded().filter(kind="seats.apportioned.v2").order_by("index").last()
    assert census is not None and census.body["reason"] == "roll"
    assert census.body["census_day"] == election.roll_cutoff.isoformat()
    assert census.body["members"]["w1"] == 9 and seats()["w1"] == 1


def test_a_yearly_census_counts_the_members_of_its_date(tmp_path: Path) -> None:
    """With a yearly census date (here: yesterday's month and day) a roll's census counts the
    members recorded by that date's last occurrence before its cut-off: admissions since then
    move no seat, however many."""
    from communard.web.councils.models import Federation
    from communard.web.members.importing import do_import
    from tests.web.factories import TWO_TIER

    yesterday = DAY - dt.timedelta(days=1)
    toml = TWO_TIER.format(slug="yearly").replace(
        "[eligibility]", f'[seats]\ncensus = ["{yesterday:%m-%d}"]\n[eligibility]')
    (tmp_path / "f.toml").write_text(toml, encoding="utf-8")
    rows = [f"{n},M{n},w1,2024-01-01" for n in range(1, 10)] + ["10,M10,w2,2024-01-01",
                                                                 "11,M11,w3,2024-01-01"]
    (tmp_path / "m.csv").write_text("number,name,council,admitted_on\n" + "\n".join(rows) + "\n",
                                    encoding="utf-8")
    do_import(tmp_path / "f.toml", tmp_path / "m.csv", actor=TEST_OPERATOR)
    fed = Federation.objects.get(slug="yearly")
    w1 = Council.objects.get(key="w1")
    for n in range(6):
        do_admit_member(fed, number=f"x{n}", name=f"X{n}", council=w1, admitted_on=DAY,
                        actor=TEST_OPERATOR)
    do_take_census(fed, cutoff=DAY, reason="roll", actor=ClockActor())
    census = recorded().filter(kind="seats.apportioned.v2").order_by("index").last()
    assert census is not None
    assert census.body["census_day"] == yesterday.isoformat()
    assert census.body["members"]["w1"] == 9 and seats()["w1"] == 1
