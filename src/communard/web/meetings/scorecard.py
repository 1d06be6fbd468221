"""A delegate's scorecard: the pure comparison (``constitution.mandates``) fed with the mandates
of the constituency they sit for and the roll-call votes it is given.

Roll-call votes are the polls app's own rows (``deviations.roll_calls``): the closed roll calls
on motions the delegate was on the roll of. No second copy of votes is kept here.
"""

from __future__ import annotations

from collections.abc import Sequence

from communard.constitution.mandates import Mandate as RuleMandate
from communard.constitution.mandates import RollCall, Scorecard, scorecard
from communard.web.councils.models import Delegate
from communard.web.meetings.models import Mandate


def rule_mandates(rows: Sequence[Mandate]) -> list[RuleMandate]:
    """Mandate rows as the comparison sees them: motions by id, constituencies by key."""
    return [RuleMandate(str(m.motion_id), m.constituency.key, m.rule_stance, m.binding,
                        m.adopted_at) for m in rows]


def roll_calls_for(delegate: Delegate) -> list[RollCall]:
    """The roll calls ``delegate`` was on (motions by id, delegates by member number)."""
    from communard.web.meetings.deviations import motion_polls_of, roll_calls

    return roll_calls(motion_polls_of(delegate.member))


def delegate_scorecard(delegate: Delegate, roll_calls: Sequence[RollCall]) -> Scorecard:
    """``delegate``'s verdicts on ``roll_calls`` against their constituency's mandates."""
    motions = {c.motion for c in roll_calls}
    # The constituency's mandates by its index, kept to the roll calls' motions here: a list of
    # ten thousand motion ids in the query costs more than the rows it leaves out.
    rows = [m for m in Mandate.objects.filter(constituency=delegate.constituency)
            .select_related("constituency").order_by("adopted_at", "id")
            if str(m.motion_id) in motions]
    return scorecard(delegate.member.number, rule_mandates(rows), roll_calls)
