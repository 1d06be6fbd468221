"""A secret poll's key at its opening, and the envelope of each cast (issue 16; the plan in
docs/sealing.md).

At the opening :func:`seal_poll` draws the tellers (``constitution.tellers``) from the members
of the frozen roll who registered a delivery key, makes the poll's key and splits it among them
(``communard.sealing``), stores each share only sealed to its teller's delivery key, and puts
the public key and the share commitments on the record (``poll.sealed``). The private key
exists only inside that call.

*Why only members with a delivery key are drawn:* a share must reach its teller without the
server keeping it readable, and the clock opens polls with nobody signed in to be shown it.
A teller who registered no key could be dealt a share only in the clear. When fewer members
than the threshold have a key the poll opens unsealed, and says so on the record
(``poll.unsealed`` with the reason) rather than not opening at all: a recall vote must not be
blocked by the members' not registering keys, and an unsealed poll is visible to every reader
of the record.
"""

from __future__ import annotations

from communard.constitution.tellers import TellerDrawRefused, choose_tellers, teller_seed
from communard.record.kinds import POLL_SEALED, POLL_UNSEALED
from communard.sealing import (
    ENVELOPE_VERSION,
    ballot_capacity,
    encode_ballot,
    make_poll_key,
    public_key_body,
    seal,
    seal_share,
)
from communard.web.members.models import Member
from communard.web.polls.actions.common import ref
from communard.web.polls.actions.name_teller import nominees
from communard.web.polls.models import Option, Poll, PollSeal, PollTeller, RollEntry, TellerKey
from communard.web.records import services as record


def key_name(poll: Poll) -> str:
    """The poll's name in its key and shares: a share of one poll never opens another's."""
    return f"{poll.federation.slug}/poll/{poll.pk}"


def seal_poll(poll: Poll) -> PollSeal | None:
    """Make a secret poll's key at its opening (its roll frozen in the same transaction)."""
    if not poll.secret:
        return None
    rules = poll.federation.constitution.tellers
    keys = roll_keys(poll)
    head_size = record.log().size()
    root = record.log().root_hash(head_size)
    if len(keys) < rules.threshold or rules.count < 2:
        _unsealed(poll, f"{len(keys)} member(s) of the roll registered a teller's delivery key; "
                  f"the constitution's threshold needs {rules.threshold}")
        return None
    try:
        drawn = choose_tellers(
            type(rules)(count=min(rules.count, len(keys)), threshold=rules.threshold),
            nominees(poll, keys), sorted(keys), teller_seed(root, key_name(poll)),
        )
    except TellerDrawRefused as exc:
        _unsealed(poll, f"the tellers could not be drawn: {exc}")
        return None
    members = {m.number: m for m in Member.objects.filter(
        federation=poll.federation, number__in=[t.member for t in drawn])}
    names = [record.personal(t.member) for t in drawn]
    split = make_poll_key(key_name(poll), names, rules.threshold)
    capacity = ballot_capacity(Option.objects.filter(poll=poll).count())
    sealed = PollSeal.objects.create(poll=poll, key_name=key_name(poll),
                                     public_key=split.public.public_key.hex(),
                                     threshold=rules.threshold, capacity=capacity)
    PollTeller.objects.bulk_create([
        PollTeller(poll=poll, member=members[t.member], index=share.index, name=share.teller,
                   commitment=share.commitment().digest, named_by=list(t.named_by),
                   sealed_share=seal_share(bytes.fromhex(keys[t.member]), share))
        for t, share in zip(drawn, split.shares, strict=True)
    ])
    body = public_key_body(split.public)
    record.append(POLL_SEALED, {
        **ref(poll), "key": body["poll"], "public_key": body["public_key"],
        "threshold": body["threshold"], "capacity": capacity,
        "envelope_version": ENVELOPE_VERSION,
        "members": [{"member": c["teller"], "index": c["index"], "commitment": c["commitment"],
                     "named_by": list(t.named_by)}
                    for c, t in zip(body["tellers"], drawn, strict=True)],
        "draw_tree_size": head_size, "draw_root": root.hex(),
    }, actor="clock")
    return sealed


def roll_keys(poll: Poll) -> dict[str, str]:
    """The delivery key (hex) of each member of the poll's roll who registered one, by member
    number: the newest registration counts (the table is insert-only)."""
    return dict(
        TellerKey.objects.filter(
            member_id__in=RollEntry.objects.filter(poll=poll).values("member_id")
        ).order_by("pk").values_list("member__number", "public_key")
    )


def _unsealed(poll: Poll, reason: str) -> None:
    record.append(POLL_UNSEALED, {**ref(poll), "reason": reason[:500]}, actor="clock")


def sealing_from(public_key: str | None, capacity: int | None) -> tuple[bytes, int] | None:
    """The poll's public key and envelope capacity as the cast reads them with the voter's
    roll entry (at every cast: a per-process cache would outlive a test database or a restored
    backup whose poll ids are reused), or None for a poll cast in the clear."""
    if public_key is None or capacity is None:
        return None
    return bytes.fromhex(public_key), capacity


def envelope(poll: Poll, sealing: tuple[bytes, int], code: str, chosen: list[int],
             options: int) -> bytes:
    """The ballot (tracking code and choices, in order) sealed to the poll's key."""
    public_key, capacity = sealing
    return seal(public_key, encode_ballot(code, chosen, options), capacity=capacity)
