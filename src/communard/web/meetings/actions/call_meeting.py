"""Calling a meeting: the chair calls it; otherwise members (or delegates) ask for it, and it is
called when the constitution's share of the body has asked (``may_call_meeting``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from communard.constitution.meetings import may_call_meeting, quorum_needed, share_of
from communard.constitution.permissions import Actor, NotAllowed, Refusal, check
from communard.record.kinds import MEETING_CALL_JOINED, MEETING_CALLED, MEETING_REQUESTED
from communard.web.core.actors import record_name
from communard.web.councils.models import Council
from communard.web.meetings.actions._facts import (
    acting_member,
    body_size,
    chair_of,
    locked_meeting,
    moment,
    now,
    personal,
    rules_of,
    sits_in,
)
from communard.web.meetings.models import AgendaItem, Meeting, MeetingCaller
from communard.web.records import services as record


def _check_call_input(title: str, agenda: list[str]) -> None:
    if not title.strip() or len(title) > 200:
        raise NotAllowed(Refusal("meeting-title", "a meeting needs a title of 1 to 200 "
                                                  "characters"))
    for n, item in enumerate(agenda, start=1):
        if not item.strip() or len(item) > 200:
            raise NotAllowed(Refusal("agenda-item", f"agenda item {n}: 1 to 200 characters"))


def _new_meeting(council: Council, title: str, starts_at: dt.datetime,
                 agenda: list[str]) -> Meeting:
    rules = rules_of(council.federation)
    size = body_size(council)
    meeting = Meeting.objects.create(
        federation=council.federation, council=council, title=title.strip(),
        starts_at=starts_at, requested_at=now(), size=size,
        call_needed=share_of(rules.call_share, size), quorum=quorum_needed(rules, size))
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, position=n, title=item.strip())
        for n, item in enumerate(agenda, start=1))
    return meeting


def _called(meeting: Meeting, by: str, callers: int, actor: Actor) -> None:
    meeting.called_at = now()
    meeting.called_by = by
    meeting.save(update_fields=["called_at", "called_by"])
    record.append(MEETING_CALLED, {
        "federation": meeting.federation.slug, "meeting": meeting.pk,
        "council": meeting.council.key, "title": meeting.title,
        "starts_at": moment(meeting.starts_at),
        "agenda": [a.title for a in meeting.agenda.all()], "by": by, "callers": callers,
        "size": meeting.size, "quorum": meeting.quorum,
    }, actor=record_name(actor))


def do_call_meeting(council: Council, *, title: str, starts_at: dt.datetime,
                    agenda: list[str], actor: Actor) -> Meeting:
    """Call a meeting of ``council`` at once: its chair may, and so may anyone when the share
    the constitution sets is one person (a small body); everyone else asks for one
    (:func:`do_request_meeting`)."""
    with transaction.atomic():
        member = acting_member(actor, council.federation)
        _check_call_input(title, agenda)
        is_chair = member.pk in chair_of(council)
        if not is_chair and not sits_in(member, council):
            raise NotAllowed(Refusal("not-in-body", "only the body's chair, members or "
                                                    "delegates call its meetings"))
        size = body_size(council)
        check(may_call_meeting(rules_of(council.federation), is_chair=is_chair, supporters=1,
                               size=size))
        meeting = _new_meeting(council, title, starts_at, agenda)
        # The entry's actor names who called it; callers' rows are for calls made together.
        _called(meeting, "chair" if is_chair else "members", 1, actor)
    return meeting


def do_request_meeting(council: Council, *, title: str, starts_at: dt.datetime,
                       agenda: list[str], actor: Actor) -> Meeting:
    """Ask for a meeting of ``council``; others join the call (:func:`do_join_meeting_call`)
    and it is called when enough have asked."""
    with transaction.atomic():
        member = acting_member(actor, council.federation)
        _check_call_input(title, agenda)
        if not sits_in(member, council):
            raise NotAllowed(Refusal("not-in-body", "only the body's members or delegates ask "
                                                    "for its meetings"))
        meeting = _new_meeting(council, title, starts_at, agenda)
        MeetingCaller.objects.create(meeting=meeting, member=member, at=now())
        record.append(MEETING_REQUESTED, {
            "federation": council.federation.slug, "meeting": meeting.pk, "council": council.key,
            "title": meeting.title, "starts_at": moment(starts_at),
            "agenda": [a.title for a in meeting.agenda.all()], "size": meeting.size,
            "needed": meeting.call_needed, "member": personal(member),
        }, actor=record_name(actor))
        if may_call_meeting(rules_of(council.federation), is_chair=False, supporters=1,
                            size=meeting.size) is None:
            _called(meeting, "members", 1, actor)
    return meeting


def do_join_meeting_call(meeting: Meeting, *, actor: Actor) -> Meeting:
    """Join the members asking for ``meeting``; the one who brings the share calls it."""
    with transaction.atomic():
        meeting = locked_meeting(meeting)
        member = acting_member(actor, meeting.federation)
        if meeting.is_called:
            raise NotAllowed(Refusal("meeting-called", "this meeting has been called already"))
        if not sits_in(member, meeting.council):
            raise NotAllowed(Refusal("not-in-body", "only the body's members or delegates ask "
                                                    "for its meetings"))
        if MeetingCaller.objects.filter(meeting=meeting, member=member).exists():
            raise NotAllowed(Refusal("called-twice", "you have asked for this meeting already"))
        MeetingCaller.objects.create(meeting=meeting, member=member, at=now())
        record.append(MEETING_CALL_JOINED, {
            "federation": meeting.federation.slug, "meeting": meeting.pk,
            "member": personal(member)}, actor=record_name(actor))
        callers = MeetingCaller.objects.filter(meeting=meeting).count()
        if may_call_meeting(rules_of(meeting.federation), is_chair=False, supporters=callers,
                            size=meeting.size) is None:
            _called(meeting, "members", callers, actor)
    return meeting
