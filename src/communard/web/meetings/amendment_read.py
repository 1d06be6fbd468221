"""Amendments as the motion page and the API show them (issue 17): each with its state, the
diff of the text it changes, its roll call (how each delegate voted) and its result; and the
motion's text as amended beside its original."""

from __future__ import annotations

from dataclasses import dataclass

from communard.constitution.amendments import AmendmentState, may_put_amendment_to_vote
from communard.constitution.meetings import may_preside, may_vote_now
from communard.web.meetings.actions._facts import chair_of, present, rules_of
from communard.web.meetings.actions.amendment_vote import amended_text, states
from communard.web.meetings.diff import Piece, word_diff
from communard.web.meetings.models import Amendment, AmendmentVote, Attendance, Meeting, Motion
from communard.web.members.models import Member
from communard.web.polls.models import Poll, Result
from communard.web.polls.views import roll_call


@dataclass(frozen=True)
class AmendmentRow:
    amendment: Amendment
    state: AmendmentState
    diff: list[Piece]
    poll: Poll | None
    #: (member number, name, chosen labels) of a roll call; empty for a secret ballot.
    roll_call: list[tuple[str, str, list[str]]]
    result: Result | None


def amendment_rows(motion: Motion) -> list[AmendmentRow]:
    state = states(motion)
    votes = {v.amendment_id: v.poll for v in AmendmentVote.objects.filter(
        amendment__motion=motion).select_related("poll")}
    results = {r.poll_id: r for r in Result.objects.filter(poll__in=list(votes.values()))}
    rows = []
    for a in motion.amendments.select_related("mover", "amends", "motion"):
        poll = votes.get(a.pk)
        rows.append(AmendmentRow(
            amendment=a, state=state[a.pk], diff=word_diff(a.original(), a.text), poll=poll,
            roll_call=roll_call(poll) if poll is not None and not poll.secret else [],
            result=results.get(poll.pk) if poll is not None else None))
    return rows


def text_as_amended(motion: Motion) -> tuple[str, list[Piece]]:
    """The motion's text as amended, and its diff against the original (empty: unchanged)."""
    text = amended_text(motion)
    return text, [] if text == motion.text else word_diff(motion.text, text)


def presides_at(member: Member | None, motion: Motion) -> list[Meeting]:
    """The open meetings of the motion's council at which ``member`` may put its amendments to
    the vote (presiding, and quorate): where the page offers the step."""
    if member is None or not motion.council.meetings.filter(called_at__isnull=False,
                                                            closed_at__isnull=True).exists():
        return []
    chairs = chair_of(motion.council)
    out = []
    for meeting in motion.council.meetings.filter(called_at__isnull=False,
                                                  closed_at__isnull=True).order_by("pk"):
        here = Attendance.objects.filter(meeting=meeting, member=member).exists()
        if may_preside(is_chair=member.pk in chairs, chair_sits=bool(chairs),
                       present=here) is None and may_put_amendment_to_vote(
                motion=motion.rule_state, state=AmendmentState.PROPOSED, amends=None,
                open_beneath=(), quorum=may_vote_now(rules_of(motion.federation),
                                                     present=present(meeting),
                                                     size=meeting.size)) is None:
            out.append(meeting)
    return out
