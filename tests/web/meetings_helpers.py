"""A small federation with founding delegates and logins, for the meetings tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from communard.constitution.permissions import MemberActor
from communard.web.councils.models import Council, Federation
from communard.web.members.models import Member
from tests.web.factories import member_login, small_federation

# w1: members 1-4, w2: 5-7 (district d1); w3: 8-10 (district d2). Delegates: 1 (w1) and 5 (w2)
# sit in d1, 8 (w3) in d2; 1 sits for d1 in the congress, 8 for d2.
SIZES = {"w1": 4, "w2": 3, "w3": 3}
DELEGATES = [("1", "w1"), ("5", "w2"), ("8", "w3"), ("1", "d1"), ("8", "d2")]
STARTS = dt.datetime(2026, 12, 1, 18, tzinfo=dt.UTC)


def meetings_federation(tmp_path: Path, slug: str = "test") -> Federation:
    founding = "".join(f'[[delegates]]\nmember = "{m}"\nconstituency = "{c}"\n'
                       for m, c in DELEGATES)
    fed = small_federation(tmp_path, SIZES, slug, extra=founding)
    for member in Member.objects.filter(federation=fed):
        member_login(member, f"m{member.number}", "commune1871")
    return fed


def as_member(number: str) -> MemberActor:
    return MemberActor(f"m{number}")


def council(key: str) -> Council:
    return Council.objects.get(key=key)
