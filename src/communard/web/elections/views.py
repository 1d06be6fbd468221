"""Election pages: the election, the ranked ballot (with a confirmation step), the receipt, the
published ballot box and the tracking-code lookup. All work without JavaScript."""

from __future__ import annotations

import csv
import hashlib
import io
import random
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from communard.constitution.permissions import MemberActor, NotAllowed
from communard.web.core.params import BadParameter, parse_count
from communard.web.councils.models import Federation
from communard.web.elections.actions import do_accept_nomination, do_nominate
from communard.web.elections.box import ballot_by_code, boxed, elected, published_blt
from communard.web.elections.errors import ElectionError
from communard.web.elections.models import Candidate, Election, Mark, Phase
from communard.web.elections.roll import constituency_of
from communard.web.members.models import Member
from communard.web.platforms.models import Platform
from communard.web.polls.actions.cast import do_cast
from communard.web.polls.errors import PollError
from communard.web.polls.models import Mark as PollMark
from communard.web.polls.models import PollSeal
from communard.web.polls.padding import as_long_as


def _load(election_id: int) -> Election:
    # Pages only read: the clock opens and closes polls (web/core/clock.py); an election whose
    # time has come shows that the clock is on its way.
    return get_object_or_404(
        Election.objects.select_related("federation", "constituency", "council"), pk=election_id
    )


def _member(request: HttpRequest, federation: Federation) -> Member | None:
    if not request.user.is_authenticated:
        return None
    return (
        Member.objects.filter(user=request.user, federation=federation)
        .select_related("council")
        .first()
    )


def election_list(request: HttpRequest, slug: str) -> HttpResponse:
    federation = get_object_or_404(Federation, slug=slug)
    elections = federation.elections.select_related("constituency", "council")
    return render(
        request, "elections/list.html", {"federation": federation, "elections": elections}
    )


def election_page(request: HttpRequest, election_id: int) -> HttpResponse:
    election = _load(election_id)
    me = _member(request, election.federation)
    phase = election.phase()
    candidates = election.candidates.select_related("member", "platform")
    if phase not in (Phase.SCHEDULED, Phase.NOMINATIONS):
        candidates = candidates.filter(number__isnull=False)
    context: dict[str, Any] = {
        "election": election,
        "phase": phase,
        "candidates": candidates,
        "me": me,
        "in_constituency": bool(me and me.is_active and constituency_of(me, election.constituency)),
        "platforms": Platform.objects.filter(federation=election.federation, members=me)
        if me
        else [],
        "has_voted": bool(me and _has_voted(election, me)),
        "my_nominations": candidates.filter(member=me, accepted=False) if me else [],
        "sealed": election.poll_id is not None
        and PollSeal.objects.filter(poll_id=election.poll_id).exists(),
    }
    if phase == Phase.CLOSED and election.has_result:
        result = election.result
        by_number = {c.number: c for c in candidates}
        context.update(
            result=result,
            winners=[by_number[n] for n in elected(election)],
            stages=_stage_rows(result.sheet, candidates),
        )
    return render(request, "elections/election.html", context)


def _has_voted(election: Election, me: Member) -> bool:
    if election.poll_id is not None:
        return PollMark.objects.filter(entry__poll_id=election.poll_id, entry__member=me).exists()
    return Mark.objects.filter(entry__election=election, entry__member=me).exists()


def _stage_rows(sheet: dict[str, Any], candidates: Any) -> dict[str, Any]:
    """The count sheet as a table: one row per candidate, one column per stage. The engine's
    JSON lists each stage's totals in candidate-number order (schema communard.count/1)."""
    stages = sheet.get("stages", [])
    rows = [
        {
            "number": c.number,
            "name": c.member.name,
            "totals": [s["totals"][c.number - 1] for s in stages],
        }
        for c in sorted(candidates, key=lambda c: c.number)
    ]
    return {"count": len(stages), "rows": rows, "raw": stages}


@login_required
@require_http_methods(["POST"])
def nominate(request: HttpRequest, election_id: int) -> HttpResponseBase:
    election = _load(election_id)
    me = _member(request, election.federation)
    if me is None:
        messages.error(request, "Only members can nominate.")
        return redirect("election", election.pk)
    try:
        accept = request.POST.get("accept")
        if accept:
            try:
                nominee_id = parse_count(accept, "the nomination to accept")
            except BadParameter as e:
                raise ElectionError(str(e)) from None
            nominee = get_object_or_404(Candidate, pk=nominee_id, election=election, member=me)
            do_accept_nomination(nominee, actor=MemberActor(request.user.get_username()))
            messages.success(request, "You have accepted your nomination.")
        else:
            number = request.POST.get("member", "").strip() or me.number
            candidate = Member.objects.filter(federation=election.federation, number=number).first()
            if candidate is None:
                raise ElectionError(f"no member with number {number!r}")
            slug = request.POST.get("platform", "").strip()
            platform = (
                Platform.objects.filter(federation=election.federation, slug=slug).first()
                if slug
                else None
            )
            do_nominate(
                election,
                candidate,
                nominated_by=me,
                platform=platform,
                statement=request.POST.get("statement", ""),
                actor=MemberActor(request.user.get_username()),
            )
            messages.success(request, f"{candidate.name} is nominated.")
    except (ElectionError, NotAllowed) as refusal:
        messages.error(request, str(refusal))
    return redirect("election", election.pk)


