"""``GET /api/public/state``: the governing state as the tables hold it, for anyone to compare
with a replay of the public record (``communard verify --server``).

Everything here is read from the tables, not from the record: the point is that an outsider
can set the two side by side. Where a row names a person (a sitting delegate), the state names
them the only way the public record does, by the salted commitment of the entry that seated
them, found by opening that entry's commitments with the installation's private openings. A
delegate row that no entry seated has no such commitment and is published with ``null``: the
public replay then sees a delegate the record never seated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from communard.record import kinds as K
from communard.web.councils.models import Council, Delegate, Federation
from communard.web.elections.models import Election, Result
from communard.web.polls.models import Result as PollResult
from communard.web.records.audit import entries, openings

router = Router(tags=["record"])


class CouncilState(Schema):
    key: str
    tier: str
    parent: str | None
    seats_in_parent: int


class DelegateState(Schema):
    council: str
    constituency: str
    member: str | None  # the commitment of the entry that seated them; null: none did


class FederationState(Schema):
    slug: str
    constitution: str
    councils: list[CouncilState]
    delegates: list[DelegateState]


class ResultState(Schema):
    ballots: int
    marks: int
    box_sha256: str
    seed: str
    winners: list[int]


class ElectionState(Schema):
    id: int
    federation: str
    kind: str
    constituency: str
    council: str
    office: str
    seats: int
    method: str
    poll_opens_at: str
    poll_closes_at: str
    roll_cutoff: str
    closed: bool
    result: ResultState | None


class ReportState(Schema):
    """A delegate's report-back, every version (issue 17): public, text and all."""

    federation: str
    meeting: int
    report: int
    delegate: int
    version: int
    text: str
    text_sha256: str


class PublicState(Schema):
    federations: list[FederationState]
    elections: list[ElectionState]
    reports: list[ReportState]


def _seating_commitments() -> dict[tuple[str, str, str], str]:
    """(federation, constituency, member number) -> the commitment that seated them last."""
    called = {(str(b.get("federation")), b.get("election")): b
              for _, _, b in entries(K.ELECTION_CALLED)}
    seated: list[tuple[str, str, Any]] = []
    for _, kind, body in entries(K.DELEGATE_FOUNDING, K.DELEGATES_SEATED, K.ELECTION_COUNTBACK,
                                 K.RECALL_REPLACEMENT_SEATED):
        fed = str(body.get("federation"))
        if kind == K.ELECTION_COUNTBACK.name:
            where = called.get((fed, body.get("election")), {}).get("constituency")
            seated.append((fed, str(where), body.get("successor")))
        else:
            members: Iterable[Any] = body.get("members") or [body.get("member")]
            seated += [(fed, str(body.get("constituency")), c) for c in members]
    opened = openings(c for _, _, c in seated)
    return {(fed, where, opened[c]): c for fed, where, c in seated if c in opened}


@router.get("/state", response=PublicState)
def public_state(request: HttpRequest) -> dict[str, Any]:
    """Federations (constitution, council tree, seats, sitting delegates by commitment),
    elections (calendar, result) and delegates' report-backs (every version, with its text) as
    the database holds them."""
    commitments = _seating_commitments()
    federations = []
    for fed in Federation.objects.order_by("slug"):
        councils = Council.objects.filter(federation=fed).order_by("key").values_list(
            "key", "tier", "parent__key", "seats_in_parent")
        delegates = Delegate.objects.filter(
            council__federation=fed, ended_at__isnull=True
        ).order_by("council__key", "constituency__key", "member__number").values_list(
            "council__key", "constituency__key", "member__number")
        federations.append({
            "slug": fed.slug, "constitution": fed.constitution_text,
            "councils": [{"key": k, "tier": t, "parent": p, "seats_in_parent": s}
                         for k, t, p, s in councils],
            "delegates": [{"council": c, "constituency": w,
                           "member": commitments.get((fed.slug, w, n))}
                          for c, w, n in delegates],
        })
    # An election's result is its poll's (or, for one closed before elections were polls, its
    # own row); winners as election.closed recorded them (a poll short of its floor elects no one).
    results: dict[int, tuple[Any, list[int]]] = {
        r.election_id: (r, r.winners) for r in Result.objects.defer("sheet")}
    by_poll = {r.poll_id: r for r in PollResult.objects.filter(poll__purpose="election")
               .defer("sheet")}
    elections = []
    for e in Election.objects.select_related("federation", "constituency", "council").order_by(
        "pk"
    ):
        found = results.get(e.pk)
        if e.poll_id is not None and e.poll_id in by_poll:
            p = by_poll[e.poll_id]
            found = (p, list(p.winners) if p.passed else [])
        r, winners = found if found is not None else (None, [])
        elections.append({
            "id": e.pk, "federation": e.federation.slug, "kind": e.kind,
            "constituency": e.constituency.key, "council": e.council.key, "office": e.office,
            "seats": e.seats, "method": e.method,
            "poll_opens_at": e.poll_opens_at.isoformat(),
            "poll_closes_at": e.poll_closes_at.isoformat(),
            "roll_cutoff": e.roll_cutoff.isoformat(), "closed": e.closed_at is not None,
            "result": None if r is None else {
                "ballots": r.ballots, "marks": r.marks, "box_sha256": r.box_sha256,
                "seed": r.seed, "winners": winners},
        })
    from communard.web.reports.models import Report  # an app above records: read here only

    reports = [{"federation": slug, "meeting": m, "report": pk, "delegate": d, "version": v,
                "text": text, "text_sha256": digest}
               for pk, slug, m, d, v, text, digest in Report.objects.order_by("pk").values_list(
                   "pk", "meeting__federation__slug", "meeting_id", "delegate_id", "version",
                   "text", "text_sha256")]
    return {"federations": federations, "elections": elections, "reports": reports}
