"""The facts the meeting rules are given, read from the database, and what every action shares."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.utils import timezone

from communard.constitution.meetings import MeetingRules
from communard.constitution.permissions import (
    Actor,
    MemberActor,
    NotAllowed,
    Refusal,
)
from communard.web.councils.models import Council, Delegate, Federation, OfficeHolder
from communard.web.meetings.models import Attendance, Meeting
from communard.web.members.models import Member, Status
from communard.web.records import services as record

#: How long a motion's (or an amendment's) roll call stays open: long enough for every delegate
#: in the hall to answer to their name, short enough to be decided at the same meeting.
VOTE_WINDOW = dt.timedelta(minutes=30)


def now() -> dt.datetime:
    """The record's time: what a change is recorded at is the clock's, never a caller's."""
    return timezone.now()


def moment(t: dt.datetime) -> str:
    return t.isoformat()


def rules_of(federation: Federation) -> MeetingRules:
    return federation.constitution.meetings


def acting_member(actor: Actor, federation: Federation) -> Member:
    """The active member acting. Operators run the installation and the clock its calendar;
    neither speaks, supports or decides for members at a meeting."""
    if not isinstance(actor, MemberActor):
        raise NotAllowed(Refusal("members-only", "only members and delegates act in meetings"))
    member = (Member.objects.select_for_update()
              .filter(federation=federation, user__username=actor.account).first())
    if member is None or member.status != Status.ACTIVE:
        raise NotAllowed(Refusal("members-only", "only active members of this federation act "
                                                 "in its meetings"))
    return member


def sits_in(member: Member, council: Council) -> bool:
    """Whether the member belongs to the body that meets: an assembly's own active member, or a
    delegate seated in the council now."""
    if council.is_base:
        return member.council_id == council.pk and member.status == Status.ACTIVE
    return Delegate.objects.filter(council=council, member=member, ended_at__isnull=True).exists()


def body_size(council: Council) -> int:
    """The body's seats (held by its constituencies), or an assembly's active members."""
    if council.is_base:
        return Member.objects.filter(council=council, status=Status.ACTIVE).count()
    seats = council.children.aggregate(n=Sum("seats_in_parent"))["n"]
    return int(seats or 0)


def chair_of(council: Council) -> set[int]:
    """The member ids holding the council's chair now (the constitution names the office)."""
    office = rules_of(council.federation).chair_office
    return set(OfficeHolder.objects.filter(council=council, office=office, ended_at__isnull=True)
               .values_list("member_id", flat=True))


def present(meeting: Meeting) -> int:
    return Attendance.objects.filter(meeting=meeting).count()


def is_present(meeting: Meeting, member: Member) -> bool:
    return Attendance.objects.filter(meeting=meeting, member=member).exists()


def personal(member: Member) -> str:
    return record.personal(member.number)


def locked_meeting(meeting: Meeting) -> Meeting:
    """The meeting, locked for the action: two check-ins or calls at once are serialised."""
    return (Meeting.objects.select_for_update().select_related("council", "federation")
            .get(pk=meeting.pk))
