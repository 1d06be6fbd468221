"""Recall: the constitution's ``[recall]`` section and the rules of petitions, as pure functions.

"Delegates could be recalled and replaced, easily and repeatedly": a member of the constituency
files a petition with grounds; members of that constituency, as it stood when the petition was
filed, sign it; when enough have signed within the window, a yes/no vote of the same roll decides.
Each rule here answers ``None`` (allowed) or a :class:`~communard.constitution.permissions.Refusal`
naming the rule and why, so the web layer shows the reason and the API returns it as a 4xx body.

The defaults and where each comes from are in ``docs/recall.md``. Two deserve a word here:

* **No waiting period after an election** (``after_election_days = 0``): a delegate is revocable
  "at short terms" from the day they are seated. Only a *failed* recall starts a cool-off
  (``cool_off_days = 90``), so that a minority cannot keep a delegate permanently on trial, while
  a majority that has changed its mind never has to wait.
* **Simple majority, no turnout floor** by default: the recall vote is a vote of the same roll that
  elects; a floor would let a delegate survive by asking supporters to stay home (abstention
  counting as "no"), which is the opposite of "easily". An organisation may set either.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from communard.constitution.majority import MajorityRule
from communard.constitution.membership import Change, roll
from communard.constitution.permissions import Actor, ClockActor, Refusal

#: How a vacancy left by a recall is filled: by the elections' own vacancy rule (countback or
#: by-election), one of those named, or by a replacement question on the recall ballot itself.
REPLACEMENTS = ("vacancy-rule", "countback", "by-election", "replacement-question")

#: Named majorities: the share of the yes-or-no votes that "yes" must *exceed* ("simple",
#: "absolute" of the roll is expressed with a turnout floor) or *reach* ("two-thirds").
MAJORITIES: dict[str, tuple[Fraction, bool]] = {
    "simple": (Fraction(1, 2), False),  # more than half of yes+no
    "two-thirds": (Fraction(2, 3), True),  # at least two thirds of yes+no
    "three-fifths": (Fraction(3, 5), True),
}


class RecallRulesError(ValueError):
    """The ``[recall]`` section is malformed; the message names the field."""


@dataclass(frozen=True)
class RecallRules:
    """The constitution's ``[recall]`` section, with its defaults."""

    #: Signatures needed, as a share of the constituency's members at filing (rounded up).
    threshold: Fraction = Fraction(1, 5)
    #: Days from filing in which the threshold must be met.
    window_days: int = 30
    #: The recall vote opens at most this many days after the threshold is met ...
    vote_opens_within_days: int = 7
    #: ... and stays open this many days.
    vote_days: int = 3
    #: The majority of the recall vote: "simple", "two-thirds", "three-fifths".
    majority: str = "simple"
    #: Share of the roll that must vote (yes, no or abstain) for the result to stand.
    turnout_floor: Fraction = Fraction(0)
    #: Days after a delegate takes the seat before a petition may be filed (none by default).
    after_election_days: int = 0
    #: Days after a *failed* recall vote before another petition against the same mandate.
    cool_off_days: int = 90
    #: How the recalled member's seat is filled (see :data:`REPLACEMENTS`).
    replacement: str = "vacancy-rule"
    #: A base assembly recalls its delegate by a vote at its meeting instead of by petition.
    assembly_vote: bool = False


