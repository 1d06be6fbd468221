"""The recalls audit: petitions, their signature counts and signers, and the mandates recalls
ended, against a replay of the record (``communard verify``).

A petition row added, its threshold lowered or its count raised with SQL, a signature row
inserted or a withdrawal deleted behind the record's back, or a recalled delegate's row put back
in office, each shows as a divergence naming the entry it contradicts. Seats themselves (who sits
where after a recall's countback or by-election) are the councils audit's replay, which reads
the ``delegate.vacated`` and ``office.vacated`` entries a recall appends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from communard.constitution import recall as rules
from communard.record import kinds as K
from communard.web.recalls.models import Petition, RollMember, Signature
from communard.web.records.audit import Divergence, audit, entries, openings


@dataclass
class _Replayed:
    index: int  # the entry that opened it
    federation: str
    threshold: int
    roll: int
    state: str = rules.OPEN
    signatures: int = 0
    signers: Counter[str] = field(default_factory=Counter)  # member numbers, by opening
    last: int = 0  # the last entry about it
    decided: int | None = None  # the entry that decided it


def _replay() -> tuple[dict[tuple[str, int], _Replayed], list[Divergence]]:
    found = list(entries(K.RECALL_PETITION_OPENED, K.RECALL_SIGNED, K.RECALL_SIGNATURE_WITHDRAWN,
                         K.RECALL_THRESHOLD_MET, K.RECALL_PETITION_LAPSED, K.RECALL_DECIDED,
                         K.POLL_CALLED))
    opened = openings(b.get("signer") for _, _, b in found)
    petitions: dict[tuple[str, int], _Replayed] = {}
    problems: list[Divergence] = []
    for index, kind, body in found:
        if kind == K.POLL_CALLED.name:
            # The recall vote: a poll whose subject names the petition (web/recalls/vote.py).
            if body["purpose"] != "recall" or not body["subject"].startswith("recall-petition:"):
                continue
            body = {"federation": body["federation"],
                    "petition": body["subject"].removeprefix("recall-petition:")}
        key = (str(body.get("federation")), int(body.get("petition") or 0))
        if kind == K.RECALL_PETITION_OPENED.name:
            petitions[key] = _Replayed(index, key[0], body["threshold"], body["roll"])
            continue
        p = petitions.get(key)
        if p is None:
            continue  # a decision without a petition (an assembly's vote) has no petition row
        p.last = index
        if kind in (K.RECALL_SIGNED.name, K.RECALL_SIGNATURE_WITHDRAWN.name):
            step = 1 if kind == K.RECALL_SIGNED.name else -1
            p.signers[str(opened.get(body["signer"]))] += step
            if body["signatures"] != p.signatures + step:
                problems.append(Divergence(
                    "recalls_petition", f"{key[0]}/petition {key[1]}",
                    f"the entry counts {body['signatures']} signatures; the entries before it "
                    f"give {p.signatures + step}", index))
            p.signatures += step
        elif kind == K.RECALL_THRESHOLD_MET.name:
            p.state = rules.THRESHOLD_MET
        elif kind == K.RECALL_PETITION_LAPSED.name:
            p.state = rules.LAPSED
        elif kind == K.POLL_CALLED.name:
            p.state = rules.VOTE_CALLED
        elif kind == K.RECALL_DECIDED.name:
            p.state, p.decided = str(body["outcome"]), index
    return petitions, problems


def _row(petition: Petition) -> str:
    return f"{petition.federation.slug}/petition {petition.pk}"


@audit
def audit_recalls() -> Iterator[Divergence]:
    replayed, problems = _replay()
    yield from problems
    active: dict[int, Counter[str]] = {}
    for petition_id, number in (Signature.objects.filter(withdrawal__isnull=True)
                                .values_list("petition_id", "member__number")):
        active.setdefault(petition_id, Counter())[number] += 1
    # The roll frozen at filing decides who may sign: a place added or taken away with SQL
    # changes its size, which the record filed.
    roll_sizes = dict(RollMember.objects.values_list("petition_id").annotate(n=Count("id")))
    rows = Petition.objects.select_related("federation", "delegate", "office_holder")
    for petition in rows.order_by("pk"):
        p = replayed.pop((petition.federation.slug, petition.pk), None)
        if p is None:
            yield Divergence("recalls_petition", _row(petition), "a petition no entry opened")
            continue
        yield from _compare(petition, p, active.get(petition.pk, Counter()),
                            roll_sizes.get(petition.pk, 0))
    for (fed, pk), p in sorted(replayed.items()):
        yield Divergence("recalls_petition", f"{fed}/petition {pk}",
                         "opened on the record but missing", p.index)


def _compare(petition: Petition, p: _Replayed, signers: Counter[str],
             roll_rows: int) -> Iterator[Divergence]:
    row = _row(petition)
    terms: list[tuple[str, Any, Any]] = [
        ("threshold", petition.threshold, p.threshold), ("roll_size", petition.roll_size, p.roll),
        ("the frozen roll's size", roll_rows, p.roll)]
    for name, held, recorded in terms:
        if held != recorded:
            yield Divergence("recalls_petition", row,
                             f"{name} is {held}; the record filed it with {recorded}", p.index)
    if petition.state != p.state:
        yield Divergence("recalls_petition", row,
                         f"state is {petition.state}; the record makes it {p.state}",
                         p.decided or p.last or p.index)
    if petition.signatures != p.signatures:
        yield Divergence("recalls_petition", row,
                         f"signatures is {petition.signatures}; the record counts {p.signatures}",
                         p.last or p.index)
    for number in sorted((signers - p.signers).elements()):
        yield Divergence("recalls_signature", f"{row}: member {number}",
                         "a signature no entry gave (or a withdrawal removed)", p.last or p.index)
    for number in sorted((+p.signers - signers).elements()):
        yield Divergence("recalls_signature", f"{row}: member {number}",
                         "signed on the record but no standing signature row", p.last or p.index)
    if p.state == rules.RECALLED:
        mandate = petition.delegate or petition.office_holder
        if mandate is not None and mandate.ended_at is None:
            yield Divergence("recalls_petition", row,
                             f"the record recalled {mandate} but the mandate has not ended",
                             p.decided)