def _ballot_order(
    election: Election, candidates: list[Candidate], request: HttpRequest
) -> list[Candidate]:
    if election.candidate_order != "random":
        return sorted(candidates, key=lambda c: c.number or 0)
    # Random per voter, but stable for that voter across the form and its confirmation.
    seed = hashlib.sha256(
        f"{settings.SECRET_KEY}:{election.pk}:{request.user.pk}".encode()
    ).digest()
    order = list(candidates)
    random.Random(seed).shuffle(order)
    return order


def _ranking_from_form(post: Any, candidates: list[Candidate]) -> tuple[list[int], list[str]]:
    """Read 'pref-N' fields (the preference given to candidate N) into a ranking."""
    errors: list[str] = []
    chosen: dict[int, int] = {}
    for c in candidates:
        raw = post.get(f"pref-{c.number}", "").strip()
        if not raw:
            continue
        try:
            p = parse_count(raw, "a preference")  # "²" passes isdigit() but not int()
        except BadParameter:
            p = 0
        if not 1 <= p <= len(candidates):
            errors.append(
                f"{c.member.name}: “{raw}” is not a preference from 1 to {len(candidates)}"
            )
            continue
        if p in chosen:
            errors.append(f"preference {p} is given to more than one candidate")
        chosen[p] = c.number or 0
    if not chosen and not errors:
        errors.append("mark at least your first preference")
    expected = list(range(1, len(chosen) + 1))
    if not errors and sorted(chosen) != expected:
        missing = next(p for p in expected if p not in chosen)
        errors.append(
            f"preferences must run 1, 2, 3 … without gaps: preference {missing} is missing"
        )
    return [chosen[p] for p in sorted(chosen)], errors


@login_required
@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, election_id: int) -> HttpResponse:
    election = _load(election_id)
    me = _member(request, election.federation)
    candidates = list(election.candidates.filter(number__isnull=False).select_related("member"))
    ordered = _ballot_order(election, candidates, request)
    context: dict[str, Any] = {
        "election": election,
        "candidates": ordered,
        "errors": [],
        "values": {},
    }
    if election.phase() != Phase.POLL:
        context["errors"] = ["The poll is not open."]
        return render(request, "elections/ballot.html", context, status=409)
    if me is None:
        context["errors"] = ["Only members of the federation vote."]
        return render(request, "elections/ballot.html", context, status=403)
    if request.method == "GET":
        return render(request, "elections/ballot.html", context)
    ranking, errors = _ranking_from_form(request.POST, candidates)
    context["values"] = {c.number: request.POST.get(f"pref-{c.number}", "") for c in candidates}
    if errors:
        context["errors"] = errors
        return render(request, "elections/ballot.html", context, status=400)
    by_number = {c.number: c for c in candidates}
    if request.POST.get("confirm") != "yes":
        context["ranked"] = [by_number[n] for n in ranking]
        return _same_length(request, "elections/confirm.html", context, candidates)
    if election.poll is None:  # cannot be in the poll's phase without one; the row was changed
        context["errors"] = ["The poll is not open."]
        return render(request, "elections/ballot.html", context, status=409)
    try:
        # The one cast action of every poll (issue 15): the same as the API's.
        code = do_cast(election.poll, me, ranking, actor=MemberActor(request.user.get_username()))
    except PollError as refusal:
        context["errors"] = [str(refusal)]
        return _same_length(request, "elections/ballot.html", context, candidates,
                            status=refusal.status)
    except NotAllowed as refusal:
        context["errors"] = [str(refusal)]
        return _same_length(request, "elections/ballot.html", context, candidates, status=403)
    return _same_length(
        request,
        "elections/receipt.html",
        {"election": election, "code": code, "ranked": [by_number[n] for n in ranking]},
        candidates,
    )


def _same_length(request: HttpRequest, template: str, context: dict[str, Any],
                 candidates: list[Candidate], status: int = 200) -> HttpResponse:
    """The answer as long as the same page with every candidate ranked: its size must not tell
    how many, or whom, the voter ranked (web/polls/padding.py)."""
    response = render(request, template, context, status=status)
    widest = str(len(candidates))
    every = {**context, "ranked": candidates,
             "values": {c.number: widest for c in candidates}}
    return as_long_as(response, render(request, template, every, status=status))


def _closed_or_409(election: Election) -> HttpResponse | None:
    if election.closed_at is None:
        return HttpResponse(
            "The ballot box is published when the poll closes.\n",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    return None


def box_blt(request: HttpRequest, election_id: int) -> HttpResponse:
    election = _load(election_id)
    if (refusal := _closed_or_409(election)) is not None:
        return refusal
    response = HttpResponse(published_blt(election), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="election-{election.pk}.blt"'
    return response


def box_csv(request: HttpRequest, election_id: int) -> HttpResponse:
    election = _load(election_id)
    if (refusal := _closed_or_409(election)) is not None:
        return refusal
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tracking_code", "ranking"])
    for code, ranking in boxed(election):
        writer.writerow([code, " ".join(str(n) for n in ranking)])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="election-{election.pk}.csv"'
    return response


def track(request: HttpRequest, election_id: int) -> HttpResponse:
    """Find a ballot by its tracking code, posted, never in the URL (issue 16)."""
    election = _load(election_id)
    code = request.POST.get("code", "").strip().upper()
    ranking = ballot_by_code(election, code)
    names = {
        c.number: c.member.name
        for c in election.candidates.filter(number__isnull=False).select_related("member")
    }
    return render(
        request,
        "elections/track.html",
        {
            "election": election,
            "code": code,
            "ballot": ranking is not None,
            "ranked": [names.get(n, n) for n in ranking or []],
        },
    )