def recall_rules_from_dict(data: Any, where: str = "recall") -> RecallRules:
    """Read a ``[recall]`` table; every error names ``where`` and the field."""
    if not isinstance(data, dict):
        raise RecallRulesError(f"{where}: must be a table")
    defaults = RecallRules()
    values: dict[str, Any] = {}
    percent = data.get("threshold_percent", defaults.threshold * 100)
    if isinstance(percent, bool) or not isinstance(percent, (int, Fraction)) or not (
        0 < percent <= 100
    ):
        raise RecallRulesError(
            f"{where}.threshold_percent: must be a whole number of percent from 1 to 100, "
            f"not {percent!r}"
        )
    values["threshold"] = Fraction(percent) / 100
    for key, low in (("window_days", 1), ("vote_opens_within_days", 0), ("vote_days", 1),
                     ("after_election_days", 0), ("cool_off_days", 0)):
        value = data.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise RecallRulesError(f"{where}.{key}: must be a whole number ≥ {low}, not {value!r}")
        values[key] = value
    majority = data.get("majority", defaults.majority)
    if not isinstance(majority, str) or majority not in MAJORITIES:
        raise RecallRulesError(
            f"{where}.majority: {majority!r} is not one of {', '.join(MAJORITIES)}"
        )
    values["majority"] = majority
    floor = data.get("turnout_floor_percent", 0)
    if isinstance(floor, bool) or not isinstance(floor, int) or not (0 <= floor <= 100):
        raise RecallRulesError(
            f"{where}.turnout_floor_percent: must be a whole number from 0 to 100, not {floor!r}"
        )
    values["turnout_floor"] = Fraction(floor, 100)
    replacement = data.get("replacement", defaults.replacement)
    if not isinstance(replacement, str) or replacement not in REPLACEMENTS:
        raise RecallRulesError(
            f"{where}.replacement: {replacement!r} is not one of {', '.join(REPLACEMENTS)}"
        )
    values["replacement"] = replacement
    if replacement == "replacement-question" and values["vote_opens_within_days"] < 1:
        # Candidates stand between the threshold and the vote's opening: with no day between
        # the two, nobody could stand and the question would always be empty.
        raise RecallRulesError(
            f"{where}.vote_opens_within_days: a replacement question needs at least 1 day for "
            f"candidates to stand before the vote opens, not {values['vote_opens_within_days']}"
        )
    assembly = data.get("assembly_vote", False)
    if not isinstance(assembly, bool):
        raise RecallRulesError(f"{where}.assembly_vote: must be true or false, not {assembly!r}")
    values["assembly_vote"] = assembly
    known = {"threshold_percent", "turnout_floor_percent", *values} - {"threshold",
                                                                        "turnout_floor"}
    unknown = set(data) - known
    if unknown:
        raise RecallRulesError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    return RecallRules(**values)


def replacement_rule(rules: RecallRules, vacancy: str) -> str:
    """How the seat is filled: the recall's own rule, or the elections' ``vacancy`` rule."""
    return vacancy if rules.replacement == "vacancy-rule" else rules.replacement


# ----------------------------------------------------------------------------- the petition


def threshold_signatures(rules: RecallRules, constituency_size: int) -> int:
    """Signatures a petition needs: the share of the constituency at filing, rounded up, and at
    least one (a petition in an empty constituency still needs its opener)."""
    return max(1, math.ceil(rules.threshold * constituency_size))


def petition_deadline(rules: RecallRules, filed_at: dt.datetime) -> dt.datetime:
    return filed_at + dt.timedelta(days=rules.window_days)


def signers_roll(changes: Iterable[Change], councils: set[int], filed_at: dt.datetime) -> set[int]:
    """Who may sign: the members of ``councils`` by the changes *recorded before the filing*
    and claiming a day no later than it (``membership.roll``'s recorded-time rule, with the
    filing as the cut-off): an admission rushed through after a petition is filed, or an
    expulsion backdated before it, changes nobody's right to sign."""
    return roll(changes, councils, filed_at.date(), filed_at)


@dataclass(frozen=True)
class MandateFacts:
    """What the rules need to know about the mandate a petition is against."""

    is_current: bool
    began_at: dt.datetime
    #: The constituency elects through its base assembly directly (a base council's delegate).
    constituency_is_base: bool
    #: The end of the last recall vote against this mandate that failed, if any.
    last_failed_recall_at: dt.datetime | None
    #: Whether a petition against it is open, met its threshold or is being voted on.
    has_open_petition: bool


