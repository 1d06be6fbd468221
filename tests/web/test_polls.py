"""Polls from call to decision: the frozen roll, the one cast action, the count, the majority
rule and turnout floor, the record, and what the purpose's handler is given."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest
from django.db import connection, transaction

from communard.constitution.majority import TWO_THIRDS
from communard.constitution.permissions import ClockActor, MemberActor, NotAllowed
from communard.web.core import clock
from communard.web.core.writeonce import Immutable
from communard.web.councils.models import Federation
from communard.web.elections.actions import do_close_election
from communard.web.members.actions import do_admit_member
from communard.web.members.models import Member
from communard.web.polls import outcomes
from communard.web.polls.actions.call import do_call_poll
from communard.web.polls.actions.cast import do_cast
from communard.web.polls.actions.close import do_close_poll
from communard.web.polls.errors import (
    AlreadyClosed,
    AlreadyVoted,
    InvalidChoices,
    NotOnRoll,
    PollRefused,
    WrongPhase,
)
from communard.web.polls.models import Ballot, Mark, NamedVote, Poll, Result, RollEntry
from tests.web.elections_helpers import PAST, open_election
from tests.web.factories import TEST_OPERATOR, recorded, small_federation
from tests.web.polls_helpers import CALLER, DAY, NOW, open_poll, spec, vote, voter

pytestmark = pytest.mark.django_db(transaction=True)

CLOSE = NOW + 2 * DAY


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    # w1: members 1-6, w2: 7-9, w3: 10-12 (admitted 2024-01-01, long before any cut-off)
    return small_federation(tmp_path, {"w1": 6, "w2": 3, "w3": 3})


def stored(poll: Poll) -> tuple[int, int, int]:
    return (Ballot.objects.filter(poll=poll).count(), Mark.objects.filter(entry__poll=poll).count(),
            recorded().count())


decided: list[tuple[int, bool, str]] = []


@outcomes.on_close("test-outcome")
def _remember(poll: Poll, result: Result) -> None:
    assert connection.in_atomic_block  # inside the close's transaction
    decided.append((poll.pk, result.passed, poll.subject))


def test_yes_no_poll_runs_from_call_to_decision(fed: Federation) -> None:
    """Cast, close, count, decide: the result says why, the record has every step, the
    purpose's handler gets the result."""
    poll = open_poll(fed, purpose="test-outcome", subject="thing:7")
    assert poll.roll_size == 6
    codes = [vote(poll, n, c) for n, c in [("1", [1]), ("2", [1]), ("3", [2]), ("4", [3])]]
    assert len(set(codes)) == 4 and all(len(c) == 19 for c in codes)
    result = do_close_poll(poll, now=CLOSE)
    assert (result.passed, result.ballots, result.marks, result.winners) == (True, 4, 4, [1])
    assert result.reason == ("passed: 2 yes, 1 no, 1 abstaining; more yes than no (simple "
                             "majority); turnout 66.6% (no floor)")
    assert decided[-1] == (poll.pk, True, "thing:7")
    kinds = list(recorded().values_list("kind", flat=True))
    assert [k for k in kinds if k.startswith("poll.")] == [
        "poll.called", "poll.roll_frozen", "poll.unsealed", *["poll.ballot_cast"] * 4,
        "poll.closed"]
    closed = recorded().get(kind="poll.closed").body
    assert closed["tally"] == {"yes": 2, "no": 1, "abstain": 1} and closed["passed"] is True


def test_turnout_below_floor_rejects(fed: Federation) -> None:
    """Two of six voting is 33.3%, below a floor of one half, however they voted."""
    poll = open_poll(fed, turnout_floor=Fraction(1, 2))
    vote(poll, "1", [1])
    vote(poll, "2", [1])
    result = do_close_poll(poll, now=CLOSE)
    assert not result.passed
    assert result.reason == "rejected: turnout 33.3% is below the floor of 50%"


def test_two_thirds_rule_rejects_three_of_five(fed: Federation) -> None:
    poll = open_poll(fed, majority=TWO_THIRDS, abstain=False)
    for n, c in [("1", [1]), ("2", [1]), ("3", [1]), ("4", [2]), ("5", [2])]:
        vote(poll, n, c)
    result = do_close_poll(poll, now=CLOSE)
    assert not result.passed and "3 yes fall short of the 4 needed" in result.reason


def test_choose_n_poll_elects_the_most_approved(fed: Federation) -> None:
    """Choose up to two of four: the two options approved most often win."""
    poll = open_poll(fed, question="choose-n", options=["A", "B", "C", "D"], seats=2)
    for n, c in [("1", [1, 2]), ("2", [2, 3]), ("3", [2]), ("4", [3, 4])]:
        vote(poll, n, c)
    with pytest.raises(InvalidChoices, match="at most 2"):
        vote(poll, "5", [1, 2, 3])
    result = do_close_poll(poll, now=CLOSE)
    assert result.winners == [2, 3] and result.passed
    assert result.sheet["method"] == "choose-n"


