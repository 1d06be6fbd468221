"""Filing a report (or its correction): the delegate themself, about a closed meeting of the
council they sat in for it, a text of bounded size; the row and its entry in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from communard.constitution.permissions import Actor, MemberActor, check
from communard.constitution.reports import may_file_report, sat_for
from communard.record.kinds import REPORT_FILED
from communard.web.core.actors import record_name
from communard.web.councils.models import Delegate
from communard.web.meetings.models import Attendance, Meeting, text_digest
from communard.web.members.models import Member
from communard.web.records import services as record
from communard.web.reports.models import Report


def normalised(text: str) -> str:
    """The text as stored and hashed: line ends as ``\\n`` (a browser's form sends ``\\r\\n``),
    no trailing blank space."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def has_sat_for(meeting: Meeting, delegate: Delegate) -> bool:
    """Whether ``delegate`` was at (checked in) or seated for ``meeting``, a meeting of the
    council they sit in. An open meeting is judged up to now."""
    if delegate.council_id != meeting.council_id or meeting.called_at is None:
        return False
    closed = meeting.closed_at or timezone.now()
    return sat_for(
        attended=Attendance.objects.filter(meeting=meeting, member_id=delegate.member_id).exists(),
        began_at=delegate.began_at.timestamp(),
        ended_at=delegate.ended_at.timestamp() if delegate.ended_at else None,
        called_at=meeting.called_at.timestamp(), closed_at=closed.timestamp())


def _acting_member(actor: Actor, meeting: Meeting) -> Member | None:
    if not isinstance(actor, MemberActor):
        return None
    return Member.objects.filter(federation_id=meeting.federation_id,
                                 user__username=actor.account).first()


def do_file_report(meeting: Meeting, delegate: Delegate, *, text: str, actor: Actor) -> Report:
    """File ``delegate``'s report on ``meeting``: version 1, or the next version of it (a
    correction; the earlier ones stay, on the record and on the page's history)."""
    text = normalised(text)
    with transaction.atomic():
        meeting = (Meeting.objects.select_for_update()
                   .select_related("federation", "council").get(pk=meeting.pk))
        delegate = Delegate.objects.select_related("constituency", "member").get(pk=delegate.pk)
        member = _acting_member(actor, meeting)
        check(may_file_report(
            is_the_delegate=member is not None and member.pk == delegate.member_id,
            sat_for_meeting=has_sat_for(meeting, delegate),
            meeting_held=meeting.closed_at is not None,
            length=len(text) if text.strip() else 0))
        # The meeting's row is locked: two corrections at once get versions one after other.
        last = Report.objects.filter(meeting=meeting, delegate=delegate).aggregate(
            v=Max("version"))["v"] or 0
        digest = text_digest(text)
        row = Report.objects.create(meeting=meeting, delegate=delegate, version=last + 1,
                                    text=text, text_sha256=digest, filed_at=timezone.now())
        record.append(REPORT_FILED, {
            "federation": meeting.federation.slug, "meeting": meeting.pk, "report": row.pk,
            "delegate": delegate.pk, "constituency": delegate.constituency.key,
            "version": row.version, "text": text, "text_sha256": digest,
            "member": record.personal(delegate.member.number)}, actor=record_name(actor))
    return row