def may_open_petition(rules: RecallRules, mandate: MandateFacts, *, opener_may_sign: bool,
                      grounds: str, now: dt.datetime) -> Refusal | None:
    """A member of the constituency (for an office, of the body that elected its holder) files
    a petition with grounds against a current mandate, one open petition at a time."""
    if not mandate.is_current:
        return Refusal("no-seat", "they hold no seat or office now: there is nothing to recall")
    if not opener_may_sign:
        return Refusal(
            "not-in-constituency",
            "only a member of the constituency that elected them (as it stands now, by the "
            "record) may open a petition to recall them",
        )
    problem = grounds_problem(grounds)
    if problem is not None:
        return problem
    if rules.assembly_vote and mandate.constituency_is_base:
        return Refusal(
            "recall-at-assembly",
            "this constitution has a base assembly recall its delegate by a vote at its "
            "meeting, not by petition",
        )
    if mandate.has_open_petition:
        return Refusal(
            "one-open-petition",
            "a petition to recall them is already open: sign that one",
        )
    settled_at = mandate.began_at + dt.timedelta(days=rules.after_election_days)
    if now < settled_at:
        return Refusal(
            "after-election",
            f"the constitution allows no petition until {rules.after_election_days} day(s) "
            f"after they took the seat ({settled_at.isoformat()})",
        )
    return cool_off_refusal(rules, mandate.last_failed_recall_at, now)


def cool_off_refusal(rules: RecallRules, last_failed_recall_at: dt.datetime | None,
                     now: dt.datetime) -> Refusal | None:
    """After a failed recall vote, no new one against the same mandate until the cool-off."""
    if last_failed_recall_at is not None:
        cooled = last_failed_recall_at + dt.timedelta(days=rules.cool_off_days)
        if now < cooled:
            return Refusal(
                "cool-off",
                f"a recall vote against them failed; the constitution's cool-off of "
                f"{rules.cool_off_days} day(s) ends {cooled.isoformat()}",
            )
    return None


#: The longest grounds a petition states (characters): a page of text.
MAX_GROUNDS = 2000


def grounds_problem(grounds: str) -> Refusal | None:
    """Grounds are text a person wrote: not empty, at most a page, no NUL or unpaired
    surrogate (which no database column or record entry can hold)."""
    if not grounds.strip():
        return Refusal("grounds-required", "a petition states its grounds")
    if len(grounds.strip()) > MAX_GROUNDS:
        return Refusal("grounds-too-long",
                       f"the grounds are {len(grounds.strip())} characters; at most {MAX_GROUNDS}")
    try:
        grounds.encode("utf-8")
    except UnicodeEncodeError:
        return Refusal("grounds-not-text", "the grounds contain an unpaired surrogate")
    if "\x00" in grounds:
        return Refusal("grounds-not-text", "the grounds contain a NUL character")
    return None


#: A petition's states. Open until it lapses or meets its threshold; then the vote decides.
OPEN, THRESHOLD_MET, VOTE_CALLED = "open", "threshold-met", "vote-called"
RECALLED, KEPT, LAPSED = "recalled", "kept", "lapsed"
STATES = (OPEN, THRESHOLD_MET, VOTE_CALLED, RECALLED, KEPT, LAPSED)
LIVE = (OPEN, THRESHOLD_MET, VOTE_CALLED)


@dataclass(frozen=True)
class SignerFacts:
    """One member's standing on one petition."""

    on_roll: bool  # a member of the constituency at the filing, by the record
    has_signed: bool
    has_withdrawn: bool


def may_sign(state: str, deadline: dt.datetime, signer: SignerFacts,
             now: dt.datetime) -> Refusal | None:
    if not signer.on_roll:
        return Refusal(
            "not-in-constituency",
            "only members of the constituency as it stood when the petition was filed may sign",
        )
    if signer.has_withdrawn:
        return Refusal("signature-withdrawn",
                       "you withdrew your signature from this petition; it cannot be given again")
    if signer.has_signed:
        return Refusal("already-signed", "you have already signed this petition")
    if state != OPEN:
        return Refusal("petition-not-open", f"the petition is {state}, no longer collecting")
    if now >= deadline:
        return Refusal("past-deadline",
                       f"the petition's deadline ({deadline.isoformat()}) has passed")
    return None


