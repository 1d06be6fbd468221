"""Councils at work: who may call a meeting, the quorum, the support a motion needs, and the
states a motion passes through (issue 17). Pure rules over plain data; the web layer passes the
facts (how many seats, who checked in, who supports) and shows each :class:`Refusal`'s reason.

A *body* is what meets: a council of delegates, or a base assembly of all its members. Its
*size* is the council's seats (the seats its constituencies hold in it) or the assembly's
active members; shares of the constitution's ``[meetings]`` section are shares of that size.

Motions follow OpenSlides' workflow, reduced to what the issue names::

    submitted → admitted → debated → voted → adopted | rejected
          ↘         ↘          ↘        ↘
                          referred

A submitted motion is admitted once it has the supporters the constitution requires; a vote
is taken only with the quorum present; an adopted motion may be forwarded to the council above
or to one beneath, where it starts again as a new, submitted motion.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any

from communard.constitution.permissions import Refusal

DEFAULT_CHAIR_OFFICE = "chair"
DEFAULT_CALL_SHARE = Fraction(1, 5)
DEFAULT_QUORUM = Fraction(1, 2)
DEFAULT_MOTION_SUPPORTERS = 2


class MeetingsError(ValueError):
    """The ``[meetings]`` section is malformed; the message names the field."""


@dataclass(frozen=True)
class MeetingRules:
    """The constitution's ``[meetings]`` section."""

    #: The council office whose holder calls the body's meetings without further support.
    chair_office: str = DEFAULT_CHAIR_OFFICE
    #: The share of the body (delegates of a council, members of an assembly) who together may
    #: call a meeting without the chair: the apparatus cannot stop a body meeting by not calling.
    call_share: Fraction = DEFAULT_CALL_SHARE
    #: The share of the body that must be checked in before any vote.
    quorum: Fraction = DEFAULT_QUORUM
    #: How many members or delegates besides the mover must support a motion to admit it.
    motion_supporters: int = DEFAULT_MOTION_SUPPORTERS
    #: The matters (declared by a motion's mover, e.g. "personnel") whose votes are secret
    #: ballots whatever the presiding member asks: a delegate voting on a colleague's dismissal
    #: by name can be pressed for that vote afterwards.
    secret_matters: frozenset[str] = frozenset()


def parse_meetings(data: Any, where: str) -> MeetingRules:
    """Read ``[meetings]``; every error names ``where`` and the field."""
    if data is None:
        return MeetingRules()
    if not isinstance(data, dict):
        raise MeetingsError(f"{where}: must be a table")
    unknown = set(data) - {"chair_office", "call_share", "quorum", "motion_supporters",
                           "secret_matters"}
    if unknown:
        raise MeetingsError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    chair = data.get("chair_office", DEFAULT_CHAIR_OFFICE)
    if not isinstance(chair, str) or not chair.strip():
        raise MeetingsError(f"{where}.chair_office: a non-empty office name, not {chair!r}")
    supporters = data.get("motion_supporters", DEFAULT_MOTION_SUPPORTERS)
    if isinstance(supporters, bool) or not isinstance(supporters, int) or supporters < 0:
        raise MeetingsError(
            f"{where}.motion_supporters: must be a whole number ≥ 0, not {supporters!r}")
    return MeetingRules(
        chair_office=chair,
        call_share=_share(data, "call_share", DEFAULT_CALL_SHARE, where),
        quorum=_share(data, "quorum", DEFAULT_QUORUM, where),
        motion_supporters=supporters,
        secret_matters=_matters(data.get("secret_matters", []), f"{where}.secret_matters"),
    )


#: A matter's name: a short lower-case word, as a motion declares it ("personnel").
MATTER = re.compile(r"[a-z][a-z0-9-]{0,39}")


def _matters(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list):
        raise MeetingsError(f"{where}: a list of matters such as [\"personnel\"], not {value!r}")
    for i, matter in enumerate(value):
        if not isinstance(matter, str) or not MATTER.fullmatch(matter):
            raise MeetingsError(f"{where}[{i}]: a matter is a lower-case word of up to 40 "
                                f"letters, digits or hyphens, not {matter!r}")
    return frozenset(value)


