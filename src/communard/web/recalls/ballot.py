"""The recall ballot page: the yes/no recall question and, when the constitution asks it, the
ranked replacement question, on one page. Each answered question is one cast through the polls'
``do_cast`` (so each gets its own tracking code, and the same secrecy as any poll); a voter may
answer one and leave the other. Both casts are one transaction: a refusal of either (a choice
out of range, a vote already cast) casts neither, and the page says which question and why.

The steps are the election ballot's (``polls/views.py``, issue 16): the ballot; a review that
shows both answers and the tracking codes the casts will have, made before anything commits
(each carried to the cast in a ticket signed for that poll and voter, so a lost answer to the
cast still leaves the voter their codes); "Change my answers" back to the ballot with the
answers kept; the cast. A voter who has already voted on a question is told so on the ballot,
with the way to look the code up, before answering it again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from communard.constitution.calendar import Phase
from communard.constitution.permissions import MemberActor
from communard.web.members.models import Member
from communard.web.polls.ballot_flow import code_of_ticket, has_voted, new_ticket
from communard.web.polls.choices import check_choices
from communard.web.polls.errors import AlreadyVoted, PollError
from communard.web.polls.models import Poll
from communard.web.polls.padding import as_long_as
from communard.web.recalls import replacement
from communard.web.recalls.ballot_cast import Answer, Refused, cast_answers
from communard.web.recalls.models import Petition
from communard.web.recalls.vote import subject_of

Answers = list[tuple[Poll, list[int]]]


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


def _keep(questions: list[dict[str, Any]], answers: Answers) -> None:
    """Put the voter's answers back on the ballot's options (the way back from the review, or
    a refusal): the recall's choice checked, each candidate's rank filled in."""
    given = {poll.pk: chosen for poll, chosen in answers}
    for q in questions:
        chosen = given.get(q["poll"].pk, [])
        for o in q["options"]:
            o.kept = (chosen.index(o.number) + 1) if o.number in chosen else ""


def _checked(answers: Answers, me: Member) -> None:
    """Refuse (as :class:`Refused`) an answer to a question voted on already or a choice the
    question does not take, before the review, so the voter learns it before casting."""
    for poll, chosen in answers:
        try:
            if has_voted(poll, me):
                raise AlreadyVoted("you have already voted on this question; a vote cannot "
                                   "be changed")
            check_choices(poll.question, poll.options.count(), poll.seats, chosen)
        except PollError as refusal:
            raise Refused(poll, refusal) from None


def _review(poll: Poll, chosen: list[int], me: Member) -> dict[str, Any]:
    labels = dict(poll.options.values_list("number", "label"))
    code, ticket = new_ticket(poll, me)
    return {"poll": poll, "chosen": chosen, "labels": [labels[n] for n in chosen], "code": code,
            "ticket": ticket}


def _codes_shown(request: HttpRequest, answers: Answers, me: Member) -> list[Any]:
    """The codes the review showed for the questions this member has voted on."""
    shown = ((p, code_of_ticket(p, me, request.POST.get(f"ticket-{p.pk}", "")))
             for p, _ in answers if has_voted(p, me))
    return [(p, code) for p, code in shown if code is not None]


def _cast(request: HttpRequest, answers: Answers, me: Member) -> list[Any]:
    """Cast every answer in one transaction (``ballot_cast``), each with the code its review
    showed: a missing ticket is posted as "" and refused like an altered one."""
    casts = cast_answers([Answer(poll, chosen, request.POST.get(f"ticket-{poll.pk}", ""))
                          for poll, chosen in answers],
                         me, actor=MemberActor(request.user.get_username()))
    return [(c.poll, c.code, c.labels) for c in casts]


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
                               "questions": questions, "errors": [], "codes": [],
                               "all_voted": bool(questions) and all(q["voted"]
                                                                    for q in questions)}
    if not polls or any(p.phase() != Phase.POLL for p in polls):
        context["errors"] = ["The recall vote is not open."]
        return render(request, "recalls/ballot.html", context, status=409)
    if me is None:
        context["errors"] = ["Only members of the federation vote."]
        return render(request, "recalls/ballot.html", context, status=403)
    context["open"] = True
    if request.method == "GET":
        return render(request, "recalls/ballot.html", context)
    answers = [(p, a) for p, a in ((p, _answer(p, request.POST)) for p in polls)
               if a is not None]
    _keep(questions, answers)
    if not answers:
        context["errors"] = ["Answer at least one question."]
        return render(request, "recalls/ballot.html", context, status=400)
    if request.POST.get("change") == "yes":  # back from the review, answers kept
        return _same_length(request, "recalls/ballot.html", context)
    try:
        if request.POST.get("confirm") != "yes":
            _checked(answers, me)
            context["review"] = [_review(p, chosen, me) for p, chosen in answers]
            return _same_length(request, "recalls/ballot_confirm.html", context)
        context["codes"] = _cast(request, answers, me)
    except Refused as refused:
        context["errors"] = [f"{refused.poll.title}: {refused.reason}"]
        if isinstance(refused.cause, AlreadyVoted):
            # A second submit of a cast that went through: the codes its review showed.
            context["kept_codes"] = _codes_shown(request, answers, me)
        for q in questions:
            q["voted"] = has_voted(q["poll"], me)
        status = (refused.cause.status if isinstance(refused.cause, PollError) else 403)
        return _same_length(request, "recalls/ballot.html", context, status=status)
    return _same_length(request, "recalls/ballot_receipt.html", context)


def _same_length(request: HttpRequest, template: str, context: dict[str, Any],
                 status: int = 200) -> HttpResponse:
    """The answer as long as the same page with every option of each answered question
    chosen: its size must not tell a "yes" from a "no", or whom the voter ranked
    (web/polls/padding.py)."""
    response = render(request, template, context, status=status)
    every = {q["poll"].pk: [o.number for o in q["options"]] for q in context["questions"]}
    labels = {q["poll"].pk: [o.label for o in q["options"]] for q in context["questions"]}
    _keep(context["questions"], [(q["poll"], every[q["poll"].pk]) for q in context["questions"]])
    widest = {**context,
              "review": [{**r, "chosen": every[r["poll"].pk], "labels": labels[r["poll"].pk]}
                         for r in context.get("review", [])],
              "codes": [(p, code, labels[p.pk]) for p, code, _ in context["codes"]]}
    return as_long_as(response, render(request, template, widest, status=status))