def test_ranked_poll_counts_by_its_method(fed: Federation) -> None:
    poll = open_poll(fed, question="ranked", options=["A", "B", "C"], method="irv", seats=1)
    for n, c in [("1", [1, 2]), ("2", [2, 1]), ("3", [3, 2]), ("4", [2])]:
        vote(poll, n, c)
    assert do_close_poll(poll, now=CLOSE).winners == [2]


def test_roll_call_is_public_and_on_the_record(fed: Federation) -> None:
    """A named poll stores each vote with its voter and records it as vote.named."""
    poll = open_poll(fed, secret=False)
    vote(poll, "1", [2])
    named = NamedVote.objects.get(entry__poll=poll)
    assert (named.entry.member.number, named.choices) == ("1", [2])
    entry = recorded().get(kind="vote.named").body
    assert entry["choices"] == [2] and entry["member"].startswith("commit:")


def test_roll_counts_membership_recorded_by_its_cut_off(fed: Federation) -> None:
    """A member admitted (recorded) after the roll's cut-off instant is not on it, whatever
    date the admission claims, and is told why."""
    newcomer = do_admit_member(fed, number="99", name="Late", council=fed.councils.get(key="w1"),
                               admitted_on=dt.date.today(), actor=TEST_OPERATOR)
    poll = open_poll(fed)
    assert not RollEntry.objects.filter(poll=poll, member=newcomer).exists()
    voter(fed, "99")  # their login, made before counting what the refusal leaves
    before = stored(poll)
    with pytest.raises(NotOnRoll, match="the roll counts membership recorded by"):
        vote(poll, "99", [1])
    assert stored(poll) == before


def test_delegates_poll_rolls_the_council_s_delegates(fed: Federation) -> None:
    """voters='delegates': the roll is the members seated in the council at the cut-off."""
    election = open_election(fed, "w1", ["1", "2", "3"], PAST)
    do_close_election(election, now=PAST.closes)
    seated = sorted(fed.councils.get(key="d1").delegates.filter(ended_at__isnull=True)
                    .values_list("member__number", flat=True))
    poll = open_poll(fed, "d1", voters="delegates", roll_at=NOW - DAY)
    assert sorted(RollEntry.objects.filter(poll=poll).values_list("member__number", flat=True)) \
        == seated
    with pytest.raises(NotOnRoll, match="only the delegates seated in District one"):
        vote(poll, "12", [1])


@pytest.mark.parametrize(
    ("choices", "message"),
    [([1, 2], "at most 1"), ([], "at least one"), ([4], "options are 1 to 3"), (["1"], "not an "
     "option number"), ("1", "at least one"), ([True], "not an option number")],
)
def test_bad_ballot_refused_and_changes_nothing(fed: Federation, choices: object,
                                                message: str) -> None:
    poll = open_poll(fed)
    voter(fed, "1")
    before = stored(poll)
    with pytest.raises(InvalidChoices, match=message):
        vote(poll, "1", choices)
    assert stored(poll) == before


def test_second_vote_refused_and_changes_nothing(fed: Federation) -> None:
    poll = open_poll(fed)
    vote(poll, "1", [1])
    before = stored(poll)
    with pytest.raises(AlreadyVoted):
        vote(poll, "1", [2])
    assert stored(poll) == before


def test_nobody_casts_for_another(fed: Federation) -> None:
    """Not an operator, not the clock, not another member: only the voter, signed in."""
    poll = open_poll(fed)
    member, _ = voter(fed, "1")
    _, other = voter(fed, "2")
    for actor in (CALLER, ClockActor(), other, MemberActor("nobody")):
        with pytest.raises(NotAllowed, match="only by the voter"):
            do_cast(poll, member, [1], actor=actor, now=NOW)
    assert stored(poll)[:2] == (0, 0)


def test_cast_outside_the_poll_refused(fed: Federation) -> None:
    """Before the opening and after the close by the calendar, whether or not the clock ran."""
    poll = open_poll(fed)
    with pytest.raises(WrongPhase, match="has closed"):
        vote(poll, "1", [1], when=NOW + DAY)
    with pytest.raises(WrongPhase, match="has not opened"):
        vote(poll, "1", [1], when=NOW - 2 * DAY)
    later = do_call_poll(spec(fed, opens_at=NOW + DAY, closes_at=NOW + 2 * DAY, roll_at=NOW),
                         actor=CALLER)
    with pytest.raises(WrongPhase, match="has not opened"):
        vote(later, "1", [1])


