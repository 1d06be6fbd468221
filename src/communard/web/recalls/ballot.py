"""The recall ballot page: the yes/no recall question and, when the constitution asks it, the
ranked replacement question, on one page. Each answered question is one cast through the polls'
``do_cast`` (so each gets its own tracking code, and the same secrecy as any poll); a voter may
answer one and leave the other. Both casts are one transaction: a refusal of either (a choice
out of range, a vote already cast) casts neither, and the page says which question and why."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from communard.constitution.calendar import Phase
from communard.constitution.permissions import MemberActor, NotAllowed
from communard.web.members.models import Member
from communard.web.polls.actions.cast import do_cast
from communard.web.polls.ballot_flow import has_voted
from communard.web.polls.choices import check_choices
from communard.web.polls.errors import PollError
from communard.web.polls.models import Poll
from communard.web.recalls import replacement
from communard.web.recalls.models import Petition
from communard.web.recalls.vote import subject_of


def _ranking(post: Any, options: int) -> list[int] | None:
    """``rank-N`` = the rank given to option N; None when no rank was given. A rank that is
    not a number gives [0], which ``check_choices`` refuses with its message."""
    ranks: dict[int, int] = {}
    for n in range(1, options + 1):
        value = post.get(f"rank-{n}", "").strip()
        if not value:
            continue
        if not (value.isascii() and value.isdigit() and len(value) < 6):
            return [0]
        if int(value) in ranks:
            return [0, 0]  # two options at one rank: refused as a repeated choice
        ranks[int(value)] = n
    return [ranks[r] for r in sorted(ranks)] or None


def _answer(poll: Poll, post: Any) -> list[int] | None:
    if poll.purpose == replacement.PURPOSE:
        return _ranking(post, poll.options.count())
    raw = post.get("recall", "")
    if not raw:
        return None
    return [int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 0]


@login_required
@require_http_methods(["GET", "POST"])
def recall_ballot(request: HttpRequest, petition_id: int) -> HttpResponse:
    petition = get_object_or_404(Petition.objects.select_related("federation", "delegate__member",
                                                                 "office_holder__member"),
                                 pk=petition_id)
    polls = list(Poll.objects.filter(federation=petition.federation,
                                     subject=subject_of(petition),
                                     purpose__in=[replacement.RECALL_PURPOSE,
                                                  replacement.PURPOSE]).order_by("pk"))
    me = Member.objects.filter(user=request.user, federation=petition.federation).first()
    questions = [{"poll": p, "options": list(p.options.all()),
                  "voted": me is not None and has_voted(p, me)} for p in polls]
    context: dict[str, Any] = {"petition": petition, "mandate": petition.mandate,
                               "questions": questions, "errors": [], "codes": []}
    if not polls or any(p.phase() != Phase.POLL for p in polls):
        context["errors"] = ["The recall vote is not open."]
        return render(request, "recalls/ballot.html", context, status=409)
    if me is None:
        context["errors"] = ["Only members of the federation vote."]
        return render(request, "recalls/ballot.html", context, status=403)
    context["open"] = True
    if request.method == "GET":
        return render(request, "recalls/ballot.html", context)
    answers = [(p, _answer(p, request.POST)) for p in polls]
    answers = [(p, a) for p, a in answers if a is not None]
    if not answers:
        context["errors"] = ["Answer at least one question."]
        return render(request, "recalls/ballot.html", context, status=400)
    actor = MemberActor(request.user.get_username())
    try:
        with transaction.atomic(durable=True):
            for poll, chosen in answers:
                try:
                    check_choices(poll.question, poll.options.count(), poll.seats, chosen)
                    code = do_cast(poll, me, chosen, actor=actor)
                except (PollError, NotAllowed) as refusal:
                    raise _Refused(poll, refusal) from None
                labels = dict(poll.options.values_list("number", "label"))
                context["codes"].append((poll, code, [labels[n] for n in chosen]))
    except _Refused as refused:
        context["codes"] = []
        context["errors"] = [f"{refused.poll.title}: {refused.reason}"]
        status = (refused.cause.status if isinstance(refused.cause, PollError) else 403)
        return render(request, "recalls/ballot.html", context, status=status)
    return render(request, "recalls/ballot_receipt.html", context)


class _Refused(Exception):
    """One question's cast refused: the transaction rolls back the other's too."""

    def __init__(self, poll: Poll, cause: PollError | NotAllowed) -> None:
        super().__init__(str(cause))
        self.poll, self.cause, self.reason = poll, cause, str(cause)
