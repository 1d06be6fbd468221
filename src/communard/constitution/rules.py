"""A federation's constitution: versioned data with documented defaults, read from TOML.

The constitution holds the parameters the design leaves to each organisation. For now: the tiers
of the pyramid, how a council's seats are apportioned among the constituencies beneath it, and the
eligibility cut-off that freezes a ballot's voter roll. See ``docs/constitution.md``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from communard.constitution.census import CensusError, CensusRule, parse_census
from communard.constitution.majority import MajorityError, PollRules, poll_rules_from_dict
from communard.constitution.meetings import MeetingRules, MeetingsError, parse_meetings
from communard.constitution.recall import RecallRules, RecallRulesError, recall_rules_from_dict
from communard.constitution.tellers import TellerRules, parse_tellers
from communard.count import ApportionmentMethod

#: Days of membership before a poll opens that a member needs to be on its frozen roll.
DEFAULT_CUTOFF_DAYS = 30
DEFAULT_MEMBERS_PER_SEAT = 50
#: How many days before the day it is recorded a membership change may say it took effect.
DEFAULT_BACKDATE_DAYS = 7


class ConstitutionError(ValueError):
    """The constitution text is malformed or inconsistent; the message names the field."""


@dataclass(frozen=True)
class PerMembersRule:
    """One delegate per ``members_per_seat`` members (rounded down), at least ``minimum``."""

    members_per_seat: int = DEFAULT_MEMBERS_PER_SEAT
    minimum: int = 1
    kind: str = "per-members"


@dataclass(frozen=True)
class FixedSeatsRule:
    """A fixed number of seats shared among the constituencies by ``method``, at least ``minimum``."""

    seats: int
    method: ApportionmentMethod = ApportionmentMethod.SAINTE_LAGUE
    minimum: int = 1
    kind: str = "fixed"


ApportionmentRule = PerMembersRule | FixedSeatsRule


@dataclass(frozen=True)
class Tier:
    key: str
    name: str
    #: How this tier's councils share their seats among the councils beneath them. The base tier
    #: (a general assembly of members) has none.
    apportionment: ApportionmentRule | None = None


CANDIDATE_ORDERS = ("alphabetical", "random")
VACANCY_RULES = ("countback", "by-election")


@dataclass(frozen=True)
class ElectionRules:
    """How delegates and officers are elected, and how a vacant seat is filled."""

    delegate_method: str = "scottish-stv"
    office_method: str = "irv"
    #: Order of names on the ballot: alphabetical, or shuffled afresh for every voter.
    candidate_order: str = "alphabetical"
    #: countback: recount the same ballots without the departing member; by-election: a new poll.
    vacancy: str = "countback"
    #: Minimum periods, in days: a call may give longer, never shorter (``calendar.py``).
    nomination_days: int = 7
    poll_days: int = 7


@dataclass(frozen=True)
class Constitution:
    version: int
    tiers: tuple[Tier, ...]
    cutoff_days: int = DEFAULT_CUTOFF_DAYS
    backdate_days: int = DEFAULT_BACKDATE_DAYS
    elections: ElectionRules = ElectionRules()
    census: CensusRule = CensusRule()
    meetings: MeetingRules = MeetingRules()
    recall: RecallRules = RecallRules()
    polls: PollRules = PollRules()
    tellers: TellerRules = TellerRules()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def tier(self, key: str) -> Tier:
        for t in self.tiers:
            if t.key == key:
                return t
        known = ", ".join(t.key for t in self.tiers)
        raise ConstitutionError(f"unknown tier {key!r} (the constitution has: {known})")

    def level(self, key: str) -> int:
        """0 for the base tier, 1 for the tier above it, …"""
        return [t.key for t in self.tiers].index(self.tier(key).key)


def parse_constitution(text: str, *, source: str = "constitution") -> Constitution:
    """Read a constitution from TOML text; every error names ``source`` and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConstitutionError(f"{source}: not valid TOML: {exc}") from exc
    return constitution_from_dict(data, source=source)


def constitution_from_dict(data: dict[str, Any], *, source: str = "constitution") -> Constitution:
    version = data.get("version", 1)
    if not isinstance(version, int) or version < 1:
        raise ConstitutionError(f"{source}: version must be a positive integer, not {version!r}")
    raw_tiers = data.get("tiers")
    if not isinstance(raw_tiers, list) or len(raw_tiers) < 2:
        raise ConstitutionError(
            f"{source}: [[tiers]] must list at least two tiers, base first (e.g. workplace, congress)"
        )
    tiers = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_tiers, start=1):
        where = f"{source}: tiers[{n}]"
        if not isinstance(raw, dict):
            raise ConstitutionError(f"{where}: must be a table")
        key = raw.get("key")
        if not isinstance(key, str) or not key.strip():
            raise ConstitutionError(f"{where}.key: a non-empty name is required")
        if key in seen:
            raise ConstitutionError(f"{where}.key: tier {key!r} is listed twice")
        seen.add(key)
        name = raw.get("name", key)
        rule_data = raw.get("apportionment")
        if n == 1:
            if rule_data is not None:
                raise ConstitutionError(
                    f"{where}.apportionment: the base tier is a general assembly and has no seats"
                )
            rule = None
        else:
            rule = _rule(rule_data if rule_data is not None else {}, f"{where}.apportionment")
        tiers.append(Tier(key=key, name=str(name), apportionment=rule))
    eligibility = data.get("eligibility", {})
    if not isinstance(eligibility, dict):
        raise ConstitutionError(f"{source}: eligibility: must be a table")
    cutoff = eligibility.get("cutoff_days", DEFAULT_CUTOFF_DAYS)
    if not isinstance(cutoff, int) or cutoff < 0:
        raise ConstitutionError(
            f"{source}: eligibility.cutoff_days must be a whole number of days ≥ 0, not {cutoff!r}"
        )
    backdate = eligibility.get("backdate_days", DEFAULT_BACKDATE_DAYS)
    if not isinstance(backdate, int) or isinstance(backdate, bool) or backdate < 0:
        raise ConstitutionError(
            f"{source}: eligibility.backdate_days must be a whole number of days ≥ 0, "
            f"not {backdate!r}"
        )
    elections = _election_rules(data.get("elections", {}), f"{source}: elections")
    try:
        census = parse_census(data.get("seats"), f"{source}: seats")
    except CensusError as e:
        raise ConstitutionError(str(e)) from None
    try:
        meetings = parse_meetings(data.get("meetings"), f"{source}: meetings")
    except MeetingsError as e:
        raise ConstitutionError(str(e)) from None
    try:
        recall = recall_rules_from_dict(data.get("recall", {}), f"{source}: recall")
    except RecallRulesError as e:
        raise ConstitutionError(str(e)) from None
    polls = _poll_rules(data.get("polls", {}), f"{source}: polls")
    tellers = parse_tellers(data.get("tellers", {}), f"{source}: tellers")
    known = {"version", "tiers", "eligibility", "elections", "seats", "meetings", "recall", "polls",
             "tellers"}
    extra = {k: v for k, v in data.items() if k not in known}
    return Constitution(
        version=version,
        tiers=tuple(tiers),
        cutoff_days=cutoff,
        backdate_days=backdate,
        elections=elections,
        census=census,
        meetings=meetings,
        recall=recall,
        polls=polls,
        tellers=tellers,
        extra=extra,
    )


