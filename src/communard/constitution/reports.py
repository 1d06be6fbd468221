"""Report-back: after a meeting of a council, each delegate who sat in it (or was expected to:
seated for the meeting's whole span or part of it) reports to the constituency that sent
them. Pure rules over plain facts; the web layer (``web/reports``) gathers the facts.

Why a rule at all: a report is the constituents' means of judging their delegate, so nobody
may write it for them (an office-holder "summarising" the delegates' conduct is how a
leadership speaks over them), and it is about a meeting that happened, not one to come.
"""

from __future__ import annotations

from communard.constitution.permissions import Refusal

#: The longest report, in characters: some pages of text, well inside one record entry.
MAX_REPORT_CHARS = 20_000


def may_file_report(*, is_the_delegate: bool, sat_for_meeting: bool, meeting_held: bool,
                    length: int, limit: int = MAX_REPORT_CHARS) -> Refusal | None:
    """Whether a member may file (or correct) a delegate's report on a meeting: only the
    delegate themself, only a delegate of that council at the time of the meeting, only once
    the meeting closed, and only a text of 1 to ``limit`` characters (blank is no report)."""
    if not is_the_delegate:
        return Refusal("not-the-delegate", "only the delegate files their own report")
    if not sat_for_meeting:
        return Refusal("not-at-meeting", "the report is by a delegate who sat in (or was seated "
                                         "for) this meeting")
    if not meeting_held:
        return Refusal("meeting-not-held", "a report is filed once the meeting has closed")
    if length < 1:
        return Refusal("report-empty", "the report has no text")
    if length > limit:
        return Refusal("report-too-long",
                       f"the report has {length} characters; at most {limit} are allowed")
    return None


def sat_for(*, attended: bool, began_at: float, ended_at: float | None, called_at: float,
            closed_at: float) -> bool:
    """Whether a delegate sat for a meeting: checked in, or seated for some of its span
    (instants as POSIX seconds). A seat begun after the close, or ended before the call, was
    not expected there."""
    if attended:
        return True
    return began_at <= closed_at and (ended_at is None or ended_at > called_at)
