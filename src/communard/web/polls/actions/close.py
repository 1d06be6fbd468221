"""The poll closes: count, decide by the majority rule and the floor, record, then run what
the poll's purpose does with the result (``outcomes``). Run by the clock once the poll ended."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import transaction
from django.utils import timezone

from communard.constitution.majority import Outcome, YesNoTally, decide, meets_floor
from communard.record.kinds import POLL_CLOSED, POLL_CLOSED_EARLY
from communard.web.polls import outcomes
from communard.web.polls.actions.common import locked, on_record, ref
from communard.web.polls.actions.open import freeze_roll
from communard.web.polls.box import Tally, tally
from communard.web.polls.close_times import CloseTimes
from communard.web.polls.closing import is_sealed, open_box
from communard.web.polls.errors import AlreadyClosed, WrongPhase
from communard.web.polls.models import Mark, Poll, Question, Result
from communard.web.records import services as record


def judge(poll: Poll, counted: Tally, roll_size: int) -> tuple[Outcome, dict[str, int] | None]:
    """Whether the poll's question passed, and why. A yes/no question passes by the majority
    rule and the floor; a ranked or choose-n poll decides when it reaches the floor and elects
    someone (its winners are the count's)."""
    if poll.question == Question.YES_NO:
        extra = counted.sheet["extra"]
        votes = {"yes": int(extra["yes"]), "no": int(extra["no"]), "abstain": int(extra["abstain"])}
        return decide(poll.majority_rule, poll.floor, YesNoTally(**votes), roll_size), votes
    floor = meets_floor(poll.floor, counted.ballots, roll_size)
    if not floor.passed:
        return floor, None
    if not counted.winners:
        return Outcome(False, f"rejected: nothing was chosen; {floor.reason}"), None
    return Outcome(True, f"decided: {len(counted.winners)} chosen; {floor.reason}"), None


def do_close_poll(poll: Poll | int, *, now: dt.datetime | None = None) -> Result:
    """Count and decide a poll once. A second close is refused (``AlreadyClosed``) when the
    row, the result or the record says it was closed: clearing ``closed_at`` behind the record's
    back never counts it again."""
    now = now or timezone.now()
    times = CloseTimes()
    with transaction.atomic():
        poll = locked(poll)
        _refuse_second_close(poll)
        if now < poll.closes_at and on_record(POLL_CLOSED_EARLY, poll) is None:
            # Before the calendar's end only once the record says it closed early (issue 17).
            raise WrongPhase("the poll is still open")
        if poll.roll_frozen_at is None:
            freeze_roll(poll, now)
        # t tellers' shares, or AwaitingTellers and nothing changes; the opened ballots are
        # counted as written, not read back.
        opened = open_box(poll, times) if is_sealed(poll) else None
        with times.part("count"):
            counted = tally(poll, opened)
        with times.part("publish"):
            roll_size = poll.roll_size or 0
            outcome, votes = judge(poll, counted, roll_size)
            marks = Mark.objects.filter(entry__poll=poll).count()
            result = Result.objects.create(
                poll=poll, seed=str(counted.seed), ballots=counted.ballots, marks=marks,
                box_sha256=counted.box_sha256, winners=counted.winners, sheet=counted.sheet,
                passed=outcome.passed, reason=outcome.reason, counted_at=now,
            )
            Poll.objects.filter(pk=poll.pk).update(closed_at=now)
            poll.closed_at = now
            record.append(
                POLL_CLOSED,
                {
                    **ref(poll),
                    "ballots": counted.ballots,
                    "marks": marks,
                    "voters": roll_size,
                    "box_sha256": counted.box_sha256,
                    "seed": str(counted.seed),
                    "winners": counted.winners,
                    "tally": votes,
                    "passed": outcome.passed,
                    "reason": outcome.reason[:1000],
                    "sheet_sha256": sheet_sha256(counted.sheet),
                },
                actor="clock",
            )
            outcomes.run(poll, result)
    times.report(poll.pk, counted.ballots)
    return result


def sheet_sha256(sheet: object) -> str:
    text = json.dumps(sheet, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _refuse_second_close(poll: Poll) -> None:
    if poll.closed_at is not None:
        raise AlreadyClosed(f"poll {poll.pk} is closed already")
    counted = Result.objects.filter(poll=poll).values_list("counted_at", flat=True).first()
    where = None if counted is not None else on_record(POLL_CLOSED, poll)
    if counted is not None or where is not None:
        evidence = (f"its result was counted {counted:%Y-%m-%d %H:%M %Z}" if counted is not None
                    else f"the record's {where} closes it")
        raise AlreadyClosed(f"poll {poll.pk} was closed already ({evidence}); its row was "
                            "changed behind the record's back, and it is not counted again")
