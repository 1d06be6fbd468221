"""Majority rules and turnout floors: when a poll's question passes. Pure, exact functions.

A yes/no question passes when its yes votes reach the share its **majority rule** asks of a
**base**, and enough of the roll voted (the **turnout floor**). The bases, because organisations
mean different things by "a majority":

* ``yes-no``: the votes for and against (abstentions do not count either way);
* ``cast``: every ballot cast, abstentions included (an abstention counts against, in effect);
* ``roll``: everyone on the frozen roll, voting or not.

The rules, as written in a constitution (``[polls] majority = "…"``):

=====================  =====================================================================
``simple``             more yes than no (yes > ½ of yes + no)
``absolute``           more than half of the ballots cast, abstentions included
``absolute of roll``   more than half of the roll
``two-thirds``         at least two-thirds of yes + no
``p/q``                at least the share p/q of yes + no (``3/5``); ``p/q of cast`` and
                       ``p/q of roll`` take the other bases; ``more than p/q …`` is strict
=====================  =====================================================================

"More than half" is strict and a qualified share ("at least two-thirds") is not, as Robert's
Rules and most statutes word them; every threshold is computed with :class:`fractions.Fraction`
so that 2 of 3 is exactly two-thirds, never 0.6666… short of it.

The turnout floor is a share of the roll: ballots cast (abstentions included: an abstainer took
part) over the roll's size. A floor of 0 is no floor. The reason :func:`decide` gives is a
sentence a member can read: "rejected: turnout 18% is below the floor of 25%".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

__all__ = [
    "ABSOLUTE",
    "ABSOLUTE_OF_ROLL",
    "SIMPLE",
    "TWO_THIRDS",
    "Base",
    "MajorityError",
    "MajorityRule",
    "Outcome",
    "PollRule",
    "PollRules",
    "YesNoTally",
    "decide",
    "meets_floor",
    "parse_floor",
    "parse_majority",
    "percent",
    "poll_rules_from_dict",
]

Base = Literal["yes-no", "cast", "roll"]
_BASES: tuple[Base, ...] = ("yes-no", "cast", "roll")


class MajorityError(ValueError):
    """A majority rule or turnout floor that cannot be read; the message names the field."""


@dataclass(frozen=True)
class MajorityRule:
    """Yes must exceed (``strict``) or reach ``share`` of ``base``."""

    share: Fraction
    base: Base = "yes-no"
    strict: bool = False
    #: How the rule is named in a reason and on the record ("simple", "two-thirds", "3/5 of cast").
    name: str = ""

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise MajorityError(f"a majority's share lies in (0, 1], not {self.share}")
        if self.base not in _BASES:
            raise MajorityError(f"a majority's base is one of {', '.join(_BASES)}, not {self.base!r}")
        if not self.name:
            object.__setattr__(self, "name", _default_name(self))

    @property
    def text(self) -> str:
        """The rule as :func:`parse_majority` reads it back (what a poll stores and records)."""
        for name, rule in _NAMED.items():  # a rule the table names is written by its name
            if (rule.share, rule.base, rule.strict) == (self.share, self.base, self.strict):
                return name
        share = f"{self.share.numerator}/{self.share.denominator}"
        words = f"more than {share}" if self.strict else share
        return words if self.base == "yes-no" else f"{words} of {self.base}"

    def needed(self, base_size: int) -> int:
        """The fewest yes votes that pass, out of ``base_size``: never none, so a question
        nobody voted for does not pass by reaching "two thirds of nothing"."""
        threshold = self.share * base_size
        if self.strict:
            return math.floor(threshold) + 1
        return max(1, math.ceil(threshold))


def _default_name(rule: MajorityRule) -> str:
    share = f"{rule.share.numerator}/{rule.share.denominator}"
    words = f"more than {share}" if rule.strict else share
    return words if rule.base == "yes-no" else f"{words} of {rule.base}"


SIMPLE = MajorityRule(Fraction(1, 2), "yes-no", strict=True, name="simple")
ABSOLUTE = MajorityRule(Fraction(1, 2), "cast", strict=True, name="absolute")
ABSOLUTE_OF_ROLL = MajorityRule(Fraction(1, 2), "roll", strict=True, name="absolute of roll")
TWO_THIRDS = MajorityRule(Fraction(2, 3), "yes-no", strict=False, name="two-thirds")

_NAMED = {r.name: r for r in (SIMPLE, ABSOLUTE, ABSOLUTE_OF_ROLL, TWO_THIRDS)}
_SHARE = re.compile(r"(?P<more>more than )?(?P<p>[0-9]{1,6})/(?P<q>[0-9]{1,6})"
                    r"(?: of (?P<base>yes-no|cast|roll))?")


def parse_majority(text: str) -> MajorityRule:
    """A rule as a constitution writes it (see the module's table)."""
    if not isinstance(text, str):
        raise MajorityError(f"a majority rule is text such as \"simple\" or \"3/5\", not {text!r}")
    words = " ".join(text.strip().lower().split())
    if words in _NAMED:
        return _NAMED[words]
    match = _SHARE.fullmatch(words)
    if match is None:
        raise MajorityError(
            f"{text!r} is not a majority rule: write one of {', '.join(_NAMED)}, "
            "or a share such as \"3/5\", \"3/5 of cast\" or \"3/5 of roll\""
        )
    p, q = int(match["p"]), int(match["q"])
    if q == 0 or not 0 < p <= q:
        raise MajorityError(f"{text!r}: the share p/q must have 0 < p ≤ q")
    base: Base = match["base"] or "yes-no"  # type: ignore[assignment]
    return MajorityRule(Fraction(p, q), base, strict=bool(match["more"]), name=words)


def parse_floor(value: Any) -> Fraction:
    """A turnout floor: ``"1/4"``, ``"25%"``, ``"0.25"`` or a number from 0 to 1, exactly."""
    if isinstance(value, bool):
        raise MajorityError(f"a turnout floor is a share of the roll such as \"1/4\" or \"25%\", not {value!r}")
    try:
        if isinstance(value, str):
            text = value.strip()
            floor = Fraction(text[:-1].strip()) / 100 if text.endswith("%") else Fraction(text)
        elif isinstance(value, int):
            floor = Fraction(value)
        elif isinstance(value, float):
            floor = Fraction(repr(value))  # the decimal as written (0.25), not its binary value
        else:
            raise TypeError
    except (ValueError, TypeError, ZeroDivisionError):
        raise MajorityError(
            f"a turnout floor is a share of the roll such as \"1/4\" or \"25%\", not {value!r}"
        ) from None
    if not 0 <= floor <= 1:
        raise MajorityError(f"a turnout floor lies between 0 and 1 (0% and 100%), not {value!r}")
    return floor


@dataclass(frozen=True)
class YesNoTally:
    yes: int
    no: int
    abstain: int = 0

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain


@dataclass(frozen=True)
class Outcome:
    passed: bool
    reason: str


def percent(x: Fraction) -> str:
    """A share as a percentage, truncated to one decimal place (never rounded up: a turnout
    just short of its floor never reads as the floor itself)."""
    tenths = math.floor(x * 1000)
    whole, tenth = divmod(tenths, 10)
    return f"{whole}%" if tenth == 0 and x * 100 == whole else f"{whole}.{tenth}%"


def meets_floor(floor: Fraction, cast: int, roll_size: int) -> Outcome:
    """Whether ``cast`` ballots from a roll of ``roll_size`` reach the turnout floor."""
    if roll_size <= 0:
        return Outcome(False, "rejected: nobody is on the roll")
    turnout = Fraction(cast, roll_size)
    if turnout < floor:
        return Outcome(
            False, f"rejected: turnout {percent(turnout)} is below the floor of {percent(floor)}"
        )
    if floor == 0:
        return Outcome(True, f"turnout {percent(turnout)} (no floor)")
    return Outcome(True, f"turnout {percent(turnout)} reaches the floor of {percent(floor)}")


_BASE_WORDS = {
    "yes-no": "the votes for and against",
    "cast": "the ballots cast",
    "roll": "the roll",
}


def decide(rule: MajorityRule, floor: Fraction, tally: YesNoTally, roll_size: int) -> Outcome:
    """Whether a yes/no question passes, and why, in words a member can read."""
    if min(tally.yes, tally.no, tally.abstain, roll_size) < 0:
        raise MajorityError("vote counts and the roll's size are never negative")
    turnout = meets_floor(floor, tally.cast, roll_size)
    if not turnout.passed:
        return turnout
    base_size = {"yes-no": tally.yes + tally.no, "cast": tally.cast, "roll": roll_size}[rule.base]
    needed = rule.needed(base_size)
    if rule.base == "yes-no" and rule.strict and rule.share == Fraction(1, 2):
        # More than half of yes + no is exactly more yes than no, and says so more plainly.
        ok = tally.yes > tally.no
        words = "more yes than no" if ok else "not more yes than no"
    else:
        ok = tally.yes >= needed
        words = (
            f"{tally.yes} yes {'reach' if ok else 'fall short of'} the {needed} needed, "
            f"{rule.name} of {_BASE_WORDS[rule.base]} ({base_size})"
        )
    verdict = "passed" if ok else "rejected"
    return Outcome(
        ok,
        f"{verdict}: {tally.yes} yes, {tally.no} no, {tally.abstain} abstaining; {words} "
        f"({rule.name} majority); {turnout.reason}",
    )


# --------------------------------------------------------------------------- the constitution


@dataclass(frozen=True)
class PollRule:
    """The majority and the turnout floor for one purpose of poll."""

    majority: MajorityRule = SIMPLE
    turnout_floor: Fraction = Fraction(0)


@dataclass(frozen=True)
class PollRules:
    """``[polls]``: the default rule, and a rule per purpose (``[polls.recall]`` …) where the
    constitution gives one."""

    default: PollRule = PollRule()
    by_purpose: Mapping[str, PollRule] = field(default_factory=dict)

    def for_purpose(self, purpose: str) -> PollRule:
        return self.by_purpose.get(purpose, self.default)


PURPOSES = ("election", "recall", "motion", "referendum")


def _poll_rule(data: Mapping[str, Any], where: str, default: PollRule) -> PollRule:
    majority, floor = default.majority, default.turnout_floor
    if "majority" in data:
        try:
            majority = parse_majority(data["majority"])
        except MajorityError as exc:
            raise MajorityError(f"{where}.majority: {exc}") from None
    if "turnout_floor" in data:
        try:
            floor = parse_floor(data["turnout_floor"])
        except MajorityError as exc:
            raise MajorityError(f"{where}.turnout_floor: {exc}") from None
    return PollRule(majority, floor)


def poll_rules_from_dict(data: Any, where: str = "polls") -> PollRules:
    """Read ``[polls]`` (``majority``, ``turnout_floor``, and a table per purpose with the same
    two settings); each error names the field."""
    if not isinstance(data, Mapping):
        raise MajorityError(f"{where}: must be a table")
    unknown = set(data) - {"majority", "turnout_floor", *PURPOSES}
    if unknown:
        raise MajorityError(
            f"{where}: unknown setting(s) {', '.join(sorted(unknown))} (known: majority, "
            f"turnout_floor, and a table for each of {', '.join(PURPOSES)})"
        )
    default = _poll_rule(data, where, PollRule())
    by_purpose: dict[str, PollRule] = {}
    for purpose in PURPOSES:
        if purpose not in data:
            continue
        table = data[purpose]
        if not isinstance(table, Mapping):
            raise MajorityError(f"{where}.{purpose}: must be a table")
        extra = set(table) - {"majority", "turnout_floor"}
        if extra:
            raise MajorityError(
                f"{where}.{purpose}: unknown setting(s) {', '.join(sorted(extra))}"
            )
        by_purpose[purpose] = _poll_rule(table, f"{where}.{purpose}", default)
    return PollRules(default, by_purpose)
