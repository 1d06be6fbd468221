"""The close of a sealed poll (issue 16, docs/sealing.md): the key the tellers' hand-ins are
sealed to, and the opening of the box once t of them are in.

A hand-in waits in the database sealed to the close's key, whose private half lives only in
the memory of the process that runs the close (the clock's: ``communard serve``'s sealer
process or ``communard seal --follow``). A database reader holding every hand-in still holds
nothing it can open. A restart loses that key: the next round makes a new one, drops the
hand-ins sealed to the old one, and the tellers are asked again. Shares are never stored
readable, not even for a restart's sake.
"""

from __future__ import annotations

import json
import secrets
from functools import partial

from django.db import connection, transaction
from nacl.public import PrivateKey

from communard.record.kinds import POLL_BALLOT_CAST, POLL_BOX_OPENED
from communard.sealing import (
    PublicPollKey,
    SealingError,
    ShareCommitment,
    TellerShare,
    TooFewShares,
    box_digest,
    open_ballots,
    open_sealed_share,
    rebuild_key,
)
from communard.web.polls.actions.common import recorded_count, ref
from communard.web.polls.box import Opened
from communard.web.polls.close_times import CloseTimes
from communard.web.polls.errors import PollError
from communard.web.polls.models import (
    Ballot,
    ClosingKey,
    Envelope,
    HandIn,
    Mark,
    Option,
    Poll,
    PollSeal,
    PollTeller,
)
from communard.web.records import services as record

#: Which process holds a closing key's private half: this one's name, made when it starts.
HOLDER = secrets.token_hex(16)
#: The private halves this process holds, by public key (hex). Never written anywhere.
_PRIVATE: dict[str, PrivateKey] = {}


class AwaitingTellers(PollError):
    """Fewer than t tellers have handed in a valid share: the poll stays closed, uncounted."""

    status = 409

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


class BoxNotTheCasts(PollError):
    """The box's envelopes and marks are not one per cast on the record: rows were deleted or
    added behind the record's back. Nothing is opened: a box emptied down to one voter's
    envelope would publish that voter's ballot (docs/sealing.md, "the operator's channels")."""

    status = 409


def is_sealed(poll: Poll) -> bool:
    return PollSeal.objects.filter(poll=poll).exists()


def holds_closing_key(poll: Poll) -> bool:
    key = ClosingKey.objects.filter(poll=poll).values_list("public_key", flat=True).first()
    return key is not None and key in _PRIVATE


def ensure_closing_key(poll: Poll) -> ClosingKey:
    """The poll's closing key, held by this process: kept if it is, else made anew (a key made
    by a process that has since ended can open nothing, so its hand-ins are dropped)."""
    current = ClosingKey.objects.filter(poll=poll).first()
    if current is not None and current.public_key in _PRIVATE:
        return current
    dropped: set[int] = set()
    if current is not None:
        # Those who handed in to the lost key (and those still asked again since an earlier
        # restart) are told by name on the tellers' page to hand in again.
        lost = HandIn.objects.filter(teller__poll=poll)
        dropped = set(lost.values_list("teller__index", flat=True)) | set(current.dropped)
        lost.delete()
        current.delete()
    private = PrivateKey.generate()
    public = bytes(private.public_key).hex()
    _PRIVATE[public] = private
    return ClosingKey.objects.create(poll=poll, public_key=public, holder=HOLDER,
                                     dropped=sorted(dropped))


def public_poll_key(poll: Poll) -> PublicPollKey:
    seal = PollSeal.objects.get(poll=poll)
    tellers = PollTeller.objects.filter(poll=poll).order_by("index")
    return PublicPollKey(seal.key_name, bytes.fromhex(seal.public_key), seal.threshold,
                         tuple(ShareCommitment(t.name, t.index, t.commitment) for t in tellers))


def teller_label(teller: PollTeller) -> str:
    return f"teller {teller.index} ({teller.member.name})"


