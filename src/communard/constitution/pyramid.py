"""The pyramid of councils: seats of each council apportioned among the councils beneath it.

Pure functions over plain data, so anyone can recompute a federation's seats from its recorded
membership and get the same answer the application shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from communard.constitution.rules import (
    ApportionmentRule,
    Constitution,
    ConstitutionError,
    FixedSeatsRule,
    PerMembersRule,
)
from communard.count import apportion


@dataclass(frozen=True)
class CouncilNode:
    key: str
    tier: str
    parent: str | None


def seats_by_rule(
    rule: ApportionmentRule, memberships: Sequence[int], *, seed: int = 0
) -> list[int]:
    """Seats each constituency gets in a council, in the order of ``memberships``."""
    if isinstance(rule, PerMembersRule):
        return [max(rule.minimum, m // rule.members_per_seat) for m in memberships]
    assert isinstance(rule, FixedSeatsRule)
    return list(
        apportion(memberships, rule.seats, rule.method, minimum=rule.minimum, seed=seed).seats
    )


def check_tree(constitution: Constitution, councils: Sequence[CouncilNode]) -> None:
    """Every council's parent exists and sits exactly one tier up; the top tier has no parent."""
    by_key = {c.key: c for c in councils}
    for c in councils:
        level = constitution.level(c.tier)
        top = len(constitution.tiers) - 1
        if c.parent is None:
            if level != top:
                raise ConstitutionError(
                    f"council {c.key!r} ({c.tier}) has no parent; only the top tier "
                    f"({constitution.tiers[top].key}) may stand alone"
                )
            continue
        parent = by_key.get(c.parent)
        if parent is None:
            raise ConstitutionError(
                f"council {c.key!r}: parent {c.parent!r} is not a known council"
            )
        if constitution.level(parent.tier) != level + 1:
            raise ConstitutionError(
                f"council {c.key!r} ({c.tier}) cannot sit under {parent.key!r} ({parent.tier}): "
                "a parent must be exactly one tier up"
            )
    check_seats_suffice(constitution, councils)


def check_seats_suffice(constitution: Constitution, councils: Sequence[CouncilNode]) -> None:
    """A fixed-size council has enough seats to give every constituency its minimum."""
    children: dict[str, int] = {}
    for c in councils:
        if c.parent is not None:
            children[c.parent] = children.get(c.parent, 0) + 1
    for c in councils:
        rule = constitution.tier(c.tier).apportionment
        n = children.get(c.key, 0)
        if isinstance(rule, FixedSeatsRule) and rule.minimum * n > rule.seats:
            raise ConstitutionError(
                f"council {c.key!r} has {rule.seats} seats but {n} constituencies beneath it, "
                f"each owed at least {rule.minimum}; raise the {c.tier} tier's seats or lower "
                "its minimum"
            )


def membership_totals(
    councils: Sequence[CouncilNode], base_members: Mapping[str, int]
) -> dict[str, int]:
    """Members beneath every council (a base council's own members; a higher one's, summed)."""
    totals = {c.key: 0 for c in councils}
    parents = {c.key: c.parent for c in councils}
    for key, count in base_members.items():
        node: str | None = key
        while node is not None:
            totals[node] += count
            node = parents[node]
    return totals


def apportion_pyramid(
    constitution: Constitution,
    councils: Sequence[CouncilNode],
    base_members: Mapping[str, int],
    *,
    seed: int = 0,
) -> dict[str, int]:
    """Seats each council holds in its parent council (top councils get none)."""
    check_tree(constitution, councils)
    totals = membership_totals(councils, base_members)
    children: dict[str, list[str]] = {}
    for c in councils:
        if c.parent is not None:
            children.setdefault(c.parent, []).append(c.key)
    seats: dict[str, int] = {c.key: 0 for c in councils if c.parent is None}
    for c in councils:
        below = sorted(children.get(c.key, []))
        if not below:
            continue
        rule = constitution.tier(c.tier).apportionment
        assert rule is not None  # parse_constitution guarantees every non-base tier has one
        for key, n in zip(
            below, seats_by_rule(rule, [totals[k] for k in below], seed=seed), strict=True
        ):
            seats[key] = n
    return seats
