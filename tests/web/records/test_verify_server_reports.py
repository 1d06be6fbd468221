"""`communard verify --server URL` replays delegates' report-backs too (issue 17): the public
state publishes every version with its text, and a report edited, added or deleted with SQL
behind the record is named with its report.filed entry and the URL that shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from communard.constitution.permissions import MemberActor
from communard.web.records import services
from communard.web.reports.actions import do_file_report
from communard.web.reports.models import Report
from tests.web.meetings_helpers import meetings_federation
from tests.web.records.test_verify_server import verify_server
from tests.web.reports_helpers import d1_meeting, seat
from tests.web.test_audit import sql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reporting_server(live_server: Any, settings: Any, tmp_path: Path) -> str:
    """A live server with public record bodies, and delegate 1's report on d1's meeting in two
    versions."""
    settings.COMMUNARD_RECORD_BODIES = "public"
    meetings_federation(tmp_path)
    meeting = d1_meeting()
    for text in ("We met and decided nothing.", "We met and adopted the budget."):
        do_file_report(meeting, seat("1"), text=text, actor=MemberActor("m1"))
    services.seal()
    return str(live_server.url)


def test_published_reports_match_the_record(reporting_server: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    status, out = verify_server(reporting_server, capsys)
    assert status == 0 and "public state: matches the record" in out, out


def filed_index(report: Report) -> int:
    from communard.web.records.models import Entry

    return Entry.objects.get(kind="report.filed", body__report=report.pk).index


@pytest.mark.parametrize("attack", ["edited", "hashed too", "deleted", "added"])
def test_a_report_changed_behind_the_record_is_named(
        reporting_server: str, attack: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The text rewritten (even with its digest), a version deleted, or one inserted: named
    with the entry (none for the added one) and the published report's URL."""
    first, second = Report.objects.order_by("version")
    forged = "We met and voted to dissolve."
    if attack == "edited":
        sql("UPDATE reports_report SET text = %s WHERE id = %s", forged, first.pk)
        expected = (f"(entry #{filed_index(first)}, {reporting_server}/record/"
                    f"{filed_index(first)}/): {reporting_server}/api/public/state#reports/test/"
                    f"{first.pk}: its text differ from what the record filed")
    elif attack == "hashed too":
        from communard.cli.public_audit import text_sha256

        sql("UPDATE reports_report SET text = %s, text_sha256 = %s WHERE id = %s", forged,
            text_sha256(forged), second.pk)
        expected = f"#reports/test/{second.pk}: its text differ from what the record filed"
    elif attack == "deleted":
        sql("DELETE FROM reports_report WHERE id = %s", second.pk)
        expected = (f"(entry #{filed_index(second)}, {reporting_server}/record/"
                    f"{filed_index(second)}/): {reporting_server}/api/public/state#reports/"
                    f"test/{second.pk}: filed on the record but not published")
    else:
        sql("INSERT INTO reports_report (meeting_id, delegate_id, version, text, text_sha256, "
            "filed_at) SELECT meeting_id, delegate_id, 3, %s, text_sha256, filed_at FROM "
            "reports_report WHERE id = %s", forged, second.pk)
        added = Report.objects.get(version=3)
        expected = (f"(no entry): {reporting_server}/api/public/state#reports/test/{added.pk}: "
                    "a report no report.filed entry filed")
    status, out = verify_server(reporting_server, capsys)
    assert status == 1 and expected in out, out