def open_box(poll: Poll, times: CloseTimes | None = None) -> list[Opened]:
    """Rebuild the key from the hand-ins (in memory), open every envelope, write the ballots
    in the shuffled order in one batch, record the box's opening, and drop the key and the
    hand-ins. Inside the close's transaction: a refusal leaves the poll uncounted. Returns
    the ballots as written, for the count (which need not read them back)."""
    times = times or CloseTimes()
    with times.part("rebuild"):
        shares, tellers = _handed_in(poll)
        public = public_poll_key(poll)
    try:
        with times.part("rebuild"):
            key = rebuild_key(public, shares)
    except TooFewShares:
        handed = {s.teller for s in shares}
        missing = [teller_label(t) for t in tellers if t.name not in handed]
        raise AwaitingTellers(
            f"the poll is closed and waits for its tellers: {len(handed)} of "
            f"{public.threshold} shares needed are in; not yet handed in: {', '.join(missing)}",
            missing) from None
    with times.part("read"):
        seal = PollSeal.objects.get(poll=poll)
        envelopes = [bytes(e) for e in Envelope.objects.filter(poll=poll)
                     .values_list("sealed", flat=True)]
        options = Option.objects.filter(poll=poll).count()
    with times.part("check"):
        _refuse_a_box_that_is_not_the_casts(poll, len(envelopes))
    try:
        with times.part("open"):
            opened = open_ballots(key, envelopes, capacity=seal.capacity, options=options)
    except SealingError as exc:
        raise PollError(f"the box of poll {poll.pk} cannot be opened: {exc}") from None
    finally:
        del key  # the last reference: nothing keeps the rebuilt key past the opening
    # In the shuffled order, in one batch, with no time and no id that follows the casts.
    with times.part("write"):
        write_ballots(poll, opened)
    record.append(POLL_BOX_OPENED, {
        **ref(poll), "envelopes": len(envelopes),
        "marks": Mark.objects.filter(entry__poll=poll).count(), "ballots": len(opened),
        "envelopes_sha256": box_digest(envelopes),
        "tellers": sorted(t.index for t in tellers if t.name in {s.teller for s in shares}),
    }, actor="clock")
    closing = ClosingKey.objects.filter(poll=poll).first()
    HandIn.objects.filter(teller__poll=poll).delete()
    if closing is not None:
        # Forgotten only once the close commits: a close that rolls back after the opening
        # (a recall ballot's partner poll still awaiting its tellers, recalls/replacement.py)
        # restores the hand-ins, which must still open with this key at the next try.
        transaction.on_commit(partial(_PRIVATE.pop, closing.public_key, None))
        closing.delete()
    return opened


def _refuse_a_box_that_is_not_the_casts(poll: Poll, envelopes: int) -> None:
    """Before any envelope is opened: as many envelopes and marks as casts on the record
    (sealed or queued). The record is witnessed, the rows are not: an operator who deletes
    every envelope but the target's (with the marks, so envelopes = marks still) must also
    rewrite the witnessed log to get the box opened."""
    marks = Mark.objects.filter(entry__poll=poll).count()
    casts = recorded_count(POLL_BALLOT_CAST, poll)
    if not envelopes == marks == casts:
        raise BoxNotTheCasts(
            f"the box of poll {poll.pk} is not opened: it holds {envelopes} envelope(s) and "
            f"{marks} mark(s), and the record has {casts} cast(s) in it; rows were changed "
            "behind the record's back (run communard verify)")


def write_ballots(poll: Poll, opened: list[Opened]) -> None:
    """The opened ballots, in the order given (the shuffled one), in one batch. PostgreSQL
    takes them in one ``COPY`` (100,000 rows through the ORM's ``bulk_create`` took 13.7 s
    of a 36.6 s close under load, docs/sealing.md); elsewhere ``bulk_create``. Either way
    the rows go through the table's triggers and constraints like any insert."""
    if connection.vendor != "postgresql":
        Ballot.objects.bulk_create([Ballot(tracking_code=code, poll=poll, choices=list(choices))
                                    for code, choices in opened], batch_size=5000)
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Ballot._meta.get_field(f).column)
                        for f in ("tracking_code", "poll", "choices"))
    with connection.cursor() as cursor, cursor.copy(
            f"COPY {quote(Ballot._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for code, choices in opened:
            copy.write_row((code, poll.pk, json.dumps(list(choices))))


def _handed_in(poll: Poll) -> tuple[list[TellerShare], list[PollTeller]]:
    tellers = list(PollTeller.objects.filter(poll=poll).select_related("member")
                   .order_by("index"))
    closing = ClosingKey.objects.filter(poll=poll).first()
    private = None if closing is None else _PRIVATE.get(closing.public_key)
    if private is None or closing is None:
        return [], tellers
    shares = [open_sealed_share(private, h.sealed_share)
              for h in HandIn.objects.filter(teller__poll=poll, closing_key=closing.public_key)]
    return shares, tellers
