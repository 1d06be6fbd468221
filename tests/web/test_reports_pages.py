"""Report-back documents on the pages and the API: linked from the meeting, the delegate's
page and the constituents' /me/; written by the delegate's form, corrected with its history
shown; raw HTML never reaches the page; refusals are 4xx and change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from communard.web.councils.models import Federation
from communard.web.reports.actions import do_file_report
from communard.web.reports.models import Report
from tests.web.factories import recorded
from tests.web.meetings_helpers import as_member, meetings_federation
from tests.web.reports_helpers import d1_meeting, seat

pytestmark = pytest.mark.django_db

EVIL = 'We voted for.\n\n<script>alert(1)</script> [click](javascript:alert(2))'


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return meetings_federation(tmp_path)


def client_of(number: str | None) -> Client:
    client = Client()
    if number is not None:
        assert client.login(username=f"m{number}", password="commune1871")
    return client


def test_report_is_linked_from_meeting_delegate_page_and_constituents(fed: Federation) -> None:
    """Delegate 5's report shows on the meeting page, on 5's scorecard and on the /me/ of a
    member of w2 (5's constituency), not on that of a member of w3 (another district)."""
    meeting = d1_meeting()
    do_file_report(meeting, seat("5"), text="All well.", actor=as_member("5"))
    link = f"/reports/{meeting.pk}/{seat('5').pk}/"
    anon = client_of(None)
    assert link in anon.get(f"/meetings/{meeting.pk}/").content.decode()
    assert link in anon.get(f"/delegates/{seat('5').pk}/scorecard/").content.decode()
    assert link in client_of("6").get("/me/").content.decode()
    assert link not in client_of("9").get("/me/").content.decode()


def test_report_page_renders_markdown_and_never_raw_html(fed: Federation) -> None:
    """Markdown shows as HTML; a script and a javascript: link show as text, never as markup."""
    meeting = d1_meeting()
    do_file_report(meeting, seat("5"), text=EVIL + "\n\n*emphasis*", actor=as_member("5"))
    page = client_of(None).get(f"/reports/{meeting.pk}/{seat('5').pk}/").content.decode()
    assert "<em>emphasis</em>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert 'href="javascript:' not in page


def test_delegate_writes_and_corrects_through_the_form(fed: Federation) -> None:
    """The meeting page offers delegate 5 the form; the report and its correction are filed;
    the page shows the latest, the history links both versions."""
    meeting = d1_meeting()
    me = client_of("5")
    url = f"/reports/{meeting.pk}/{seat('5').pk}/"
    assert url in me.get(f"/meetings/{meeting.pk}/").content.decode()
    assert me.post(url + "file/", {"text": "First."}).status_code == 303
    assert me.post(url + "file/", {"text": "Corrected."}).status_code == 303
    page = me.get(url).content.decode()
    assert "Corrected." in page and "First." not in page.split("History")[0]
    assert "?version=1" in page and "?version=2" in page
    assert "First." in me.get(url + "?version=1").content.decode()


def test_someone_else_or_too_long_is_refused_by_the_form(fed: Federation) -> None:
    """Member 1 posting to 5's report is a 403, 5's too-long text a 400; nothing written."""
    meeting = d1_meeting()
    url = f"/reports/{meeting.pk}/{seat('5').pk}/file/"
    before = recorded().count()
    assert client_of("1").post(url, {"text": "Not mine."}).status_code == 403
    assert client_of("5").post(url, {"text": "x" * 20_001}).status_code == 400
    assert (recorded().count(), Report.objects.count()) == (before, 0)


def post(client: Client, url: str, body: object) -> tuple[int, dict[str, object]]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_api_files_lists_and_refuses(fed: Federation) -> None:
    """POST files (201) and corrects; GET lists the latest and every version; another
    member's filing is a 403, a meeting not held a 403, an empty text a 400."""
    meeting = d1_meeting()
    url = f"/api/meetings/{meeting.pk}/reports"
    five = seat("5").pk
    assert post(client_of("5"), url, {"delegate": five, "text": "One."}) == (
        201, {"id": Report.objects.get().pk, "version": 1})
    assert post(client_of("5"), url, {"delegate": five, "text": "Two."})[0] == 201
    assert post(client_of("1"), url, {"delegate": five, "text": "Mine."})[0] == 403
    assert post(client_of("5"), url, {"delegate": five, "text": "  "})[0] == 400
    unheld = d1_meeting(close=False)
    assert post(client_of("1"), f"/api/meetings/{unheld.pk}/reports",
                {"delegate": seat("1").pk, "text": "Soon."})[0] == 403
    listed = client_of(None).get(url).json()
    assert [(r["text"], r["version"], r["versions"]) for r in listed] == [("Two.", 2, 2)]
    versions = client_of(None).get(f"{url}/{five}").json()
    assert [r["text"] for r in versions] == ["Two.", "One."]
    assert "/api/meetings/{meeting_id}/reports" in client_of(None).get(
        "/api/openapi.json").json()["paths"]
