"""Poll pages: the poll (its question, calendar, rule, and after the close its result and the
reason), the ballot with a confirmation step, the receipt, the published box, the tracking-code
lookup, and a roll call's votes. They only read and call ``do_cast``; all work without
JavaScript."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from communard.constitution.calendar import Phase
from communard.constitution.permissions import MemberActor, NotAllowed
from communard.count import write_blt
from communard.web.members.models import Member
from communard.web.polls.actions.cast import do_cast
from communard.web.polls.ballot_flow import code_of_ticket, has_voted, new_ticket, with_ranks
from communard.web.polls.box import ballot_box, boxed_ballots
from communard.web.polls.choices import check_choices
from communard.web.polls.errors import AlreadyVoted, InvalidChoices, PollError
from communard.web.polls.lookup import published_choices
from communard.web.polls.models import Ballot, NamedVote, Poll, Question
from communard.web.polls.padding import as_long_as


def load(poll_id: int) -> Poll:
    return get_object_or_404(Poll.objects.select_related("federation", "electorate"), pk=poll_id)


def voter_of(request: HttpRequest, poll: Poll) -> Member | None:
    if not request.user.is_authenticated:
        return None
    return Member.objects.filter(user=request.user, federation=poll.federation).first()


def roll_call(poll: Poll) -> list[tuple[str, str, list[str]]]:
    """A named poll's votes: (member number, name, chosen labels), by member number."""
    labels = dict(poll.options.values_list("number", "label"))
    votes = NamedVote.objects.filter(entry__poll=poll).select_related("entry__member")
    return sorted((v.entry.member.number, v.entry.member.name, [labels[n] for n in v.choices])
                  for v in votes)


def poll_page(request: HttpRequest, poll_id: int) -> HttpResponse:
    poll = load(poll_id)
    result = getattr(poll, "result", None) if poll.closed_at else None
    labels = dict(poll.options.values_list("number", "label"))
    return render(request, "polls/poll.html", {
        "poll": poll, "phase": poll.phase().value, "options": poll.options.all(),
        "result": result,
        "winners": [labels[n] for n in result.winners] if result else [],
        "roll_call": [] if poll.secret else roll_call(poll),
        "me": voter_of(request, poll),
    })


def _choices_from_form(poll: Poll, post: Any) -> list[int]:
    """yes-no: one ``choice``; choose-n: the checked ``choice`` boxes; ranked: ``pref-N``."""
    if poll.question == Question.RANKED:
        ranks: dict[int, int] = {}
        for key, value in post.items():
            if key.startswith("pref-") and value.strip():
                if not (value.strip().isascii() and value.strip().isdigit()
                        and key[5:].isascii() and key[5:].isdigit()):
                    return [0]  # refused by the rule with its message
                ranks[int(value)] = int(key[5:])
        return [ranks[r] for r in sorted(ranks)]
    out: list[int] = []
    for raw in post.getlist("choice"):
        out.append(int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 0)
    return out


