"""The meetings audit: meetings, attendance, motions, support, amendments and mandates replayed
from the record and compared with the tables, so a row added, edited or removed behind the
record's back (SQL, the shell) is named with its entry.

Texts are compared through their SHA-256 (the record holds ``text_sha256``); people through
the openings of the entries' commitments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from communard.record import kinds as K
from communard.web.meetings.models import (
    Amendment,
    Attendance,
    Mandate,
    Meeting,
    MeetingCaller,
    Motion,
    MotionSupport,
    Speaker,
)
from communard.web.records.audit import Divergence, audit, entries, openings

Facts = dict[tuple[str, str], tuple[Any, int | None]]  # (table, row) -> (what, entry index)

_BY_MEMBER = {  # kind name -> (table, model) of the once-only acts of one member
    K.MEETING_CHECKED_IN.name: ("meetings_attendance", Attendance),
    K.MEETING_SPEAKER_ADDED.name: ("meetings_speaker", Speaker),
    K.MEETING_CALL_JOINED.name: ("meetings_meetingcaller", MeetingCaller),
    K.MEETING_REQUESTED.name: ("meetings_meetingcaller", MeetingCaller),
    K.MOTION_SUPPORTED.name: ("meetings_motionsupport", MotionSupport),
}


def _replayed() -> Facts:
    found = list(entries(*K.MEETINGS_KINDS))
    opened = openings(b.get("member") for _, _, b in found)
    facts: Facts = {}

    def person(body: dict[str, Any]) -> str | None:
        member = body.get("member")
        return None if member is None else opened.get(member, "unopened")

    for index, kind, b in found:
        fed = str(b.get("federation"))
        if kind in (K.MEETING_REQUESTED.name, K.MEETING_CALLED.name):
            facts[("meetings_meeting", f"{fed}/{b.get('meeting')}")] = (
                (b.get("council"), b.get("title"), b.get("size"), b.get("by", ""), False), index)
        if kind == K.MEETING_CLOSED.name:
            key = ("meetings_meeting", f"{fed}/{b.get('meeting')}")
            before = facts.get(key, ((None,) * 5, None))[0]
            facts[key] = ((*before[:4], True), index)
        if kind in _BY_MEMBER:
            table = _BY_MEMBER[kind][0]
            target = b.get("motion", b.get("meeting"))
            facts[(table, f"{fed}/{target}/{person(b)}")] = (True, index)
        if kind == K.MOTION_SUBMITTED.name:
            facts[("meetings_motion", f"{fed}/{b.get('motion')}")] = (
                (b.get("council"), b.get("text_sha256"), person(b), b.get("forwarded_from"),
                 "submitted"), index)
        if kind == K.MOTION_STATE_CHANGED.name:
            key = ("meetings_motion", f"{fed}/{b.get('motion')}")
            before = facts.get(key, ((None,) * 5, None))[0]
            facts[key] = ((*before[:4], b.get("to")), index)
        if kind == K.AMENDMENT_PROPOSED.name:
            facts[("meetings_amendment", f"{fed}/{b.get('amendment')}")] = (
                (b.get("motion"), b.get("paragraph"), b.get("amends"), b.get("text_sha256"),
                 person(b)), index)
        if kind == K.MANDATE_ADOPTED.name:
            facts[("meetings_mandate", f"{fed}/{b.get('mandate')}")] = (
                (b.get("motion"), b.get("constituency"), b.get("meeting"), b.get("stance"),
                 b.get("binding")), index)
    return facts


def _tables() -> dict[tuple[str, str], Any]:
    rows: dict[tuple[str, str], Any] = {}
    for m in Meeting.objects.select_related("federation", "council"):
        rows[("meetings_meeting", f"{m.federation.slug}/{m.pk}")] = (
            m.council.key, m.title, m.size, m.called_by, m.closed_at is not None)
    for table, model in set(_BY_MEMBER.values()):
        target = "motion" if model is MotionSupport else "meeting"
        for fed, target_id, number in model.objects.values_list(
                f"{target}__federation__slug", f"{target}_id", "member__number"):
            rows[(table, f"{fed}/{target_id}/{number}")] = True
    for mo in Motion.objects.select_related("federation", "council", "mover"):
        rows[("meetings_motion", f"{mo.federation.slug}/{mo.pk}")] = (
            mo.council.key, mo.digest, mo.mover.number if mo.mover else None,
            mo.forwarded_from_id, mo.state)
    for a in Amendment.objects.select_related("motion__federation", "mover"):
        rows[("meetings_amendment", f"{a.motion.federation.slug}/{a.pk}")] = (
            a.motion_id, a.paragraph, a.amends_id, a.digest, a.mover.number)
    for d in Mandate.objects.select_related("motion__federation", "constituency"):
        rows[("meetings_mandate", f"{d.motion.federation.slug}/{d.pk}")] = (
            d.motion_id, d.constituency.key, d.meeting_id, d.stance, d.binding)
    return rows


@audit
def audit_meetings() -> Iterator[Divergence]:
    replayed = _replayed()
    held = _tables()
    for (table, row), what in sorted(held.items()):
        if (table, row) not in replayed:
            yield Divergence(table, row, "no entry records it")
            continue
        expected, index = replayed[(table, row)]
        if what != expected:
            yield Divergence(table, row, f"the row says {what!r}; the record says {expected!r}",
                             index)
    for (table, row), (_, index) in sorted(replayed.items()):
        if (table, row) not in held:
            yield Divergence(table, row, "on the record but missing", index)
