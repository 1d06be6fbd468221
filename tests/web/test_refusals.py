"""The polls' and the elections' refusals share one declaration (``polls/errors.py``) and keep
their statuses and their separate families: catching one app's refusals never catches the
other's."""

from __future__ import annotations

from communard.web.elections import errors as elections
from communard.web.polls import errors as polls

STATUSES = {
    polls.PollError: 400, polls.PollRefused: 400, polls.PollNotFound: 404,
    polls.WrongPhase: 409, polls.NotOnRoll: 403, polls.AlreadyVoted: 409,
    polls.InvalidChoices: 400, polls.ChoicesNotOffered: 409, polls.AlreadyClosed: 409,
    elections.ElectionError: 400, elections.WrongPhase: 409, elections.NominationRefused: 400,
    elections.CalendarRefused: 400, elections.SeatsAlreadyBeingElected: 409,
    elections.AlreadyClosed: 409, elections.RollAlreadyFrozen: 409,
}


def test_each_refusal_answers_with_its_status() -> None:
    """The statuses each class had before the two modules were merged."""
    assert {cls: cls.status for cls in STATUSES} == STATUSES


def test_a_poll_s_refusals_and_an_election_s_are_separate_families() -> None:
    """``except PollError`` never catches an election's refusal, nor the reverse."""
    for cls in STATUSES:
        assert issubclass(cls, polls.PollError) != issubclass(cls, elections.ElectionError), cls
