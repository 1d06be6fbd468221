"""Amendments put to the vote and folded into the motion's text (issue 17). Pure rules over
plain data; the web layer passes the facts and shows each :class:`Refusal`'s reason.

An amendment gives new text for one paragraph of a motion (numbered from 1 in the motion's
original text), or new text for another amendment of the same motion (a sub-amendment). It is
voted the way councils (and OpenSlides, whose amendments are motions with a parent and a state
of their own) handle them: a sub-amendment before the amendment it amends, every amendment
before the motion. Its states::

    proposed → voted → adopted | rejected
        ↘ lapsed (what it amends was put to the vote without it ever being put to the vote)

**The fold.** The motion's text as amended is its original paragraphs with each adopted
amendment, in the order they were adopted, replacing the paragraph it names by its own text as
amended (its adopted sub-amendments folded the same way). Two adopted amendments to the same
paragraph: the later replaces the earlier. Why: each was put to the vote with the motion page
showing the text as it then stood, so the later vote is the council's last word on that
paragraph; refusing the later one instead would let whoever gets an amendment adopted first
shut the paragraph to every other. A motion without adopted amendments keeps its text exactly
(byte for byte), so its digest is unchanged; one with any is re-joined from its paragraphs
(``paragraphs``: stripped, separated by one blank line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from communard.constitution.meetings import MotionState
from communard.constitution.permissions import Refusal


class AmendmentState(StrEnum):
    PROPOSED = "proposed"
    VOTED = "voted"  # its poll is open
    ADOPTED = "adopted"
    REJECTED = "rejected"
    LAPSED = "lapsed"


DECIDED = frozenset({AmendmentState.ADOPTED, AmendmentState.REJECTED, AmendmentState.LAPSED})


@dataclass(frozen=True)
class Change:
    """An adopted amendment: new ``text`` for ``paragraph`` of the motion, or for the amendment
    ``amends`` (exactly one of the two is set)."""

    id: int
    paragraph: int | None
    amends: int | None
    text: str


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs: separated by blank lines, stripped, empty ones dropped."""
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def amended(amendment: Change, adopted: Sequence[Change]) -> str:
    """``amendment``'s text as amended by its adopted sub-amendments (``adopted`` in adoption
    order: the last adopted replaces, and is itself folded first)."""
    children = [c for c in adopted if c.amends == amendment.id and c.id != amendment.id]
    if not children:
        return amendment.text
    return amended(children[-1], [c for c in adopted if c.id != amendment.id])


def fold(text: str, adopted: Sequence[Change]) -> str:
    """The motion's ``text`` as amended by the ``adopted`` amendments, in adoption order."""
    to_paragraphs = [c for c in adopted if c.paragraph is not None]
    if not to_paragraphs:
        return text
    paras = paragraphs(text)
    for change in to_paragraphs:
        assert change.paragraph is not None
        if 1 <= change.paragraph <= len(paras):
            paras[change.paragraph - 1] = amended(change, adopted).strip()
    return "\n\n".join(paras)


def may_put_amendment_to_vote(*, motion: MotionState, state: AmendmentState,
                              amends: AmendmentState | None, open_beneath: Sequence[int],
                              quorum: Refusal | None) -> Refusal | None:
    """An amendment is put to the vote once, in its motion's debate (before the motion is
    voted), while what it amends is not yet put to the vote, with none of its own
    sub-amendments' votes still open, and with the quorum checked in (``quorum``, from
    ``meetings.may_vote_now``)."""
    if motion is not MotionState.DEBATED:
        return Refusal("amendment-motion-state",
                       f"amendments are voted in the motion's debate; the motion is {motion}")
    if state is not AmendmentState.PROPOSED:
        return Refusal("amendment-state", f"the amendment is {state}: it is put to the vote once")
    if amends is not None and amends is not AmendmentState.PROPOSED:
        return Refusal("amendment-target-voted",
                       f"the amendment it amends is {amends}: a sub-amendment is voted before it")
    return votes_open(open_beneath) or quorum


def votes_open(open_beneath: Sequence[int]) -> Refusal | None:
    """Nothing is put to the vote while a vote on one of its amendments is still open: that
    vote decides the text first (the ones never put to the vote lapse instead)."""
    if not open_beneath:
        return None
    names = ", ".join(str(n) for n in sorted(open_beneath))
    return Refusal("amendment-votes-open",
                   f"the vote on amendment(s) {names} is still open: it decides the text first")


def may_amend_amendment(target: AmendmentState) -> Refusal | None:
    """An amendment is amended only until it is put to the vote: from then on its text is what
    is (or was) voted on."""
    if target is AmendmentState.PROPOSED:
        return None
    return Refusal("amendment-target-voted",
                   f"the amendment is {target}: it takes no more amendments")
