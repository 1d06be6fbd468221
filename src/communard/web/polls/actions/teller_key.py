"""A member registers their teller's delivery key (issue 16): the public half that
``communard teller init`` prints. Shares dealt to them as a poll's teller are sealed to it, so
the organisation never holds a share it could read. On the record, as a commitment to the
member and the key itself."""

from __future__ import annotations

import base64
import binascii

from django.db import transaction

from communard.constitution.permissions import Actor, MemberActor, NotAllowed, Refusal
from communard.record.kinds import TELLER_KEY_REGISTERED
from communard.web.core.actors import record_name
from communard.web.members.models import Member
from communard.web.polls.errors import PollRefused
from communard.web.polls.models import TellerKey
from communard.web.records import services as record


def parse_public_key(text: str) -> bytes:
    """The 32 bytes of an X25519 public key given as ``communard teller init`` prints it
    (standard base64); anything else is refused naming the field."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise PollRefused("public_key: not base64 (paste the line `communard teller init` "
                          "printed)") from None
    if len(key) != 32:
        raise PollRefused(f"public_key: an X25519 key is 32 bytes, not {len(key)}")
    return key


def may_register_teller_key(actor: Actor, member: Member) -> Refusal | None:
    login = member.user.get_username() if member.user_id is not None else None
    if isinstance(actor, MemberActor) and login is not None and actor.account == login:
        return None
    return Refusal("own-key-only", "a teller's key is registered only by the member, signed in")


def do_register_teller_key(member: Member, public_key: str, *, actor: Actor) -> TellerKey:
    refusal = may_register_teller_key(actor, member)
    if refusal is not None:
        raise NotAllowed(refusal)
    key = parse_public_key(public_key).hex()
    with transaction.atomic():
        # A new row each time (insert-only): the newest counts for polls opening later.
        row = TellerKey.objects.create(member=member, public_key=key)
        record.append(TELLER_KEY_REGISTERED, {
            "federation": member.federation.slug, "member": record.personal(member.number),
            "public_key": key,
        }, actor=record_name(actor))
    return row