def may_withdraw(state: str, signer: SignerFacts) -> Refusal | None:
    """A signature may be withdrawn until the threshold is met; after that the vote decides."""
    if not signer.has_signed or signer.has_withdrawn:
        return Refusal("not-signed", "you have no signature on this petition to withdraw")
    if state != OPEN:
        return Refusal(
            "threshold-met",
            f"the petition is {state}: signatures count as given once the threshold is met",
        )
    return None


def is_threshold_met(signatures: int, threshold: int) -> bool:
    return signatures >= threshold


def is_lapsed(state: str, deadline: dt.datetime, now: dt.datetime) -> bool:
    """An open petition whose window has passed without meeting its threshold."""
    return state == OPEN and now >= deadline


# ----------------------------------------------------------------------------- the vote


def vote_calendar(rules: RecallRules, threshold_met_at: dt.datetime,
                  opens_at: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime] | Refusal:
    """When the recall vote opens and closes: by default as soon as the threshold is met (with
    a replacement question, as late as allowed, so that candidates can stand), at the latest
    ``vote_opens_within_days`` after; open ``vote_days``."""
    if opens_at is None and rules.replacement == "replacement-question":
        # Candidates for the seat stand until the vote opens: give them the whole time allowed.
        opens_at = threshold_met_at + dt.timedelta(days=rules.vote_opens_within_days)
    opens = opens_at or threshold_met_at
    latest = threshold_met_at + dt.timedelta(days=rules.vote_opens_within_days)
    if opens < threshold_met_at or opens > latest:
        return Refusal(
            "vote-calendar",
            f"the recall vote opens between the threshold ({threshold_met_at.isoformat()}) and "
            f"{rules.vote_opens_within_days} day(s) after it ({latest.isoformat()})",
        )
    return opens, opens + dt.timedelta(days=rules.vote_days)


@dataclass(frozen=True)
class VoteOutcome:
    passed: bool
    reason: str


def recall_outcome(rules: RecallRules, *, yes: int, no: int, abstain: int,
                   roll_size: int) -> VoteOutcome:
    """Whether the recall vote removes the delegate: turnout floor first, then the majority
    of the yes-or-no votes (abstentions count for turnout, not for the majority)."""
    turnout = yes + no + abstain
    if roll_size and Fraction(turnout, roll_size) < rules.turnout_floor:
        return VoteOutcome(False, f"turnout {turnout} of {roll_size} is below the floor of "
                                  f"{rules.turnout_floor * 100}%")
    share, reach = MAJORITIES[rules.majority]
    decided = yes + no
    if decided == 0:
        return VoteOutcome(False, "yes 0, no 0: nobody voted yes or no")
    got = Fraction(yes, decided)
    passed = got >= share if reach else got > share
    word = "reaches" if passed else "does not reach"
    return VoteOutcome(passed, f"yes {yes}, no {no}: {word} the {rules.majority} majority")


def vote_majority(rules: RecallRules) -> MajorityRule:
    """The recall vote's majority as the polls' rule (``constitution.majority``), the same
    decision as :func:`recall_outcome`: a share of the yes-or-no votes that "yes" must exceed
    (simple) or reach (two-thirds, three-fifths); abstentions count for turnout only."""
    share, reach = MAJORITIES[rules.majority]
    return MajorityRule(share, "yes-no", strict=not reach, name=rules.majority)


