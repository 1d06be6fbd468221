"""The federation's domain rules as pure functions over plain data (no web framework)."""

from communard.constitution.calendar import (
    CalendarRefusal,
    ElectionCalendar,
    ElectionState,
    Phase,
    Transition,
    due_transitions,
    phase_at,
    plan_calendar,
)
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
    "CalendarRefusal",
    "Constitution",
    "ConstitutionError",
    "CouncilNode",
    "ElectionCalendar",
    "ElectionRules",
    "ElectionState",
    "FixedSeatsRule",
    "PerMembersRule",
    "Phase",
    "Tier",
    "Transition",
    "apportion_pyramid",
    "check_tree",
    "constitution_from_dict",
    "due_transitions",
    "membership_totals",
    "parse_constitution",
    "phase_at",
    "plan_calendar",
    "seats_by_rule",
]
