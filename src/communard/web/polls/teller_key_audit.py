"""The teller keys' audit (``communard verify``, issue 16).

Two holes it closes. The ``polls_tellerkey`` table is insert-only in the database, but whoever
can lift the triggers (the tables' owner) could still delete, swap or add keys: every row is
compared with the ``teller.key_registered`` entries, and each difference named with its entry.
And a poll's opening read that table: with the keys deleted beforehand it opened unsealed, on
the record as ``poll.unsealed``, with nothing to contradict it. Each ``poll.unsealed`` claim
and each ``poll.sealed`` draw is therefore checked against the keys **on the record** before
the opening's entry: too few keys must really have been registered by members of the roll,
and the drawn tellers must be the ones ``choose_tellers`` gives for the recorded keys, the
recorded nominees and the recorded root (itself checked against the log).

The threshold and the number of tellers are those of the constitution the record had adopted
before the opening's entry (``recorded_terms``), not the federation's text as it is now: a
later change of that text must not turn a refused downgrade into a plausible one.

*Limits:* the roll is read from the poll's roll rows, which the rolls audit checks against
``poll.roll_frozen``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from communard.constitution.tellers import (
    TellerDrawRefused,
    TellerRules,
    choose_tellers,
    teller_seed,
)
from communard.record import kinds as K
from communard.web.polls.models import Poll, RollEntry, TellerKey
from communard.web.polls.recorded_terms import RecordedTerms
from communard.web.records import services as record
from communard.web.records.audit import Divergence, audit, entries, openings

_TABLE, _POLLS = "polls_tellerkey", "polls_poll"

Registration = tuple[str, str, str]  # federation slug, member number, public key (hex)


Found = list[tuple[int, str, dict[str, Any]]]


def _registrations() -> tuple[list[tuple[int, Registration]], Found, Found]:
    """The keys registered on the record, in record order (with each entry's index), the
    openings of the polls (sealed or unsealed) and the platforms' namings of tellers, from one
    read of the entries."""
    found = list(entries(K.TELLER_KEY_REGISTERED, K.POLL_SEALED, K.POLL_UNSEALED,
                         K.TELLER_NAMED))
    found.sort(key=lambda e: e[0])
    opened = openings(b.get("member") for _, name, b in found
                      if name == K.TELLER_KEY_REGISTERED.name)
    keys = [(index, (str(b.get("federation")), opened.get(str(b.get("member")), "?"),
                     str(b.get("public_key"))))
            for index, name, b in found if name == K.TELLER_KEY_REGISTERED.name]
    polls = [e for e in found if e[1] in (K.POLL_SEALED.name, K.POLL_UNSEALED.name)]
    named = [e for e in found if e[1] == K.TELLER_NAMED.name]
    return keys, polls, named


def _table(recorded: list[tuple[int, Registration]]) -> Iterator[Divergence]:
    """Every row against the entries: a row no entry made, an entry whose row is gone."""
    rows = Counter(TellerKey.objects.order_by("pk").values_list(
        "member__federation__slug", "member__number", "public_key"))
    for index, registration in recorded:
        if rows[registration] > 0:
            rows[registration] -= 1
            continue
        fed, number, key = registration
        yield Divergence(_TABLE, f"member={fed}/{number}", f"the record registered key "
                         f"{key[:16]}… and its row is gone (deleted or changed)", index)
    for (fed, number, key), extra in rows.items():
        for _ in range(extra):
            yield Divergence(_TABLE, f"member={fed}/{number}", f"key {key[:16]}… was "
                             "registered by no teller.key_registered entry")


def _keys_before(recorded: list[tuple[int, Registration]], index: int, federation: str
                 ) -> dict[str, str]:
    """Each member's newest key on the record before entry ``index``, by member number."""
    keys: dict[str, str] = {}
    for at, (fed, number, key) in recorded:
        if at >= index:
            break
        if fed == federation:
            keys[number] = key
    return keys


def _named_before(named: list[tuple[int, str, dict[str, Any]]], index: int, poll: Poll
                  ) -> dict[str, str]:
    """Each platform's newest nominee for ``poll`` named on the record before entry ``index``
    (platform slug → member number)."""
    mine = [(i, b) for i, _, b in named if i < index and b.get("poll") == poll.pk
            and b.get("federation") == poll.federation.slug]
    opened = openings(b.get("member") for _, b in mine)
    return {str(b.get("platform")): opened.get(str(b.get("member")), "?") for _, b in mine}


def _opening(poll: Poll, index: int, name: str, body: dict[str, Any],
             recorded: list[tuple[int, Registration]],
             named: list[tuple[int, str, dict[str, Any]]],
             terms: RecordedTerms) -> Iterator[Divergence]:
    row = f"poll={poll.pk}"
    constitution = terms.at(poll.federation.slug, index)
    if isinstance(constitution, str):
        yield Divergence(_POLLS, row, f"its opening cannot be checked: {constitution}", index)
        return
    rules = constitution.tellers
    roll = set(RollEntry.objects.filter(poll=poll).values_list("member__number", flat=True))
    keys = {n: k for n, k in _keys_before(recorded, index, poll.federation.slug).items()
            if n in roll}
    if name == K.POLL_UNSEALED.name:
        # As the opening decides (web/polls/sealed.py), under the terms then in force.
        if len(keys) >= rules.threshold and rules.count >= 2:
            yield Divergence(_POLLS, row, f"opened unsealed for want of keys, but {len(keys)} "
                             f"member(s) of its roll had a delivery key on the record (the "
                             f"threshold in force at the opening is {rules.threshold})", index)
        return
    yield from _draw(poll, index, body, keys, _named_before(named, index, poll), rules)


def _draw(poll: Poll, index: int, body: dict[str, Any], keys: dict[str, str],
          nominees: dict[str, str], rules: TellerRules) -> Iterator[Divergence]:
    """The recorded tellers against the draw redone from the record: its keys, the platforms'
    namings (``teller.named``) before the opening, the recorded root."""
    row = f"poll={poll.pk}"
    members = body.get("members") or []
    size, root = body.get("draw_tree_size"), str(body.get("draw_root"))
    try:
        if not isinstance(size, int) or record.log().root_hash(size).hex() != root:
            yield Divergence(_POLLS, row, f"the draw's root {root[:16]}… is not the record's "
                             f"root at tree size {size}", index)
            return
    except (ValueError, IndexError, LookupError):
        yield Divergence(_POLLS, row, f"the draw's tree size {size} is not the record's", index)
        return
    opened = openings(m.get("member") for m in members)
    named = [opened.get(str(m.get("member")), "?") for m in members]
    threshold = int(body.get("threshold", 0))
    if threshold != rules.threshold:
        # Fewer tellers needed than the terms said would let fewer of them open the box.
        yield Divergence(_POLLS, row, f"sealed with a threshold of {threshold}; the "
                         f"constitution in force at the opening needs {rules.threshold}", index)
    # As the opening does (web/polls/sealed.py): n tellers, fewer if fewer members have keys.
    count = min(rules.count, len(keys))
    try:
        drawn = choose_tellers(TellerRules(count=count, threshold=threshold),
                               {p: n for p, n in nominees.items() if n in keys},
                               sorted(keys), teller_seed(bytes.fromhex(root), str(body.get("key"))))
    except (TellerDrawRefused, ValueError) as exc:
        yield Divergence(_POLLS, row, f"the tellers cannot be drawn again from the keys on the "
                         f"record: {exc}", index)
        return
    if [t.member for t in drawn] != named:
        yield Divergence(_POLLS, row, "the tellers are not those drawn from the members of "
                         "its roll with a delivery key on the record", index)
    elif [list(t.named_by) for t in drawn] != [list(m.get("named_by", [])) for m in members]:
        yield Divergence(_POLLS, row, "the tellers' namings are not the platforms' namings "
                         "on the record before the opening", index)


@audit
def audit_teller_keys() -> Iterator[Divergence]:
    recorded, opened, named = _registrations()
    terms = RecordedTerms()
    yield from _table(recorded)
    polls = {(p.federation.slug, p.pk): p for p in Poll.objects.select_related("federation")}
    for index, name, body in opened:
        poll = polls.get((str(body.get("federation")), body.get("poll")))  # type: ignore[arg-type]
        if poll is not None:  # a poll's row gone is the polls audit's finding
            yield from _opening(poll, index, name, body, recorded, named, terms)
