"""A closed meeting of district d1 (delegates 1 for w1 and 5 for w2), for the reports tests."""

from __future__ import annotations

from communard.web.councils.models import Delegate
from communard.web.meetings.actions.attendance import do_check_in, do_close_meeting
from communard.web.meetings.actions.call_meeting import do_call_meeting
from communard.web.meetings.models import Meeting
from tests.web.meetings_helpers import STARTS, as_member, council


def d1_meeting(*, close: bool = True) -> Meeting:
    """d1 meets, called by member 1 (a fifth of its two seats is one: no chair needed, so no
    unrecorded office for verify to find), who checks in alone; closed unless asked."""
    body = council("d1")
    meeting = do_call_meeting(body, title="District meets", starts_at=STARTS,
                              agenda=["Reports"], actor=as_member("1"))
    do_check_in(meeting, actor=as_member("1"))
    if close:
        do_close_meeting(meeting, actor=as_member("1"))
    meeting.refresh_from_db()
    return meeting


def seat(number: str, key: str = "d1") -> Delegate:
    """Member ``number``'s seat in council ``key``."""
    return Delegate.objects.get(council=council(key), member__number=number)
