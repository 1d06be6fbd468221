"""Report-back documents through their action: filed by the delegate on a closed meeting,
corrected by new versions, each on the record; every refusal changes nothing; the database
refuses edits, and verify names an edit made behind the record's back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from communard.constitution.permissions import NotAllowed
from communard.constitution.reports import MAX_REPORT_CHARS
from communard.web.core.writeonce import Immutable
from communard.web.councils.models import Federation
from communard.web.meetings.models import text_digest
from communard.web.records import audit as audits
from communard.web.reports.actions import do_file_report
from communard.web.reports.audit import audit_reports
from communard.web.reports.models import Report
from tests.web.factories import recorded, verify_output
from tests.web.meetings_helpers import as_member, meetings_federation
from tests.web.reports_helpers import d1_meeting, seat
from tests.web.tampering import guards_lifted

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return meetings_federation(tmp_path)


def refused(rule: str, *args: Any, **kwargs: Any) -> None:
    """do_file_report is refused by ``rule``; no row, no entry."""
    before = (recorded().count(), Report.objects.count())
    with pytest.raises(NotAllowed) as refusal:
        do_file_report(*args, **kwargs)
    assert refusal.value.refusal.rule == rule, refusal.value.refusal
    assert (recorded().count(), Report.objects.count()) == before


def test_delegate_files_a_report_on_the_record_with_its_text(fed: Federation) -> None:
    """Delegate 5 (seated for w2, not checked in) reports on d1's closed meeting: the entry
    holds the text, its SHA-256, the seat and the constituency."""
    meeting = d1_meeting()
    row = do_file_report(meeting, seat("5"), text="We voted *for*.\r\n\r\nAsk me.\r\n",
                         actor=as_member("5"))
    assert (row.version, row.text) == (1, "We voted *for*.\n\nAsk me.")
    body = recorded().get(kind="report.filed").body
    assert (body["text"], body["text_sha256"], body["delegate"], body["constituency"],
            body["version"]) == (row.text, text_digest(row.text), seat("5").pk, "w2", 1)


def test_correction_is_a_new_version_and_the_first_stays(fed: Federation) -> None:
    """A second filing is version 2, an entry of its own; version 1 is unchanged."""
    meeting = d1_meeting()
    first = do_file_report(meeting, seat("1"), text="First.", actor=as_member("1"))
    second = do_file_report(meeting, seat("1"), text="Corrected.", actor=as_member("1"))
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.text == "First."
    assert [e.body["version"] for e in recorded().filter(kind="report.filed")
            .order_by("index")] == [1, 2]


def test_refusals_change_nothing(fed: Federation) -> None:
    """Someone else's seat, a meeting not closed, a seat in another council, an empty and a
    too long text: each refused by its own rule, nothing written."""
    meeting = d1_meeting()
    refused("not-the-delegate", meeting, seat("5"), text="I speak for 5.", actor=as_member("1"))
    refused("not-the-delegate", meeting, seat("5"), text="Not a member.", actor=as_member("6"))
    refused("not-at-meeting", meeting, seat("8", "d2"), text="Wrong council.",
            actor=as_member("8"))
    refused("report-empty", meeting, seat("5"), text=" \n\n ", actor=as_member("5"))
    refused("report-too-long", meeting, seat("5"), text="x" * (MAX_REPORT_CHARS + 1),
            actor=as_member("5"))
    open_meeting = d1_meeting(close=False)
    refused("meeting-not-held", open_meeting, seat("1"), text="Too soon.", actor=as_member("1"))


def test_database_refuses_editing_a_report(fed: Federation) -> None:
    """Below the models: SQL that edits or deletes a report is refused by the triggers."""
    do_file_report(d1_meeting(), seat("5"), text="True account.", actor=as_member("5"))
    for sql in ("UPDATE reports_report SET text = 'Rewritten'", "DELETE FROM reports_report"):
        with pytest.raises(Immutable, match="communard write-once"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(sql)
    assert Report.objects.get().text == "True account."


def test_verify_names_a_report_rewritten_behind_the_record(fed: Federation, capsys: Any) -> None:
    """verify is clean after filing; a text rewritten by SQL (with its hash, guards lifted as
    the tables' owner could) is named with the entry's index, and so is a deleted version."""
    meeting = d1_meeting()
    row = do_file_report(meeting, seat("5"), text="We voted for.", actor=as_member("5"))
    gone = do_file_report(meeting, seat("5"), text="Also: the budget.", actor=as_member("5"))
    status, out = verify_output(capsys)
    assert status == 0, out
    index = recorded().get(kind="report.filed", body__version=1).index
    with guards_lifted(), connection.cursor() as cursor:
        cursor.execute("UPDATE reports_report SET text = %s, text_sha256 = %s WHERE id = %s",
                       ["We voted against.", text_digest("We voted against."), row.pk])
        cursor.execute("DELETE FROM reports_report WHERE id = %s", [gone.pk])
    status, out = verify_output(capsys)
    assert status != 0
    assert f"(entry #{index}): reports_report test/{row.pk}: the row says" in out
    assert f"reports_report test/{gone.pk}: on the record but missing" in out


def test_the_audit_is_registered_with_verify() -> None:
    """verify runs the reports audit (without it the test above passes a rewrite)."""
    assert audit_reports in audits._audits
