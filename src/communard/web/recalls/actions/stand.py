"""A member of the constituency stands for the seat on the recall ballot's replacement question.

Self-nomination, not the elections' nominate-then-accept: a nomination needs the nominee's
acceptance anyway, and on a recall the window between the threshold and the vote is days; one
recorded step by the candidate themself is the accepted candidacy at once, and nobody can be
put on a ballot without their consent. Anyone on the petition's roll may stand (the roll frozen
at filing, so members admitted in a rush after a petition cannot), once, until the vote opens.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from communard.constitution import recall as rules
from communard.constitution.permissions import Actor, check
from communard.record.kinds import RECALL_CANDIDATE_STOOD
from communard.web.core.actors import record_name
from communard.web.councils.models import Delegate, OfficeHolder
from communard.web.recalls.actions.common import acting_member, now_or, ref
from communard.web.recalls.models import Petition, ReplacementCandidate, RollMember
from communard.web.records import services as record


def do_stand_for_replacement(petition: Petition, *, actor: Actor,
                             now: dt.datetime | None = None) -> ReplacementCandidate:
    now = now_or(now)
    with transaction.atomic():
        # The petition's row orders candidacies against the clock calling the vote.
        petition = (Petition.objects.select_for_update(of=("self",))
                    .select_related("federation", "delegate__member", "office_holder__member",
                                    "constituency")
                    .get(pk=petition.pk))
        member = acting_member(actor, petition.federation)
        delegate, holder = petition.delegate, petition.office_holder
        if delegate is not None:
            sits_there = Delegate.objects.filter(
                council_id=delegate.council_id, constituency_id=delegate.constituency_id,
                member=member, ended_at__isnull=True).exists()
        else:  # an office: another holder of the same office of that council
            assert holder is not None
            sits_there = OfficeHolder.objects.filter(
                council_id=holder.council_id, office=holder.office, member=member,
                ended_at__isnull=True).exists()
        recalled = delegate or holder
        check(rules.may_stand(
            petition.federation.constitution.recall, petition.state, petition.vote_opens_at,
            rules.StandingFacts(
                on_roll=RollMember.objects.filter(petition=petition, member=member).exists(),
                is_recalled_member=recalled is not None and recalled.member_id == member.pk,
                already_standing=ReplacementCandidate.objects.filter(
                    petition=petition, member=member).exists(),
                holds_a_seat_there=sits_there,
            ), now))
        candidate = ReplacementCandidate.objects.create(petition=petition, member=member,
                                                        stood_at=now)
        record.append(RECALL_CANDIDATE_STOOD, {
            **ref(petition), "candidate": record.personal(member.number),
        }, actor=record_name(actor))
    return candidate