def is_matter(matter: str) -> bool:
    """Whether ``matter`` is a name a motion may declare ("" declares none)."""
    return matter == "" or MATTER.fullmatch(matter) is not None


def vote_is_secret(rules: MeetingRules, matter: str, *, asked: bool) -> bool:
    """A motion's vote is a secret ballot when the presiding member asks for one, and always
    when the constitution makes its matter's votes secret (nobody can choose a roll call
    for them)."""
    return asked or matter in rules.secret_matters


def _share(data: dict[str, Any], key: str, default: Fraction, where: str) -> Fraction:
    """A share written as a fraction in a string ("1/5"): exact, unlike a float."""
    raw = data.get(key)
    if raw is None:
        return default
    try:
        value = Fraction(raw) if isinstance(raw, str) else None
    except (ValueError, ZeroDivisionError):
        value = None
    if value is None or not 0 < value <= 1:
        raise MeetingsError(
            f"{where}.{key}: a share between 0 and 1 written as a fraction such as \"1/5\", "
            f"not {raw!r}")
    return value


def share_of(share: Fraction, size: int) -> int:
    """The smallest whole number of people that is at least ``share`` of ``size`` (at least 1:
    a body of none still needs someone)."""
    return max(1, math.ceil(share * size))


# ------------------------------------------------------------------ meetings


def may_call_meeting(rules: MeetingRules, *, is_chair: bool, supporters: int,
                     size: int) -> Refusal | None:
    """The chair calls a meeting; so does the constitution's share of the body, together."""
    if is_chair:
        return None
    needed = share_of(rules.call_share, size)
    if supporters >= needed:
        return None
    return Refusal(
        "meeting-call-support",
        f"a meeting is called by the chair or by {needed} of the body's {size} "
        f"({rules.call_share} of it); {supporters} asked for this one",
    )


def quorum_needed(rules: MeetingRules, size: int) -> int:
    return share_of(rules.quorum, size)


def may_vote_now(rules: MeetingRules, *, present: int, size: int) -> Refusal | None:
    """A vote is taken only with the quorum checked in."""
    needed = quorum_needed(rules, size)
    if present >= needed:
        return None
    return Refusal("quorum", f"no quorum: {present} of {size} checked in, {needed} needed "
                             f"({rules.quorum} of the body)")


def may_check_in(*, sits_in_body: bool, checked_in: bool, is_open: bool) -> Refusal | None:
    """Only the body's own delegates (or an assembly's members) check in, once, while the
    meeting is open."""
    if not is_open:
        return Refusal("meeting-closed", "the meeting is closed")
    if not sits_in_body:
        return Refusal("not-in-body", "only the body's delegates (or, at an assembly, its "
                                      "members) check in to its meeting")
    if checked_in:
        return Refusal("checked-in-twice", "already checked in to this meeting")
    return None


def may_speak(*, present: bool, is_open: bool, queued: bool) -> Refusal | None:
    """Whoever has checked in may ask for the floor once at a time."""
    if not is_open:
        return Refusal("meeting-closed", "the meeting is closed")
    if not present:
        return Refusal("speaker-not-present", "check in before asking to speak")
    if queued:
        return Refusal("speaker-queued", "already on the list of speakers")
    return None


# ------------------------------------------------------------------ motions


class MotionState(StrEnum):
    SUBMITTED = "submitted"
    ADMITTED = "admitted"
    DEBATED = "debated"
    VOTED = "voted"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    REFERRED = "referred"


S = MotionState
#: Where each state may go next. A decided motion (adopted, rejected, referred) stays decided:
#: a body that changes its mind does so by a new motion, on the record beside the old one.
NEXT: dict[MotionState, frozenset[MotionState]] = {
    S.SUBMITTED: frozenset({S.ADMITTED, S.REFERRED}),
    S.ADMITTED: frozenset({S.DEBATED, S.REFERRED}),
    S.DEBATED: frozenset({S.VOTED, S.REFERRED}),
    S.VOTED: frozenset({S.ADOPTED, S.REJECTED, S.REFERRED}),
    S.ADOPTED: frozenset(),
    S.REJECTED: frozenset(),
    S.REFERRED: frozenset(),
}
#: From here on the text is what was (or is being) voted on: no amendment, no new support.
FROZEN = frozenset({S.VOTED, S.ADOPTED, S.REJECTED, S.REFERRED})


