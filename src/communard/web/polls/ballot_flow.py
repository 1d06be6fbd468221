"""The ballot pages' steps beyond choosing (issue 16): the tracking code made and shown on the
confirmation step, before the cast commits, carried to the cast signed (so the voter cannot
pick another's, and a retry answered "already voted" still leaves them their code); the way
back from the confirmation to the ballot with the choices kept; and whether the member has
voted already, told before the ballot is shown."""

from __future__ import annotations

from django.core import signing

from communard.web.members.models import Member
from communard.web.polls.models import Mark, Poll
from communard.web.polls.tracking import new_tracking_code


def _salt(poll: Poll, member: Member) -> str:
    return f"communard.polls.ticket:{poll.pk}:{member.pk}"


def new_ticket(poll: Poll, member: Member) -> tuple[str, str]:
    """A fresh tracking code and its ticket: the code signed for this poll and member only."""
    code = new_tracking_code()
    return code, signing.dumps(code, salt=_salt(poll, member))


def code_of_ticket(poll: Poll, member: Member, ticket: str) -> str | None:
    """The code a ticket carries, or None when it was not made for this poll and member."""
    try:
        code = signing.loads(ticket, salt=_salt(poll, member))
    except signing.BadSignature:
        return None
    return code if isinstance(code, str) else None


def has_voted(poll: Poll, member: Member) -> bool:
    return Mark.objects.filter(entry__poll=poll, entry__member=member).exists()


def with_ranks(options: list, chosen: list[int]) -> list:  # type: ignore[type-arg]
    """The options, each with the rank the voter gave it (ranked ballots kept on the way back
    from the confirmation)."""
    ranks = {n: r for r, n in enumerate(chosen, start=1)}
    for o in options:
        o.rank = ranks.get(o.number, "")
    return options
