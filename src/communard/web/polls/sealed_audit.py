"""The sealed polls' audit (``communard verify``, issue 16): each sealed poll's key and
tellers against its ``poll.sealed`` entry, and its box against ``poll.box_opened``:
envelopes = marks before the close, envelopes = marks = ballots after it, the envelopes'
digest as recorded, and no plaintext ballot in a sealed poll the record never opened."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from communard.record import kinds as K
from communard.sealing import box_digest
from communard.web.polls.models import Ballot, Envelope, Mark, Poll, PollSeal, PollTeller
from communard.web.records.audit import Divergence, audit, entries

_SEAL, _TELLER, _ENVELOPE, _BALLOT = ("polls_pollseal", "polls_pollteller", "polls_envelope",
                                      "polls_ballot")


def _by_poll(kind: K.Kind[Any]) -> dict[tuple[str, int], tuple[int, dict[str, Any]]]:
    found: dict[tuple[str, int], tuple[int, dict[str, Any]]] = {}
    for index, _, body in entries(kind):
        found.setdefault((str(body.get("federation")), body.get("poll")), (index, body))
    return found


def _key(poll: Poll, seal: PollSeal | None, sealed: tuple[int, dict[str, Any]] | None
         ) -> Iterator[Divergence]:
    row = f"poll={poll.pk}"
    if sealed is None:
        if seal is not None:
            yield Divergence(_SEAL, row, "a poll key no poll.sealed entry made")
        return
    index, body = sealed
    if seal is None:
        yield Divergence(_SEAL, row, "the record sealed this poll but its key row is gone",
                         index)
        return
    for field, value in (("public_key", seal.public_key), ("threshold", seal.threshold),
                         ("capacity", seal.capacity), ("key", seal.key_name)):
        if body.get(field) != value:
            yield Divergence(_SEAL, row, f"{field} is {value!r}; the record made "
                             f"{body.get(field)!r}", index)
    recorded = {t["index"]: t["commitment"] for t in body.get("members", [])}
    stored = dict(PollTeller.objects.filter(poll=poll).values_list("index", "commitment"))
    if stored != recorded:
        yield Divergence(_TELLER, row, "the tellers' share commitments are not those the "
                         "record made at the opening", index)


def _box(poll: Poll, opened: tuple[int, dict[str, Any]] | None) -> Iterator[Divergence]:
    row = f"poll={poll.pk}"
    envelopes = [bytes(e) for e in Envelope.objects.filter(poll=poll)
                 .values_list("sealed", flat=True)]
    marks = Mark.objects.filter(entry__poll=poll).count()
    ballots = Ballot.objects.filter(poll=poll).count()
    if opened is None:
        if len(envelopes) != marks:
            yield Divergence(_ENVELOPE, row, f"{len(envelopes)} envelope(s) for {marks} mark(s)")
        if ballots:
            yield Divergence(_BALLOT, row, f"{ballots} plaintext ballot(s) in a sealed poll the "
                             "record never opened")
        return
    index, body = opened
    counts = {"envelopes": len(envelopes), "marks": marks, "ballots": ballots}
    for field, value in counts.items():
        if body.get(field) != value:
            yield Divergence(_ENVELOPE if field == "envelopes" else _BALLOT, row,
                             f"{value} {field}; the record opened the box with "
                             f"{body.get(field)}", index)
    if not body.get("envelopes") == body.get("marks") == body.get("ballots"):
        yield Divergence(_ENVELOPE, row, "the record's box did not have one envelope and one "
                         "ballot per mark", index)
    if box_digest(envelopes) != body.get("envelopes_sha256"):
        yield Divergence(_ENVELOPE, row, "the envelopes are not those the record opened (their "
                         "digest differs)", index)


@audit
def audit_sealed_polls() -> Iterator[Divergence]:
    sealed, opened = _by_poll(K.POLL_SEALED), _by_poll(K.POLL_BOX_OPENED)
    seals: dict[int, PollSeal] = {s.poll_id: s for s in PollSeal.objects.all()}
    for poll in Poll.objects.select_related("federation").order_by("pk"):
        key = (poll.federation.slug, poll.pk)
        seal = seals.get(poll.pk)
        yield from _key(poll, seal, sealed.get(key))
        if seal is not None or key in sealed:
            yield from _box(poll, opened.get(key))
