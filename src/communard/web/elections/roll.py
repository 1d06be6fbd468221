"""Who is on an election's frozen roll: a replay of recorded membership history.

A member votes in an election if, at the end of the cut-off day, they were an active member of a
base council beneath the constituency, by the changes recorded by then
(``constitution.membership.roll``). Whatever is recorded after the cut-off, whatever date it
claims — admissions, transfers, lapses, expulsions — does not change the roll.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from communard.constitution.membership import end_of_day
from communard.web.councils.models import Council
from communard.web.members.models import Member
from communard.web.polls.roll import beneath, member_roll

#: The council and every council beneath it (one walk of the tree, the polls').
subtree_ids = beneath


def roll_member_ids(constituency: Council, cutoff: dt.date) -> list[int]:
    """Member ids on the roll of ``constituency`` as of the end of ``cutoff`` (in the
    federation's time zone), counting only changes recorded by then."""
    cutoff_end = end_of_day(cutoff, zoneinfo.ZoneInfo(constituency.federation.time_zone))
    return member_roll(constituency, cutoff_end, day=cutoff)


def constituency_of(member: Member, constituency: Council) -> bool:
    """Whether the member belongs, now, to a base council beneath ``constituency``."""
    return member.council_id in subtree_ids(constituency)
