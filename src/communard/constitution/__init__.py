"""The federation's domain rules as pure functions over plain data (no web framework)."""

from communard.constitution.pyramid import (
    CouncilNode,
    apportion_pyramid,
    check_tree,
    membership_totals,
    seats_by_rule,
)
from communard.constitution.rules import (
    DEFAULT_CONSTITUTION_TOML,
    Constitution,
    ConstitutionError,
    ElectionRules,
    FixedSeatsRule,
    PerMembersRule,
    Tier,
    constitution_from_dict,
    parse_constitution,
)

__all__ = [
    "DEFAULT_CONSTITUTION_TOML",
    "Constitution",
    "ConstitutionError",
    "CouncilNode",
    "ElectionRules",
    "FixedSeatsRule",
    "PerMembersRule",
    "Tier",
    "apportion_pyramid",
    "check_tree",
    "constitution_from_dict",
    "membership_totals",
    "parse_constitution",
    "seats_by_rule",
]