@login_required
@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, poll_id: int) -> HttpResponse:
    poll = load(poll_id)
    me = voter_of(request, poll)
    options = list(poll.options.all())
    phase = poll.phase()
    context: dict[str, Any] = {"poll": poll, "options": options, "errors": [], "chosen": [],
                               "phase": phase.value}
    if phase != Phase.POLL:
        context["errors"] = ["The poll is not open."]
        return render(request, "polls/vote.html", context, status=409)
    if me is None:
        context["errors"] = ["Only members of the federation vote."]
        return render(request, "polls/vote.html", context, status=403)
    if request.method == "GET":
        context["voted"] = has_voted(poll, me)  # told before, not after casting again
        return render(request, "polls/vote.html", context)
    choices = _choices_from_form(poll, request.POST)
    context["chosen"] = choices
    labels = {o.number: o.label for o in options}
    if not choices:
        context["errors"] = ["Choose at least one option."]
        return render(request, "polls/vote.html", context, status=400)
    if request.POST.get("change") == "yes":  # back from the confirmation, choices kept
        context["options"] = with_ranks(options, choices)
        return _same_length(request, "polls/vote.html", context)
    code = None
    try:
        check_choices(poll.question, len(options), poll.seats, choices)
        if request.POST.get("confirm") != "yes":
            context["labels"] = [labels[n] for n in choices]
            context["code"], context["ticket"] = new_ticket(poll, me)
            return _same_length(request, "polls/confirm.html", context)
        if "ticket" in request.POST:
            code = code_of_ticket(poll, me, request.POST["ticket"])
            if code is None:
                raise InvalidChoices("the confirmation step's tracking code was altered; "
                                     "review your vote again")
        code = do_cast(poll, me, choices, actor=MemberActor(request.user.get_username()),
                       code=code)
    except (PollError, NotAllowed) as refusal:
        context["errors"] = [str(refusal)]
        if isinstance(refusal, AlreadyVoted):
            context["voted"], context["code"] = True, code
        status = refusal.status if isinstance(refusal, PollError) else 403
        return _same_length(request, "polls/vote.html", context, status=status)
    return _same_length(request, "polls/receipt.html", {
        "poll": poll, "options": options, "code": code, "labels": [labels[n] for n in choices]})


def _same_length(request: HttpRequest, template: str, context: dict[str, Any],
                 status: int = 200) -> HttpResponse:
    """A secret poll's answer to a ballot's POST, padded (with spaces after the page) to the
    length of the same page listing every option: a response's size, in a proxy's access log
    or on the wire, must not tell which or how many options the voter chose (docs/sealing.md,
    "the operator's channels"). Rendering the widest page again costs a template's time, on
    the pages only; the API answers a code of fixed length."""
    response = render(request, template, context, status=status)
    poll: Poll = context["poll"]
    if not poll.secret:
        return response
    options = context["options"]
    every = [o.number for o in options]
    widest = render(request, template, {
        **context, "chosen": every, "labels": [o.label for o in options],
        "options": with_ranks(options, every)}, status=status)
    return as_long_as(response, widest)


def _published(poll: Poll) -> HttpResponse | None:
    if poll.closed_at is None:
        return HttpResponse("The ballot box is published when the poll closes.\n", status=409,
                            content_type="text/plain; charset=utf-8")
    return None


def box_blt(request: HttpRequest, poll_id: int) -> HttpResponse:
    """The box as BLT: ``communard count box.blt --method <the poll's method>`` recounts it."""
    poll = load(poll_id)
    if (refusal := _published(poll)) is not None:
        return refusal
    box, _ = ballot_box(poll)
    response = HttpResponse(write_blt(box, poll.seats), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="poll-{poll.pk}.blt"'
    return response


def box_csv(request: HttpRequest, poll_id: int) -> HttpResponse:
    poll = load(poll_id)
    if (refusal := _published(poll)) is not None:
        return refusal
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tracking_code", "choices"])
    for b in boxed_ballots(poll):
        writer.writerow([b.tracking_code, " ".join(str(n) for n in b.choices)])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="poll-{poll.pk}.csv"'
    return response


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, poll_id: int) -> HttpResponse:
    """Find a ballot by its tracking code, posted: a code in a URL would sit in access logs
    beside the voter's address (issue 16)."""
    poll = load(poll_id)
    code = request.POST.get("code", "").strip().upper()
    # Found in the box read whole: a query carrying the code would sit in a statement log
    # (web/polls/lookup.py).
    choices = published_choices(poll.pk, code) if poll.closed_at is not None else None
    ballot = None if choices is None else Ballot(poll=poll, tracking_code=code, choices=choices)
    labels = dict(poll.options.values_list("number", "label"))
    return render(request, "polls/track.html", {
        "poll": poll, "code": code, "ballot": ballot,
        "labels": [labels.get(n, n) for n in ballot.choices] if ballot else [],
    })
