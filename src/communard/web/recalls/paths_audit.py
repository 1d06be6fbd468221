"""verify's audits of the two recall paths beside the petition: the replacement question's
candidacies, each standing candidate row against the ``recall.candidate_stood`` entries (a
candidate added with SQL, so that the clock would put them on the ballot, or an entry with no
row); and the assembly's recall votes, each poll of purpose ``recall-assembly`` against the
``recall.put_to_assembly`` entry that put it (a recall poll called around the meeting's rules,
from a shell, has none). Who sits afterwards is the councils audit's replay of
``delegate.vacated``, ``election.countback`` and ``recall.replacement_seated``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from communard.record import kinds as K
from communard.web.polls.models import Poll
from communard.web.recalls.models import ReplacementCandidate
from communard.web.records.audit import Divergence, audit, entries, openings


@audit
def audit_replacement_candidates() -> Iterator[Divergence]:
    found = list(entries(K.RECALL_CANDIDATE_STOOD))
    opened = openings(body.get("candidate") for _, _, body in found)
    recorded: Counter[tuple[str, int, str]] = Counter()
    where: dict[tuple[str, int, str], int] = {}
    for index, _, body in found:
        key = (str(body["federation"]), int(body["petition"]),
               str(opened.get(body["candidate"])))
        recorded[key] += 1
        where[key] = index
    held: Counter[tuple[str, int, str]] = Counter(
        (slug, petition, number) for slug, petition, number in
        ReplacementCandidate.objects.values_list("petition__federation__slug", "petition_id",
                                                 "member__number"))
    for fed, petition, number in sorted((held - recorded).elements()):
        yield Divergence("recalls_replacementcandidate",
                         f"{fed}/petition {petition}: member {number}",
                         "stands for the seat with no recorded candidacy")
    for key in sorted((recorded - held).elements()):
        fed, petition, number = key
        yield Divergence("recalls_replacementcandidate",
                         f"{fed}/petition {petition}: member {number}",
                         "stood on the record but has no candidacy row", where[key])


@audit
def audit_assembly_recalls() -> Iterator[Divergence]:
    put = {(str(body["federation"]), int(body["poll"])): index
           for index, _, body in entries(K.RECALL_PUT_TO_ASSEMBLY)}
    polls = set(Poll.objects.filter(purpose="recall-assembly")
                .values_list("federation__slug", "pk"))
    for fed, pk in sorted(polls - set(put)):
        yield Divergence("polls_poll", f"{fed}/poll {pk}",
                         "a recall vote of an assembly that no meeting put")
    for fed, pk in sorted(set(put) - polls):
        yield Divergence("polls_poll", f"{fed}/poll {pk}",
                         "put to an assembly's vote on the record but no such recall poll",
                         put[(fed, pk)])
