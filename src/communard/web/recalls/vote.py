"""The recall vote: a secret yes/no poll of the petition's roll, called by the clock once the
petition has met its threshold, and decided by its close.

The poll is one use of the polls app (``web/polls``): its roll is the constituency as recorded at
the petition's filing (``roll_at``), its calendar the one set when the threshold was met
(``[recall] vote_opens_within_days``, ``vote_days``), its majority and turnout floor the
constitution's ``[recall]`` ones (``constitution.recall.vote_majority``). It is secret, with
tracking codes, a published box and a recount, like every secret poll. When it closes, its
handler below ends the mandate and refills the seat (``do_recall``), or keeps the delegate and
starts the cool-off (``do_keep``), inside the close's own transaction.

Calling the poll is a clock duty rather than a step of the signature that meets the threshold:
signing stays one short transaction on the hot path, and the call is retried by the next tick
if it is refused (the refusal is reported by ``tick``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from communard.constitution import recall as rules
from communard.constitution.permissions import ClockActor, NotAllowed
from communard.web.core import clock
from communard.web.polls.actions.call import PollSpec, do_call_poll
from communard.web.polls.errors import PollRefused
from communard.web.polls.models import Poll, Result
from communard.web.polls.outcomes import on_close
from communard.web.recalls import replacement
from communard.web.recalls.models import Petition, State

PURPOSE = replacement.RECALL_PURPOSE
_SUBJECT = "recall-petition:"


def subject_of(petition: Petition) -> str:
    return f"{_SUBJECT}{petition.pk}"


def petition_of(poll: Poll) -> Petition:
    return Petition.objects.get(pk=int(poll.subject.removeprefix(_SUBJECT)))


def do_call_recall_vote(petition_id: int, now: dt.datetime) -> bool:
    """Call the recall poll of a petition that met its threshold (once: a petition whose vote
    is called is past this state), and beside it the replacement question's poll when the
    constitution asks one (``replacement.py``: then not before the vote's opening, since
    candidates stand until then). Returns whether a poll was called."""
    with transaction.atomic():
        petition = (Petition.objects.select_for_update(of=("self",))
                    .select_related("federation", "constituency", "delegate__member",
                                    "office_holder__member")
                    .get(pk=petition_id))
        if petition.state != State.THRESHOLD_MET:
            return False
        assert petition.vote_opens_at is not None and petition.vote_closes_at is not None
        opens, closes = petition.vote_opens_at, petition.vote_closes_at
        asked = replacement.is_asked(petition)
        if asked and now < opens:
            return False  # candidates stand until the vote opens; the ballot is called then
        if now > opens:
            # No clock ran when the vote was due (a server stopped, perhaps on purpose): the
            # vote still gets its whole length from now, never a window already gone by.
            opens, closes = now, closes + (now - opens)
        recall = petition.federation.constitution.recall
        do_call_poll(PollSpec(
            federation=petition.federation, electorate=petition.constituency, voters="members",
            purpose=PURPOSE, subject=subject_of(petition),
            title=f"Recall {petition.mandate}?"[:200], question="yes-no", options=(),
            abstain=True, method=None, seats=1, secret=True,
            majority=rules.vote_majority(recall), turnout_floor=recall.turnout_floor,
            opens_at=opens, closes_at=closes,
            roll_at=petition.filed_at,
        ), actor=ClockActor())
        if asked:
            replacement.call_replacement_poll(petition, subject_of(petition), opens, closes)
        petition.state = State.VOTE_CALLED
        petition.save(update_fields=["state"])
    return True


@on_close(PURPOSE)
def recall_decided(poll: Poll, result: Result) -> None:
    """The recall poll closed: a yes recalls (the seat is vacant at once and refilled, by the
    replacement question's winner when one was asked), a no keeps the delegate and starts the
    cool-off. A replacement poll still open is closed first, in this transaction."""
    from communard.web.recalls.actions.decide import do_keep, do_recall

    petition = petition_of(poll)
    source = f"poll:{poll.pk}"
    mandate = petition.mandate
    # The replacement question (if asked) is closed with this poll, before the decision.
    question = replacement.close_partner(poll, replacement.PURPOSE, result.counted_at)
    if result.passed:
        do_recall(mandate, source=source, actor=ClockActor(), now=result.counted_at,  # type: ignore[arg-type]
                  successor=replacement.successor(question), successor_source=(
                      f"poll:{question.pk}" if question is not None else ""))
    else:
        do_keep(petition, source=source, actor=ClockActor(), now=result.counted_at)


def _votes_due(now: dt.datetime) -> Iterable[int]:
    return (Petition.objects.filter(state=State.THRESHOLD_MET)
            .order_by("threshold_met_at", "pk").values_list("pk", flat=True))


CALL_RECALL_VOTES = clock.Duty(
    done="recall vote(s) called",
    find_due=_votes_due,
    run=do_call_recall_vote,
    subject=lambda pk: f"petition {pk}",
    refusals=(NotAllowed, PollRefused),
)