def test_clock_freezes_closes_and_never_twice(fed: Federation) -> None:
    """The clock opens and closes a due poll once; a second close is refused."""
    poll = do_call_poll(spec(fed), actor=CALLER)
    clock.run_due(NOW)
    poll.refresh_from_db()
    assert poll.roll_size == 6
    vote(poll, "1", [1])
    report = clock.run_due(CLOSE)
    assert report.done["poll(s) closed"] == 1
    assert Result.objects.get(poll=poll).ballots == 1
    assert clock.run_due(CLOSE).done["poll(s) closed"] == 0
    with pytest.raises(AlreadyClosed):
        do_close_poll(poll, now=CLOSE)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"question": "ranked", "options": ["A", "B"], "method": None}, "method"),
     ({"question": "yes-no", "method": "irv"}, "method"),
     ({"question": "choose-n", "options": ["A", "B"], "seats": 3}, "seats"),
     ({"question": "choose-n", "options": ["A", "a"], "seats": 1}, r"options\[2\]"),
     ({"question": "show of hands"}, "question"),
     ({"roll_at": NOW}, "calendar: the roll must be cut off no later than the poll opens"),
     ({"closes_at": NOW - DAY}, "calendar"),
     ({"turnout_floor": Fraction(3, 2)}, "turnout_floor"),
     ({"voters": "everyone"}, "voters")],
)
def test_call_refuses_a_bad_spec_and_writes_nothing(fed: Federation, changes: dict[str, object],
                                                    field: str) -> None:
    entries = recorded().count()
    with pytest.raises(PollRefused, match=field):
        do_call_poll(spec(fed, **changes), actor=CALLER)  # type: ignore[arg-type]
    assert Poll.objects.count() == 0 and recorded().count() == entries


def test_database_refuses_changing_what_a_poll_wrote(fed: Federation) -> None:
    """Ballots, marks, roll entries and results are insert-only, a poll's terms are fixed at its
    call, and a closed poll never changes: by plain SQL through the application's connection."""
    poll = open_poll(fed)
    vote(poll, "1", [2])
    q = connection.ops.quote_name
    statements = [
        f"UPDATE {q(Ballot._meta.db_table)} SET choices = '[1]'",
        f"DELETE FROM {q(Mark._meta.db_table)}",
        f"DELETE FROM {q(RollEntry._meta.db_table)}",
        f"UPDATE {q(Poll._meta.db_table)} SET majority = 'absolute'",
        f"UPDATE {q(Poll._meta.db_table)} SET closes_at = closes_at + interval '1 day'"
        if connection.vendor == "postgresql" else
        f"UPDATE {q(Poll._meta.db_table)} SET closes_at = '2099-01-01 00:00:00'",
        f"UPDATE {q(Poll._meta.db_table)} SET roll_size = 100",
    ]
    do_close_poll(poll, now=CLOSE)
    statements += [f"UPDATE {q(Result._meta.db_table)} SET passed = NOT passed",
                   f"UPDATE {q(Poll._meta.db_table)} SET closed_at = NULL"]
    for sql in statements:
        with pytest.raises(Immutable), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert Ballot.objects.get(poll=poll).choices == [2]


def test_members_of_other_councils_are_not_on_the_roll(fed: Federation) -> None:
    poll = open_poll(fed)
    with pytest.raises(NotOnRoll, match="only members of Workshop one vote"):
        vote(poll, "7", [1])
    assert Member.objects.get(number="7").council.key == "w2"


@pytest.mark.parametrize("one_statement", [True, False])
def test_both_cast_paths_store_and_refuse_alike(fed: Federation, one_statement: bool,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-statement path (PostgreSQL) and the ORM path store a ballot, refuse a second,
    and refuse a cast against a close that committed after the caster read the poll (its copy
    still says open): nothing stored then."""
    from communard.web.polls.actions import cast

    monkeypatch.setattr(cast, "ONE_STATEMENT_ON_POSTGRESQL", one_statement)
    poll = open_poll(fed)
    vote(poll, "1", [1])
    with pytest.raises(AlreadyVoted):
        vote(poll, "1", [2])
    stale = Poll.objects.get(pk=poll.pk)
    voter(fed, "2")
    do_close_poll(poll, now=CLOSE)
    with pytest.raises(WrongPhase, match="the poll has closed"):
        vote(stale, "2", [1], when=NOW)
    assert stored(poll)[:2] == (1, 1)


class _Undone(Exception):
    pass


def test_a_poll_id_used_again_is_cast_with_its_own_options(fed: Federation) -> None:
    """The options are the poll's as its row now has them, not remembered per process: a
    poll whose id an earlier, undone poll had (a restored backup, a reused test database) takes
    a vote for its third option although the earlier one had two (issue 15)."""
    try:
        with transaction.atomic():
            earlier = open_poll(fed, abstain=False)  # yes, no
            vote(earlier, "1", [1])
            raise _Undone
    except _Undone:
        pass
    if connection.vendor == "postgresql":  # SQLite's rolled back counter gives the id again
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                           [Poll._meta.db_table, earlier.pk])
    again = open_poll(fed, abstain=True)  # yes, no, abstain
    assert (again.pk, again.roll_frozen_at) == (earlier.pk, earlier.roll_frozen_at)
    vote(again, "2", [3])
    assert Ballot.objects.get(poll=again).choices == [3]
