"""The demo's recall with a replacement question (issue 15), under way: a petition against a
Harbour Bakery delegate has just met its threshold and a baker stands for the seat. Standing
is open until the recall ballot opens, two days later (the demo constitution's
``vote_opens_within_days``); then the server's clock calls both polls, the yes/no recall poll
and the ranked replacement poll, sealed to the demo tellers, and the demo member, a baker, can
review and cast both answers on ``/petitions/N/ballot/``. Until then the demo member can stand
too, from the petition's page.

The petition is made now, not backdated as the demo's election is: the bakery's delegates are
founding ones, seated at the import, and a petition before they took the seat is refused."""

from __future__ import annotations

from communard.web.councils.models import Delegate
from communard.web.members.models import Member

#: Demo logins that play other parts (the tellers are bakers too, and keep their part).
_PLAYERS = ["member", "delegate", "operator"]


def load_demo_replacement_recall(slug: str) -> None:
    from communard.web.demo import _own_login
    from communard.web.recalls.actions import (
        do_open_petition,
        do_sign,
        do_stand_for_replacement,
    )

    sitting = list(Delegate.objects.filter(
        constituency__federation__slug=slug, constituency__key="harbour-bakery",
        ended_at__isnull=True).exclude(member__user__username="delegate")
        .select_related("member", "constituency").order_by("member__number"))
    if not sitting:
        return  # a bakery with one delegate: the demo delegate's own recall is not the story
    target = sitting[-1]
    bakers = list(Member.objects.filter(council=target.constituency, status="active",
                                        mandates__isnull=True)
                  .exclude(user__username__in=_PLAYERS)
                  .exclude(user__username__startswith="teller").order_by("number"))
    opener, candidate, *signers = bakers
    petition = do_open_petition(
        target, grounds="Missed three assemblies running and voted on the rota unmandated.",
        actor=_own_login(opener, "baker"))
    for m in signers[:petition.threshold]:
        petition = do_sign(petition, actor=_own_login(m, "baker"))
    do_stand_for_replacement(petition, actor=_own_login(candidate, "baker"))
