"""The report-back rules: who files, about which meeting, how long."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from communard.constitution.reports import MAX_REPORT_CHARS, may_file_report, sat_for


def test_only_the_delegate_after_the_meeting_with_some_text() -> None:
    """Each condition refuses with its own rule, in the order a person would ask."""
    ok = {"is_the_delegate": True, "sat_for_meeting": True, "meeting_held": True, "length": 10}
    assert may_file_report(**ok) is None
    cases = [({"is_the_delegate": False}, "not-the-delegate"),
             ({"sat_for_meeting": False}, "not-at-meeting"),
             ({"meeting_held": False}, "meeting-not-held"),
             ({"length": 0}, "report-empty"),
             ({"length": MAX_REPORT_CHARS + 1}, "report-too-long")]
    for change, rule in cases:
        refusal = may_file_report(**{**ok, **change})
        assert refusal is not None and refusal.rule == rule


@given(st.integers(min_value=-10, max_value=3 * MAX_REPORT_CHARS))
def test_length_allowed_exactly_from_one_to_the_limit(length: int) -> None:
    """A length is allowed if and only if 1 <= length <= the limit."""
    refusal = may_file_report(is_the_delegate=True, sat_for_meeting=True, meeting_held=True,
                              length=length)
    assert (refusal is None) == (1 <= length <= MAX_REPORT_CHARS)


@given(st.floats(0, 100), st.one_of(st.none(), st.floats(0, 100)), st.floats(0, 100),
       st.floats(0, 100))
def test_seated_for_the_meeting_when_the_tenure_meets_its_span(
        began: float, ended: float | None, called: float, length: float) -> None:
    """Without a check-in, a delegate sat for the meeting iff their tenure [began, ended)
    overlaps the meeting's [called, closed]; a check-in always counts."""
    closed = called + length
    overlaps = began <= closed and (ended is None or ended > called)
    assert sat_for(attended=False, began_at=began, ended_at=ended, called_at=called,
                   closed_at=closed) == overlaps
    assert sat_for(attended=True, began_at=began, ended_at=ended, called_at=called,
                   closed_at=closed)