def _election_rules(data: Any, where: str) -> ElectionRules:
    from communard.count import METHODS

    if not isinstance(data, dict):
        raise ConstitutionError(f"{where}: must be a table")
    defaults = ElectionRules()
    values: dict[str, Any] = {}
    for key in ("delegate_method", "office_method"):
        method = data.get(key, getattr(defaults, key))
        if not isinstance(method, str) or method not in METHODS:  # (a list is unhashable)
            raise ConstitutionError(f"{where}.{key}: {method!r} is not one of {', '.join(METHODS)}")
        values[key] = method
    for key, options in (("candidate_order", CANDIDATE_ORDERS), ("vacancy", VACANCY_RULES)):
        value = data.get(key, getattr(defaults, key))
        if value not in options:
            raise ConstitutionError(f"{where}.{key}: {value!r} is not one of {', '.join(options)}")
        values[key] = value
    for key in ("nomination_days", "poll_days"):
        values[key] = _positive_int(data, key, where, getattr(defaults, key), 1)
    unknown = set(data) - set(values)
    if unknown:
        raise ConstitutionError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    return ElectionRules(**values)


def _poll_rules(data: Any, where: str) -> PollRules:
    try:
        return poll_rules_from_dict(data, where)
    except MajorityError as exc:
        raise ConstitutionError(str(exc)) from None


def _positive_int(data: dict[str, Any], key: str, where: str, default: int | None, low: int) -> int:
    value = data.get(key, default)
    if value is None:
        raise ConstitutionError(f"{where}.{key}: required")
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConstitutionError(f"{where}.{key}: must be a whole number ≥ {low}, not {value!r}")
    return value


def _rule(data: Any, where: str) -> ApportionmentRule:
    if not isinstance(data, dict):
        raise ConstitutionError(f"{where}: must be a table")
    kind = data.get("rule", "per-members")
    if kind == "per-members":
        return PerMembersRule(
            members_per_seat=_positive_int(
                data, "members_per_seat", where, DEFAULT_MEMBERS_PER_SEAT, 1
            ),
            minimum=_positive_int(data, "minimum", where, 1, 1),
        )
    if kind == "fixed":
        method = data.get("method", ApportionmentMethod.SAINTE_LAGUE.value)
        try:
            parsed = ApportionmentMethod(method)
        except ValueError:
            options = ", ".join(m.value for m in ApportionmentMethod)
            raise ConstitutionError(f"{where}.method: {method!r} is not one of {options}") from None
        return FixedSeatsRule(
            seats=_positive_int(data, "seats", where, None, 1),
            method=parsed,
            minimum=_positive_int(data, "minimum", where, 1, 0),
        )
    raise ConstitutionError(f"{where}.rule: {kind!r} is not 'per-members' or 'fixed'")


DEFAULT_CONSTITUTION_TOML = """\
# A Communard constitution. Every value below is a default; change what your members decide.
version = 1

[eligibility]
# A member must have been admitted at least this many days before a poll opens to vote in it.
cutoff_days = 30
# A change of membership may say it took effect at most this many days before the day it is
# recorded (and shows as backdated); it never moves anyone onto or off a roll already frozen.
backdate_days = 7

[elections]
# Counting method for delegates (multi-seat) and for a council's offices (single seat).
delegate_method = "scottish-stv"
office_method = "irv"
# Order of candidates on the ballot: "alphabetical", or "random" (shuffled for every voter).
candidate_order = "alphabetical"
# A vacant seat is filled by "countback" (recount the same ballots without the departing
# member) or by a "by-election".
vacancy = "countback"
# The shortest nomination period and poll, in days: an election may be called with longer ones.
nomination_days = 7
poll_days = 7

[[tiers]]
key = "workplace"
name = "Workplace assembly"

[[tiers]]
key = "district"
name = "District council"
apportionment = { rule = "per-members", members_per_seat = 10, minimum = 1 }

[[tiers]]
key = "congress"
name = "Congress"
apportionment = { rule = "fixed", seats = 15, method = "sainte-lague", minimum = 1 }
"""
