"""Tellers: who holds the shares of a poll's key, chosen as the constitution's ``[tellers]`` says.

Default: five tellers, any three of whom can open the box. Each platform with candidates in the
poll names one teller; the other seats are drawn by lot from the poll's frozen roll. The lot is
a pure function of public data — the roll, the nominees, and a seed derived from the record's
root hash at the roll's freeze (:func:`teller_seed`) — so anyone can redo the draw from the
record and check that the tellers are the ones it gives. Nobody, the operator included, picks
them: the root at the freeze is fixed by everything recorded before, and the roll is frozen.

The draw ranks every eligible member by SHA-256(domain ‖ seed ‖ member) and takes the lowest:
independent of the order the roll is given in, and without bias while SHA-256 is a good hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_TELLERS = 5
DEFAULT_THRESHOLD = 3
#: Every share is handed in by a person at the close; past this a teller count is a typo.
MAX_TELLERS = 255
MIN_SEED_BYTES = 16
_SEED_DOMAIN = b"communard/tellers/v1/seed\x00"
_DRAW_DOMAIN = b"communard/tellers/v1/draw\x00"


class TellerDrawRefused(ValueError):
    """The tellers cannot be chosen from what was given; the message says why."""


@dataclass(frozen=True)
class TellerRules:
    """The constitution's ``[tellers]`` section."""

    #: n: how many tellers a secret poll has, each holding one share of its key.
    count: int = DEFAULT_TELLERS
    #: t: how many of them must hand in their shares to open the box.
    threshold: int = DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Teller:
    """One chosen teller: the member (id or roll commitment) and how they were chosen."""

    member: str
    #: The platforms that named them (empty for a teller drawn by lot).
    named_by: tuple[str, ...] = ()

    @property
    def is_drawn(self) -> bool:
        return not self.named_by


def parse_tellers(data: Any, where: str) -> TellerRules:
    """Read the ``[tellers]`` table; every error names ``where`` and the field."""
    from communard.constitution.rules import ConstitutionError  # rules imports this module

    if not isinstance(data, dict):
        raise ConstitutionError(f"{where}: must be a table")
    unknown = set(data) - {"count", "threshold"}
    if unknown:
        raise ConstitutionError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    values = {}
    for key, default, low in (("count", DEFAULT_TELLERS, 2), ("threshold", DEFAULT_THRESHOLD, 2)):
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_TELLERS:
            raise ConstitutionError(
                f"{where}.{key}: must be a whole number {low}–{MAX_TELLERS}, not {value!r}"
            )
        values[key] = value
    if values["threshold"] > values["count"]:
        raise ConstitutionError(
            f"{where}.threshold: {values['threshold']} tellers cannot be found among "
            f"count = {values['count']}"
        )
    return TellerRules(count=values["count"], threshold=values["threshold"])


def teller_seed(root_hash: bytes, poll: str) -> bytes:
    """The draw's public seed: the record's root hash at the roll's freeze, bound to the poll."""
    if len(root_hash) < MIN_SEED_BYTES:
        raise TellerDrawRefused(f"a root hash of {len(root_hash)} bytes is too short to draw by")
    poll_bytes = poll.encode("utf-8")
    return hashlib.sha256(
        _SEED_DOMAIN + len(poll_bytes).to_bytes(4, "big") + poll_bytes + root_hash
    ).digest()


def choose_tellers(
    rules: TellerRules,
    nominees: Mapping[str, str],
    roll: Sequence[str],
    seed: bytes,
) -> tuple[Teller, ...]:
    """The poll's tellers: the platforms' nominees, then members drawn by lot from the roll.

    ``nominees`` maps each platform with candidates in the poll to the member it names;
    ``roll`` is the poll's frozen roll (member ids or their commitments, in any order);
    ``seed`` is :func:`teller_seed`. Nominees come first (by platform name), then the drawn
    members in draw order. Nominees hold at most ``threshold - 1`` of the seats: if more
    platforms name tellers, that many are drawn by lot among the nominees. So the nominees
    alone can never open the box — any ``threshold`` tellers include one drawn by lot from the
    roll — however many platforms one faction founds to name its own people; and no platform
    may block a poll by naming someone.
    """
    if len(seed) < MIN_SEED_BYTES:
        raise TellerDrawRefused(f"the seed must be at least {MIN_SEED_BYTES} bytes, not {len(seed)}")
    if rules.threshold > rules.count:
        raise TellerDrawRefused(
            f"the threshold ({rules.threshold}) is larger than the number of tellers ({rules.count})"
        )
    on_roll = set(roll)
    if len(on_roll) != len(roll):
        raise TellerDrawRefused("the roll lists a member twice")
    if rules.count > len(on_roll):
        raise TellerDrawRefused(
            f"the constitution asks for {rules.count} tellers but the roll has only "
            f"{len(on_roll)} member(s)"
        )
    named: dict[str, list[str]] = {}
    for platform in sorted(nominees):
        member = nominees[platform]
        if member not in on_roll:
            raise TellerDrawRefused(
                f"platform {platform!r} names {member!r} as teller, who is not on the poll's roll"
            )
        named.setdefault(member, []).append(platform)
    seats = nominee_seats(rules)
    if len(named) > seats:
        kept = set(_draw(seed, named, seats))
        named = {m: p for m, p in named.items() if m in kept}
    nominated = [Teller(m, tuple(p)) for m, p in named.items()]
    # A nominee left out of the nominees' seats is on the roll like anyone else: the lot
    # may still draw them.
    drawn = _draw(seed, on_roll - set(named), rules.count - len(named))
    return (*nominated, *(Teller(m) for m in drawn))


def nominee_seats(rules: TellerRules) -> int:
    """How many tellers platforms may name: one fewer than the threshold, so that opening the
    box always needs a teller drawn by lot."""
    return min(rules.count, rules.threshold - 1)


def _draw(seed: bytes, pool: set[str] | Mapping[str, object], k: int) -> list[str]:
    """The ``k`` members of ``pool`` with the lowest SHA-256(domain ‖ seed ‖ member)."""

    def rank(member: str) -> bytes:
        data = member.encode("utf-8")
        return hashlib.sha256(_DRAW_DOMAIN + seed + len(data).to_bytes(4, "big") + data).digest()

    return sorted(pool, key=lambda m: (rank(m), m))[:k]
