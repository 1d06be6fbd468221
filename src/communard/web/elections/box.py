"""An election's published ballot box, wherever its ballots are: in its poll (every election
since elections became polls) or in the elections' own read-only tables (those closed before).
What the pages, the API and the countback read."""

from __future__ import annotations

from communard.count import Ballots, write_blt
from communard.web.elections.models import Ballot, Candidate, Election
from communard.web.polls import box as poll_box
from communard.web.polls.lookup import published_choices
from communard.web.polls.tracking import is_tracking_code


def numbered_candidates(election: Election) -> list[Candidate]:
    return list(election.candidates.filter(number__isnull=False).select_related("member")
                .order_by("number"))


def boxed(election: Election) -> list[tuple[str, list[int]]]:
    """(tracking code, ranking of candidate numbers) of every ballot, in the box's order."""
    if election.poll_id is not None:
        return [(b.tracking_code, b.choices) for b in poll_box.boxed_ballots(election.poll)]
    from communard.web.elections.actions import boxed_ballots

    return [(b.tracking_code, b.ranking) for b in boxed_ballots(election)]


def counted_box(election: Election) -> tuple[Ballots, list[Candidate]]:
    """The box the close counted (the poll's, or the old tables'), and the candidates by
    number: position i of the box is candidate i + 1."""
    if election.poll_id is not None:
        box, _ = poll_box.ballot_box(election.poll)
        return box, numbered_candidates(election)
    from communard.web.elections.actions import ballot_box

    box, candidates, _ = ballot_box(election)
    return box, candidates


def published_blt(election: Election) -> str:
    """The BLT file whose SHA-256 ``election.closed`` records (the poll's own box, byte for
    byte, for an election that voted in a poll)."""
    box, _ = counted_box(election)
    return write_blt(box, election.seats)


def ballot_by_code(election: Election, code: str) -> list[int] | None:
    """The ranking of the ballot with this tracking code, once the election is closed."""
    if not is_tracking_code(code) or election.closed_at is None:
        return None
    if election.poll_id is not None:
        # No query carries the code: it would sit in a statement log (polls/lookup.py).
        return published_choices(election.poll_id, code)
    legacy = Ballot.objects.filter(election=election, tracking_code=code).first()
    return None if legacy is None else list(legacy.ranking)


def elected(election: Election) -> list[int]:
    """The candidate numbers elected, in order: what ``election.closed`` recorded (a poll's
    count that did not pass its turnout floor elects nobody, ``elections.poll``)."""
    result = election.result
    if election.poll_id is not None and not result.passed:
        return []
    return list(result.winners)
