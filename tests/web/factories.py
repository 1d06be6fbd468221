"""Small federations built through the real import action, for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Manager

from communard.constitution.permissions import MemberActor, OperatorActor
from communard.web.accounts.actions import do_create_member_account, do_create_operator
from communard.web.councils.models import Federation
from communard.web.members.importing import do_import
from communard.web.members.models import Member
from communard.web.records.models import Entry
from communard.web.records.services import seal

TWO_TIER = """\
[federation]
slug = "{slug}"
name = "Test federation {slug}"
constitution = '''
version = 1
[eligibility]
cutoff_days = 30
[[tiers]]
key = "workplace"
name = "Workplace assembly"
[[tiers]]
key = "district"
name = "District council"
apportionment = {{ rule = "per-members", members_per_seat = 5, minimum = 1 }}
[[tiers]]
key = "congress"
name = "Congress"
apportionment = {{ rule = "fixed", seats = 7, method = "sainte-lague", minimum = 1 }}
'''

[[councils]]
key = "congress"
name = "Congress"
tier = "congress"
[[councils]]
key = "d1"
name = "District one"
tier = "district"
parent = "congress"
[[councils]]
key = "d2"
name = "District two"
tier = "district"
parent = "congress"
[[councils]]
key = "w1"
name = "Workshop one"
tier = "workplace"
parent = "d1"
[[councils]]
key = "w2"
name = "Workshop two"
tier = "workplace"
parent = "d1"
[[councils]]
key = "w3"
name = "Workshop three"
tier = "workplace"
parent = "d2"
"""


def small_federation(tmp_path: Path, sizes: dict[str, int], slug: str = "test",
                     extra: str = "") -> Federation:
    """A federation whose workplaces have the given numbers of members (numbered from 1);
    ``extra``: more of the structure file (founding ``[[delegates]]``)."""
    (tmp_path / "f.toml").write_text(TWO_TIER.format(slug=slug) + extra, encoding="utf-8")
    lines = ["number,name,council,admitted_on"]
    n = 0
    for council, size in sizes.items():
        for _ in range(size):
            n += 1
            lines.append(f"{n},Member {n},{council},2024-01-01")
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    do_import(tmp_path / "f.toml", tmp_path / "m.csv", actor=TEST_OPERATOR)
    return Federation.objects.get(slug=slug)


def recorded() -> Manager[Entry]:
    """The record's entries after sealing what actions queued: in a test's wrapping transaction
    nothing commits, so the seal that follows every commit in production is done here."""
    seal()
    return Entry.objects


TEST_OPERATOR = OperatorActor("test-operator")


def member_login(member: Member, username: str, password: str) -> Any:
    """A member's first login, made as an operator makes it (the only way one is made)."""
    return do_create_member_account(
        member, username=username, password=password, actor=TEST_OPERATOR
    )


def operator_login(username: str, password: str) -> Any:
    """An operator's login, made as `communard manage createsuperuser` makes it."""
    return do_create_operator(username=username, password=password, actor=TEST_OPERATOR)


def verify_output(capsys: Any) -> tuple[int, str]:
    """`communard verify` against the installation's own key, after sealing what the actions
    queued (as their commits would): its exit status and what it printed."""
    from communard.cli import main
    from communard.record import fingerprint
    from communard.web.records import services

    seal()
    capsys.readouterr()
    status = main(["verify", "--key", fingerprint(services.verifier())])
    return status, capsys.readouterr().out


def acting_member(member: Member) -> MemberActor:
    """The member acting through their own login, given one (as an operator gives it) if they
    have none: nominating and accepting are things a member does as themself."""
    member.refresh_from_db()
    if member.user_id is None:
        do_create_member_account(member, username=f"member-{member.federation_id}-{member.number}",
                                 password=None, actor=TEST_OPERATOR)
        member.refresh_from_db()
    return MemberActor(member.user.get_username())
