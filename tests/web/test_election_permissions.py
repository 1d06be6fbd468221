"""Who may act on an election (``constitution.permissions``): each refusal names its rule and
changes nothing, neither the rows nor the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.constitution.permissions import ClockActor, MemberActor, NotAllowed
from communard.web.councils.models import Council, Delegate
from communard.web.elections.actions import (
    do_accept_nomination,
    do_call_election,
    do_close_election,
    do_nominate,
    do_open_poll,
)
from communard.web.elections.models import Candidate, Election, Result
from communard.web.elections.vacancies import do_vacate_seat
from communard.web.members.models import Member
from tests.web.elections_helpers import DAY, NOW, PAST, open_election
from tests.web.factories import TEST_OPERATOR, acting_member, recorded, small_federation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fed(tmp_path: Path):  # type: ignore[no-untyped-def]
    # w1: members 1-12, w2: 13-15, w3: 16-20
    return small_federation(tmp_path, {"w1": 12, "w2": 3, "w3": 5})


def _state() -> tuple[int, int, int, int]:
    """What a refused action must leave as it was: elections, candidates, results, entries."""
    return (Election.objects.count(), Candidate.objects.count(), Result.objects.count(),
            recorded().count())


def nominating(fed) -> Election:  # type: ignore[no-untyped-def]
    """w1's election with member 1 standing, its nominations open at NOW."""
    election = do_call_election(Council.objects.get(key="w1"), nominations_open_at=NOW - DAY,
                                poll_opens_at=NOW + 6 * DAY, actor=TEST_OPERATOR,
                                now=NOW - 2 * DAY)
    one = _member("1")
    do_nominate(election, one, nominated_by=one, actor=acting_member(one), now=NOW)
    return election


def _member(number: str) -> Member:
    return Member.objects.get(number=number)


def test_member_calling_an_election_is_refused(fed) -> None:  # type: ignore[no-untyped-def]
    """A member does not call an election: an operator or the calendar does."""
    before = _state()
    with pytest.raises(NotAllowed) as refused:
        do_call_election(Council.objects.get(key="w1"), actor=acting_member(_member("1")), now=NOW)
    assert refused.value.refusal.rule == "elections-called-by-operator-or-calendar"
    entries = before[3] + 1  # the member's login that acting_member gave, and nothing else
    assert _state() == (*before[:3], entries)


def test_clock_calls_an_election(fed) -> None:  # type: ignore[no-untyped-def]
    """The calendar calls one (a by-election), recorded as the clock."""
    do_call_election(Council.objects.get(key="w1"), actor=ClockActor(), now=NOW)
    assert recorded().filter(kind="election.called", actor="clock").count() == 1


def test_nominating_outside_ones_constituency_is_refused(fed) -> None:  # type: ignore[no-untyped-def]
    """A member of w3 nominates nobody in w1's election, not even a member of w1."""
    election = nominating(fed)
    outsider = acting_member(_member("16"))
    before = _state()
    with pytest.raises(NotAllowed) as refused:
        do_nominate(election, _member("2"), nominated_by=_member("16"), actor=outsider, now=NOW)
    assert refused.value.refusal.rule == "nominator-in-constituency"
    assert _state() == before


def test_nominating_in_another_members_name_is_refused(fed) -> None:  # type: ignore[no-untyped-def]
    """Nobody nominates as another member: not an operator, not another member."""
    election = nominating(fed)
    other = acting_member(_member("3"))
    before = _state()
    for actor in (TEST_OPERATOR, other):
        with pytest.raises(NotAllowed) as refused:
            do_nominate(election, _member("2"), nominated_by=_member("2"), actor=actor, now=NOW)
        assert refused.value.refusal.rule == "members-nominate-as-themselves"
    assert _state() == before


def test_accepting_someone_elses_nomination_is_refused(fed) -> None:  # type: ignore[no-untyped-def]
    """Member 1 nominates member 2; only member 2 accepts, not 1 and not an operator."""
    election = nominating(fed)
    nominee = do_nominate(election, _member("2"), nominated_by=_member("1"),
                          actor=acting_member(_member("1")), now=NOW)
    assert not nominee.accepted
    before = _state()
    for actor in (acting_member(_member("1")), TEST_OPERATOR):
        with pytest.raises(NotAllowed) as refused:
            do_accept_nomination(nominee, actor=actor, now=NOW)
        assert refused.value.refusal.rule == "nominee-accepts"
    assert _state() == before
    nominee.refresh_from_db()
    assert not nominee.accepted
    do_accept_nomination(nominee, actor=acting_member(_member("2")), now=NOW)
    nominee.refresh_from_db()
    assert nominee.accepted


def test_operator_opening_or_closing_a_poll_is_refused(fed) -> None:  # type: ignore[no-untyped-def]
    """Only the clock opens and closes: an operator or a member who could would choose the
    roll and the moment the count stops."""
    election = open_election(fed, "w1", ["1", "2"], PAST)
    member = acting_member(_member("3"))
    before = _state()
    for actor in (TEST_OPERATOR, member):
        with pytest.raises(NotAllowed) as refused:
            do_close_election(election, now=NOW, actor=actor)
        assert refused.value.refusal.rule == "poll-transitions-by-clock"
    later = do_call_election(Council.objects.get(key="w2"), actor=TEST_OPERATOR, now=NOW)
    with pytest.raises(NotAllowed):
        do_open_poll(later, now=later.poll_opens_at, actor=TEST_OPERATOR)
    assert _state() == (before[0] + 1, before[1], before[2], before[3] + 1)
    election.refresh_from_db()
    later.refresh_from_db()
    assert election.closed_at is None and later.roll_frozen_at is None


def test_member_vacating_a_seat_is_refused(fed) -> None:  # type: ignore[no-untyped-def]
    """A member never ends another's mandate."""
    w2 = Council.objects.get(key="w2")
    seat = Delegate.objects.create(council=w2.parent, constituency=w2, began_at=NOW,
                                   member=_member("13"), source="founding")
    actor = acting_member(_member("5"))
    before = _state()
    with pytest.raises(NotAllowed) as refused:
        do_vacate_seat(seat, reason="resigned", actor=actor, now=NOW + DAY)
    assert refused.value.refusal.rule == "vacancies-recorded-by-operator-or-result"
    assert _state() == before
    seat.refresh_from_db()
    assert seat.ended_at is None


def test_nominee_is_recorded_as_a_member_commitment(fed) -> None:  # type: ignore[no-untyped-def]
    """The record names the nominating member by commitment, never by login."""
    election = nominating(fed)
    me = acting_member(_member("4"))
    assert isinstance(me, MemberActor)
    do_nominate(election, _member("4"), nominated_by=_member("4"), actor=me, now=NOW)
    entry = recorded().filter(kind="candidate.nominated").order_by("-pk").first()
    assert entry is not None and entry.actor.startswith("member:")
    assert me.account not in entry.actor
