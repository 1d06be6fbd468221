"""A platform names its teller for a secret poll (issue 16), before the poll opens.

``constitution.tellers.choose_tellers`` seats each platform's nominee first and draws the other
tellers by lot, so every current of opinion can have one of its own among those who open the
box. This is the action that records a platform's nominee.

*Who names for a platform:* any of its members, signed in as themself. The platforms model has
members and nothing else — no secretary, no officers — and a platform is "any group of members"
(docs/design.md): an officer who alone could name would be an appointment path the model does
not have. Each naming is on the record (``teller.named``, with the nominee and the member who
named, as commitments), the newest naming of each platform before the opening counts, and so a
platform whose members disagree sees every naming and settles it among themselves; nobody
outside the platform can name for it.

*Who can be named:* a member on the poll's roll (as it stands at the naming: the roll is frozen
at the opening, so the opening checks again and seats no nominee who is off the frozen roll or
has no delivery key) who has registered a delivery key, because the opening deals each teller's
share sealed to that key.
"""

from __future__ import annotations

from django.db import transaction

from communard.constitution.permissions import Actor, MemberActor, NotAllowed, Refusal
from communard.record.kinds import TELLER_NAMED
from communard.web.core.actors import record_name
from communard.web.members.models import Member
from communard.web.platforms.models import Platform
from communard.web.polls.actions.common import locked, ref
from communard.web.polls.errors import PollNotFound, PollRefused, WrongPhase
from communard.web.polls.models import Poll, TellerKey, TellerNomination, Voters
from communard.web.polls.roll import delegate_roll, member_roll
from communard.web.records import services as record


def may_name_teller(actor: Actor, namer: Member, platform: Platform) -> Refusal | None:
    """A platform's member, signed in as themself, names its teller; nobody else."""
    login = namer.user.get_username() if namer.user_id is not None else None
    if not (isinstance(actor, MemberActor) and login is not None and actor.account == login):
        return Refusal("own-account-only", "a platform's teller is named by one of its "
                       "members, signed in")
    if not platform.members.filter(pk=namer.pk).exists():
        return Refusal("platform-members-only", f"only members of {platform.name} name its "
                       "teller")
    return None


def do_name_teller(poll: Poll, platform: Platform, namer: Member, nominee_number: str, *,
                   actor: Actor) -> TellerNomination:
    """``platform`` names member ``nominee_number`` as its teller of ``poll``; refused
    (nothing changed) unless the poll is secret and not yet open, the actor is a member of the
    platform, and the nominee is on the poll's roll with a delivery key."""
    if platform.federation_id != poll.federation_id:
        raise PollNotFound(f"platform: {platform.name} is not a platform of this federation")
    refusal = may_name_teller(actor, namer, platform)
    if refusal is not None:
        raise NotAllowed(refusal)
    with transaction.atomic():
        poll = locked(poll)  # the opening locks it too: a naming is before it or refused
        if not poll.secret:
            raise WrongPhase("this poll is a roll call: it has no tellers")
        if poll.roll_frozen_at is not None or poll.closed_at is not None:
            raise WrongPhase("the tellers were drawn when the poll opened; it is too late to "
                             "name one")
        nominee = Member.objects.filter(federation=poll.federation,
                                        number=nominee_number.strip()).first()
        if nominee is None:
            raise PollRefused(f"member: no member numbered {nominee_number.strip()!r} in "
                              f"{poll.federation.name}")
        if nominee.pk not in _roll(poll):
            raise PollRefused(f"member: {nominee.name} is not on this poll's roll")
        if not TellerKey.objects.filter(member=nominee).exists():
            raise PollRefused(f"member: {nominee.name} has registered no teller's delivery key "
                              "(the page /p/tellers/key/): a share could not be dealt to them")
        row = TellerNomination.objects.create(poll=poll, platform=platform, member=nominee,
                                              named_by=namer)
        record.append(TELLER_NAMED, {
            **ref(poll), "platform": platform.slug,
            "member": record.personal(nominee.number), "nominator": record.personal(namer.number),
        }, actor=record_name(actor))
    return row


def _roll(poll: Poll) -> set[int]:
    """The roll as it would be frozen now (the opening freezes it, and checks again)."""
    if poll.voters == Voters.DELEGATES:
        return set(delegate_roll(poll.electorate, poll.roll_at))
    return set(member_roll(poll.electorate, poll.roll_at))


def nominees(poll: Poll, keys: dict[str, str]) -> dict[str, str]:
    """At the opening: each platform's newest nominee (platform slug → member number), those
    on the frozen roll with a delivery key only (``keys``: the roll's keys by number)."""
    named: dict[str, str] = {}
    for slug, number in (TellerNomination.objects.filter(poll=poll).order_by("pk")
                         .values_list("platform__slug", "member__number")):
        named[slug] = number
    return {slug: number for slug, number in named.items() if number in keys}
