"""The replacement question on the recall ballot (``[recall] replacement =
"replacement-question"``): who takes the seat if the recall passes, asked on the same ballot.

It is a second poll of the polls app beside the yes/no recall poll: the same roll (the
constituency as recorded at the petition's filing), the same calendar, secret, ranked, with the
members who stood (``actions/stand.py``) as its options, counted by the constitution's method
for delegates, one seat. Both polls are called together by the clock when the vote opens (the
ballot's options are fixed then, so standing closes then).

**The two close together, and the recall poll decides.** Whichever of the two the clock closes
first, its handler closes the other in the same transaction (they share a calendar, so both are
due), and the recall poll's handler runs once both results exist: on a yes, the replacement
poll's winner takes the seat (``recall.replacement_seated``, after the recalled member's
``delegate.vacated``); on a no, the replacement poll's result stands on the record (its
``poll.closed``) and seats nobody. If nobody stood, nobody answered the question, or it elected
nobody (or its winner has since taken another seat of the constituency), the seat is filled by
the constitution's vacancy rule (countback or by-election), as any other vacancy.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from communard.constitution import recall as rules
from communard.constitution.permissions import Actor, ClockActor
from communard.record.kinds import (
    DELEGATE_VACATED,
    OFFICE_VACATED,
    RECALL_OFFICE_REPLACEMENT_SEATED,
    RECALL_REPLACEMENT_SEATED,
)
from communard.web.core.actors import record_name
from communard.web.councils.models import Delegate, OfficeHolder
from communard.web.members.models import Member
from communard.web.polls.actions.call import PollSpec, do_call_poll
from communard.web.polls.models import Poll, Result
from communard.web.polls.outcomes import on_close
from communard.web.recalls.models import Petition, ReplacementCandidate
from communard.web.records import services as record

PURPOSE = "recall-replacement"
RECALL_PURPOSE = "recall"


def is_asked(petition: Petition) -> bool:
    """Whether this petition's ballot carries a replacement question: for a delegate or an
    office-holder alike, when the constitution refills a recalled seat so."""
    return petition.federation.constitution.recall.replacement == "replacement-question"


def candidates(petition: Petition) -> list[ReplacementCandidate]:
    return list(ReplacementCandidate.objects.filter(petition=petition)
                .select_related("member").order_by("pk"))


def _labels(standing: list[ReplacementCandidate]) -> list[str]:
    """The candidates' names, made distinct (two members may share a name): the ballot's
    option n is the n-th candidacy, in the order they stood."""
    labels: list[str] = []
    for c in standing:
        label, n = c.member.name[:190], 1
        while label.casefold() in (x.casefold() for x in labels):
            n += 1
            label = f"{c.member.name[:190]} ({n})"
        labels.append(label)
    return labels


def call_replacement_poll(petition: Petition, subject: str, opens: dt.datetime,
                          closes: dt.datetime) -> Poll | None:
    """Call the ranked replacement poll beside the recall poll; None when nobody stood (the
    vacancy rule fills the seat then)."""
    standing = candidates(petition)
    if not standing:
        return None
    constitution = petition.federation.constitution
    return do_call_poll(PollSpec(
        federation=petition.federation, electorate=petition.constituency, voters="members",
        purpose=PURPOSE, subject=subject,
        title=f"If recalled, who replaces {petition.mandate}?"[:200], question="ranked",
        options=_labels(standing), abstain=False,
        # An office is filled by its own method, a delegate's seat by the delegates' (one seat).
        method=(constitution.elections.delegate_method if petition.delegate_id is not None
                else constitution.elections.office_method), seats=1, secret=True,
        # The recall question carries the majority and the floor; this one only ranks.
        majority=rules.vote_majority(constitution.recall), turnout_floor=Fraction(0),
        opens_at=opens, closes_at=closes, roll_at=petition.filed_at,
    ), actor=ClockActor())


def partner(poll: Poll, purpose: str) -> Poll | None:
    return Poll.objects.filter(federation=poll.federation, subject=poll.subject,
                               purpose=purpose).first()


def close_partner(poll: Poll, purpose: str, now: dt.datetime) -> Poll | None:
    """Close the other poll of the same recall ballot, if it is still open, inside the
    caller's close (its handler then finds this poll closed and does nothing more)."""
    from communard.web.polls.actions.close import do_close_poll
    from communard.web.polls.closing import ensure_closing_key, is_sealed

    other = partner(poll, purpose)
    if other is None:
        return None
    if other.closed_at is None:
        if is_sealed(other):
            ensure_closing_key(other)
        do_close_poll(other, now=max(now, other.closes_at))
        other.refresh_from_db()
    return other


@on_close(PURPOSE)
def replacement_counted(poll: Poll, result: Result) -> None:
    """The replacement poll closed first: close the recall poll now, whose handler decides."""
    close_partner(poll, RECALL_PURPOSE, result.counted_at)


def successor(replacement: Poll | None) -> Member | None:
    """The replacement poll's winner, if it elected anyone that someone voted for."""
    if replacement is None:
        return None
    result = Result.objects.filter(poll=replacement).first()
    if result is None or not result.passed or not result.winners or result.ballots == 0:
        return None
    standing = candidates(Petition.objects.get(pk=int(replacement.subject.split(":")[1])))
    number = result.winners[0]
    return standing[number - 1].member if 0 < number <= len(standing) else None


def seat_replacement(mandate: Delegate | OfficeHolder, petition: Petition, member: Member, *,
                     source: str, actor: Actor, now: dt.datetime) -> Delegate | OfficeHolder | None:
    """End the recalled mandate (a delegate's seat or an office-holder's tenure) and give it to
    the replacement question's winner, in the caller's transaction; None (nothing changed) when
    the winner already sits for that constituency or holds that office, so the caller fills it
    by the vacancy rule (for an office, an election of it) instead.

    The two kinds differ only in what names the place (a seat: its constituency; an office:
    its name) and in their entries' kinds; the steps are one."""
    model: type[Delegate] | type[OfficeHolder]
    if isinstance(mandate, Delegate):
        model, vacated, seated_kind = Delegate, DELEGATE_VACATED, RECALL_REPLACEMENT_SEATED
        place: dict[str, object] = {"constituency": mandate.constituency}
        named: dict[str, object] = {"constituency": mandate.constituency.key}
    else:
        model, vacated, seated_kind = (OfficeHolder, OFFICE_VACATED,
                                       RECALL_OFFICE_REPLACEMENT_SEATED)
        place = named = {"office": mandate.office}
    council = mandate.council
    if model.objects.filter(council=council, member=member, ended_at__isnull=True,
                            **place).exists():
        return None
    federation = council.federation.slug
    model.objects.filter(pk=mandate.pk).update(ended_at=now)
    record.append(vacated, {
        "federation": federation, "council": council.key, **named,
        "member": record.personal(mandate.member.number),
        "reason": f"recalled ({source})"[:200],
    }, actor=record_name(actor))
    seated = model.objects.create(council=council, member=member, began_at=now,
                                  source=source[:100], **place)
    record.append(seated_kind, {
        "federation": federation, "petition": petition.pk, "council": council.key, **named,
        "member": record.personal(member.number), "source": source,
    }, actor=record_name(actor))
    return seated