def may_decide_recall(actor: Actor) -> Refusal | None:
    """Only a recorded vote recalls or keeps a delegate: the clock closing the recall poll (or
    a base assembly's recorded meeting vote) carries its result. No operator, and no member
    alone, ends a mandate: the histories this project learns from are full of delegates
    removed "by decree"."""
    if isinstance(actor, ClockActor):
        return None
    return Refusal("recall-by-vote-only",
                   "a mandate is ended only by the result of the recall vote, carried by the clock")


# ----------------------------------------------------------------------------- the replacement


@dataclass(frozen=True)
class StandingFacts:
    """One member's standing as a replacement candidate on one petition's recall ballot."""

    on_roll: bool  # a member of the constituency at the filing (the petition's frozen roll)
    is_recalled_member: bool  # the delegate the petition would recall
    already_standing: bool
    holds_a_seat_there: bool  # already a sitting delegate of the same constituency


def may_stand(rules: RecallRules, state: str, vote_opens_at: dt.datetime | None,
              candidate: StandingFacts, now: dt.datetime) -> Refusal | None:
    """A member of the constituency stands (self-nomination, recorded) as a replacement
    candidate once the petition has met its threshold and until the recall vote opens: the
    ballot's options are fixed when the vote is called, so standing closes then."""
    if rules.replacement != "replacement-question":
        return Refusal("no-replacement-question",
                       "this constitution fills a recalled seat by "
                       f"{rules.replacement}, not by a question on the recall ballot")
    if not candidate.on_roll:
        return Refusal("not-in-constituency",
                       "only members of the constituency as it stood when the petition was "
                       "filed may stand for the seat")
    if candidate.is_recalled_member:
        return Refusal("recalled-member-stands",
                       "the member whose recall is asked (a delegate or an office-holder) "
                       "does not stand as their own replacement: a no to the recall keeps them")
    if candidate.holds_a_seat_there:
        return Refusal("already-seated", "you already hold a seat of this constituency")
    if candidate.already_standing:
        return Refusal("already-standing", "you already stand for this seat")
    if state != THRESHOLD_MET or vote_opens_at is None or now >= vote_opens_at:
        return Refusal("standing-closed",
                       "candidates stand after the petition meets its threshold and until the "
                       "recall vote opens")
    return None


# ----------------------------------------------------------------------------- at the assembly


@dataclass(frozen=True)
class AssemblyRecallFacts:
    """What the rules need to know to put "Recall <delegate>?" to a base assembly's meeting."""

    is_base_assembly: bool  # the meeting is of a base assembly
    sits_for_it: bool  # the delegate is current and sits for this assembly (its constituency)
    #: The quorum refusal of ``meetings.may_vote_now`` and the presiding one of
    #: ``meetings.may_preside``, or None: the meetings' own rules, applied as for a motion.
    quorum: Refusal | None
    presiding: Refusal | None
    has_pending_vote: bool  # a recall vote of this delegate is open already
    last_failed_recall_at: dt.datetime | None


def may_put_recall_at_assembly(rules: RecallRules, facts: AssemblyRecallFacts,
                               now: dt.datetime) -> Refusal | None:
    """With ``assembly_vote = true`` a base assembly recalls its delegate by a vote at its
    meeting (petitions against them are refused with ``recall-at-assembly``): whoever
    presides, with the quorum checked in, puts the question; a failed one starts the same
    cool-off as a failed petition's vote."""
    if not rules.assembly_vote:
        return Refusal("no-assembly-vote",
                       "this constitution recalls delegates by petition, not at a meeting")
    if not facts.is_base_assembly:
        return Refusal("not-a-base-assembly",
                       "only a base assembly recalls its delegate at its meeting")
    if not facts.sits_for_it:
        return Refusal("no-seat", "they do not sit for this assembly now")
    if facts.presiding is not None:
        return facts.presiding
    if facts.quorum is not None:
        return facts.quorum
    if facts.has_pending_vote:
        return Refusal("one-open-petition", "a recall vote of this delegate is already open")
    return cool_off_refusal(rules, facts.last_failed_recall_at, now)
