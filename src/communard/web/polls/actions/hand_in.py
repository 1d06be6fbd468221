"""A teller hands in their share at a sealed poll's close (issue 16): from the close page, or
the text ``communard teller hand-in`` prints, posted to the API.

The share is checked at once against its teller's public commitment; a wrong one is refused
naming the teller, and nothing is stored. A valid one is stored only sealed to the close's key
(``web/polls/closing.py``). With t valid shares in, the process holding that key counts the
poll (the caller runs :func:`try_close` after the hand-in's commit).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from communard.constitution.permissions import Actor, MemberActor, NotAllowed, Refusal
from communard.sealing import BadShareText, ShareRefused, TellerShare, check_share, seal_share
from communard.web.members.models import Member
from communard.web.polls.actions.common import locked
from communard.web.polls.closing import (
    AwaitingTellers,
    holds_closing_key,
    public_poll_key,
    teller_label,
)
from communard.web.polls.errors import AlreadyClosed, PollError, WrongPhase
from communard.web.polls.models import ClosingKey, HandIn, Poll, PollTeller


class ShareNotAccepted(PollError):
    """A share that is not the teller's own for this poll (the message names the teller)."""


def may_hand_in(actor: Actor, teller: Member) -> Refusal | None:
    """Only the teller, signed in as themself, hands in their share."""
    login = teller.user.get_username() if teller.user_id is not None else None
    if isinstance(actor, MemberActor) and login is not None and actor.account == login:
        return None
    return Refusal("own-share-only", "a share is handed in only by its teller, signed in")


def do_hand_in(poll: Poll, member: Member, share_text: str, *, actor: Actor,
               now: dt.datetime | None = None) -> PollTeller:
    """Check and keep (sealed) ``member``'s share of ``poll``'s key."""
    now = now or timezone.now()
    refusal = may_hand_in(actor, member)
    if refusal is not None:
        raise NotAllowed(refusal)
    with transaction.atomic():
        poll = locked(poll)
        if poll.closed_at is not None:
            raise AlreadyClosed("the poll is counted already; no share is needed")
        if now < poll.closes_at:
            raise WrongPhase("shares are handed in after the poll closes, not before")
        teller = (PollTeller.objects.filter(poll=poll, member=member).select_related("member")
                  .first())
        if teller is None:
            raise NotAllowed(Refusal("not-a-teller", "you are not a teller of this poll"))
        closing = ClosingKey.objects.filter(poll=poll).first()
        if closing is None:
            raise WrongPhase("the close has not begun: try again in a minute")
        try:
            share = TellerShare.from_text(share_text)
            if share.teller != teller.name:
                raise ShareRefused(share.teller, "it is another teller's share")
            check_share(public_poll_key(poll), share)
        except (BadShareText, ShareRefused) as exc:
            why = exc.reason if isinstance(exc, ShareRefused) else str(exc)
            raise ShareNotAccepted(f"{teller_label(teller)}: share refused: {why}") from None
        HandIn.objects.update_or_create(
            teller=teller, defaults={"closing_key": closing.public_key,
                                     "sealed_share": seal_share(bytes.fromhex(
                                         closing.public_key), share)})
    return teller


def try_close(poll: Poll, *, now: dt.datetime | None = None) -> bool:
    """Count the poll now if this process holds its closing key and t shares are in; False
    if it waits (for tellers, or for the clock's process)."""
    from communard.web.polls.actions.close import do_close_poll

    if not holds_closing_key(poll):
        return False
    try:
        with transaction.atomic():
            do_close_poll(poll, now=now)
    except (AwaitingTellers, AlreadyClosed):
        return False
    return True
