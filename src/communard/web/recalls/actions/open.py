"""A member of the constituency files a petition to recall its delegate (or an office-holder)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from communard.constitution import recall as rules
from communard.constitution.permissions import Actor, check
from communard.record.kinds import RECALL_PETITION_OPENED
from communard.web.core.actors import record_name
from communard.web.councils.models import Delegate, OfficeHolder
from communard.web.recalls import facts, roll
from communard.web.recalls.actions.common import acting_member, now_or, ref
from communard.web.recalls.models import Petition
from communard.web.records import services as record


def do_open_petition(mandate: Delegate | OfficeHolder, *, grounds: str, actor: Actor,
                     now: dt.datetime | None = None) -> Petition:
    """File the petition: its roll is the constituency as recorded at this moment, frozen into
    the petition's roll table (signing checks the signer there), and its threshold (a share of
    that roll) and deadline are frozen with it."""
    now = now_or(now)
    with transaction.atomic():
        # The mandate's row is the lock two filings against it take in turn (the database's
        # partial unique index stops the second one too).
        mandate = (type(mandate).objects.select_for_update()
                   .select_related("council__federation", "member").get(pk=mandate.pk))
        federation = mandate.council.federation
        constitution = federation.constitution.recall
        electorate = facts.electorate(mandate)
        opener = acting_member(actor, federation)
        check(rules.may_open_petition(
            constitution, facts.mandate_facts(mandate),
            opener_may_sign=facts.is_on_roll(opener, electorate, now),
            grounds=grounds, now=now,
        ))
        voters = facts.roll_at(electorate, now)
        petition = Petition.objects.create(
            federation=federation,
            delegate=mandate if isinstance(mandate, Delegate) else None,
            office_holder=mandate if isinstance(mandate, OfficeHolder) else None,
            constituency=electorate,
            grounds=grounds.strip(),
            opened_by=opener,
            filed_at=now,
            deadline=rules.petition_deadline(constitution, now),
            roll_size=len(voters),
            threshold=rules.threshold_signatures(constitution, len(voters)),
        )
        record.append(RECALL_PETITION_OPENED, {
            **ref(petition),
            "mandate": facts.mandate_ref(mandate),
            "grounds": petition.grounds,
            "opened_by": record.personal(opener.number),
            "filed_at": petition.filed_at.isoformat(),
            "deadline": petition.deadline.isoformat(),
            "roll": petition.roll_size,
            "threshold": petition.threshold,
        }, actor=record_name(actor))
        roll.freeze(petition, voters)
        roll.notify_roll(
            petition, f"A petition to recall {mandate.member.name} ({mandate}) is open until "
            f"{petition.deadline:%Y-%m-%d}: {petition.threshold} signatures needed.", now,
            but=mandate.member_id)
    return petition
