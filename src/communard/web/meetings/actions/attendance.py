"""At the meeting: checking in (the quorum is counted from check-ins), asking to speak, and
closing it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from communard.constitution.meetings import may_check_in, may_preside, may_speak
from communard.constitution.permissions import Actor, Refusal, check
from communard.record.kinds import (
    MEETING_CHECKED_IN,
    MEETING_CLOSED,
    MEETING_SPEAKER_ADDED,
    Kind,
)
from communard.web.core.actors import record_name
from communard.web.meetings.actions._facts import (
    acting_member,
    chair_of,
    is_present,
    locked_meeting,
    now,
    personal,
    present,
    sits_in,
)
from communard.web.meetings.models import Attendance, Meeting, Speaker
from communard.web.members.models import Member
from communard.web.records import services as record


def _by_member(meeting: Meeting, actor: Actor, model: type[Attendance] | type[Speaker],
               kind: Kind[Any], rule: Callable[[Meeting, Member], Refusal | None]) -> Any:
    """One member's once-only act at a meeting: checked by ``rule``, a row, an entry."""
    with transaction.atomic():
        meeting = locked_meeting(meeting)
        member = acting_member(actor, meeting.federation)
        check(rule(meeting, member))
        row = model.objects.create(meeting=meeting, member=member, at=now())
        record.append(kind, {"federation": meeting.federation.slug, "meeting": meeting.pk,
                             "member": personal(member)}, actor=record_name(actor))
    return row


def do_check_in(meeting: Meeting, *, actor: Actor) -> Attendance:
    """A delegate (or, at an assembly, a member) checks in to an open meeting of their body."""
    return _by_member(meeting, actor, Attendance, MEETING_CHECKED_IN, lambda m, who: may_check_in(
        sits_in_body=sits_in(who, m.council), checked_in=is_present(m, who), is_open=m.is_open))


def do_ask_to_speak(meeting: Meeting, *, actor: Actor) -> Speaker:
    """Whoever checked in joins the list of speakers, in order of asking."""
    return _by_member(meeting, actor, Speaker, MEETING_SPEAKER_ADDED, lambda m, who: may_speak(
        present=is_present(m, who), is_open=m.is_open,
        queued=Speaker.objects.filter(meeting=m, member=who).exists()))


def do_close_meeting(meeting: Meeting, *, actor: Actor) -> Meeting:
    """Whoever presides closes the meeting; nothing about it changes afterwards."""
    with transaction.atomic():
        meeting = locked_meeting(meeting)
        member = acting_member(actor, meeting.federation)
        chairs = chair_of(meeting.council)
        check(may_preside(is_chair=member.pk in chairs, chair_sits=bool(chairs),
                          present=is_present(meeting, member)))
        check(may_check_in(sits_in_body=True, checked_in=False, is_open=meeting.is_open))
        meeting.closed_at = now()
        meeting.save(update_fields=["closed_at"])
        record.append(MEETING_CLOSED, {
            "federation": meeting.federation.slug, "meeting": meeting.pk,
            "present": present(meeting)}, actor=record_name(actor))
    return meeting