def may_move(rules: MeetingRules, current: MotionState, to: MotionState, *, supporters: int,
             quorum: Refusal | None = None) -> Refusal | None:
    """The step ``current`` → ``to``: allowed by the workflow, with the supporters a motion
    needs to be admitted, and (``quorum``, from :func:`may_vote_now`) a quorum to vote."""
    if to not in NEXT[current]:
        allowed = ", ".join(sorted(NEXT[current])) or "nothing: it is decided"
        return Refusal("motion-state",
                       f"a {current} motion cannot become {to} (it can become {allowed})")
    if to is S.ADMITTED and supporters < rules.motion_supporters:
        return Refusal("motion-support",
                       f"a motion needs {rules.motion_supporters} supporters besides its mover "
                       f"to be admitted; it has {supporters}")
    if to is S.VOTED and quorum is not None:
        return quorum
    return None


def may_leave_vote(current: MotionState, *, poll_open: bool) -> Refusal | None:
    """While a motion's poll is open, the motion belongs to the vote: nobody moves it out of
    *voted* by hand (not even to *referred*), or a presiding member who saw the roll call going
    against them could take the motion away from the delegates before the count. The poll's
    close decides it."""
    if current is S.VOTED and poll_open:
        return Refusal("motion-being-voted", "the motion's vote is open: only its close "
                                             "decides it")
    return None


def may_support(state: MotionState, *, is_mover: bool, supported: bool,
                eligible: bool) -> Refusal | None:
    """A member of the body the motion is for (or its delegate) supports a motion once, not
    their own, before it is voted."""
    if state in FROZEN:
        return Refusal("motion-frozen", f"the motion is {state}: it takes no more support")
    if not eligible:
        return Refusal("not-in-body", "only the body's members and delegates support its "
                                      "motions")
    if is_mover:
        return Refusal("own-motion", "a mover does not support their own motion")
    if supported:
        return Refusal("supported-twice", "already a supporter of this motion")
    return None


def may_amend(state: MotionState, *, eligible: bool, target_ok: bool = True) -> Refusal | None:
    """Amendments are proposed until the vote; after it the text is settled."""
    if state in FROZEN:
        return Refusal("motion-frozen",
                       f"the motion is {state}: amendments are refused once it is voted")
    if not eligible:
        return Refusal("not-in-body", "only the body's members and delegates amend its motions")
    if not target_ok:
        return Refusal("amendment-target",
                       "an amendment changes one paragraph of the motion, or another amendment "
                       "to the same motion")
    return None


def may_forward(state: MotionState, *, is_neighbour: bool) -> Refusal | None:
    """An adopted motion goes on up or down the pyramid, one step at a time."""
    if state is not S.ADOPTED:
        return Refusal("forward-undecided", f"only an adopted motion is forwarded; this one is "
                                            f"{state}")
    if not is_neighbour:
        return Refusal("forward-neighbour", "a motion is forwarded to the council directly "
                                            "above, or to one directly beneath")
    return None


def may_adopt_mandate(*, constituency_sends_to_council: bool,
                      eligible: bool) -> Refusal | None:
    """A constituency's assembly (its members, or the delegates of a council) instructs the
    delegates it sends to the motion's council. (A mandate adopted after the vote is allowed and
    recorded, and binds nothing: ``mandates.compare``.)"""
    if not constituency_sends_to_council:
        return Refusal("mandate-constituency", "a mandate is adopted by a constituency that "
                                               "sends delegates to the motion's council")
    if not eligible:
        return Refusal("not-in-body", "only the constituency's own body adopts its mandates")
    return None


def may_preside(*, is_chair: bool, chair_sits: bool, present: bool) -> Refusal | None:
    """The chair presides (puts motions to the next step, records what the body decided, closes
    the meeting); a body whose chair is vacant is presided by any of its members checked in, so
    a vacancy never stops a body deciding."""
    if is_chair:
        return None
    if chair_sits:
        return Refusal("chair-presides", "the chair presides over this body's meetings")
    if not present:
        return Refusal("chair-presides", "the chair is vacant: whoever presides must have "
                                         "checked in to the meeting")
    return None
