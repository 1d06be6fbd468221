"""A sealed poll against an operator who holds the database but no teller's share (issue 16,
red-teamed): what they can do with SQL before the close must not let the tellers' honest
hand-ins open a box that would show one voter's ballot. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from communard.web.councils.models import Federation
from communard.web.members.models import Member
from communard.web.polls import lookup
from communard.web.polls.actions.hand_in import try_close
from communard.web.polls.closing import BoxNotTheCasts
from communard.web.polls.models import (
    Ballot,
    Envelope,
    Mark,
    Poll,
    PollSeal,
    PollTeller,
    Result,
    RollEntry,
)
from communard.web.polls.sealed import envelope, sealing_from
from communard.web.records.models import QueuedEntry
from communard.web.records.services import UNSTAMPED
from tests.web.elections_helpers import DAY, open_election
from tests.web.factories import member_login, small_federation
from tests.web.polls_helpers import open_poll, vote
from tests.web.recall_more_helpers import (
    FILED,
    LONG_AGO,
    ballot_called,
    reviewed,
    workshop_with,
)
from tests.web.recalls_helpers import petition_to_threshold, sitting
from tests.web.sealed_helpers import client_for, hand_in, register_tellers
from tests.web.tampering import guards_lifted
from tests.web.test_elections_api import client_for as election_client
from tests.web.test_polls_sealed import CLOSE, closed_by_clock, served
from tests.web.test_recall_replacement_pages import browser_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sealed_poll(tmp_path: Path) -> Poll:
    fed: Federation = small_federation(tmp_path, {"w1": 12})
    register_tellers(fed, ["1", "2", "3", "4", "5"])
    return open_poll(fed)


def _hand_in_three(poll: Poll) -> None:
    for teller in PollTeller.objects.filter(poll=poll).order_by("index")[:3]:
        hand_in(poll, teller)


def test_an_operator_who_empties_the_box_but_one_envelope_does_not_get_it_opened(
        sealed_poll: Poll) -> None:
    """The envelopes' and marks' ids follow the casts, so the operator knows which envelope is
    the target's (the first cast). Deleting every other envelope with its mark (the write-once
    guards lifted, as a superuser can) keeps envelopes = marks; if the close opened that box,
    its one published ballot would be the target's. The close compares the box with the casts
    on the record and opens nothing."""
    vote(sealed_poll, "6", [2])  # the target
    for number in ["7", "8", "9", "10", "11"]:
        vote(sealed_poll, number, [1])
    closed_by_clock(sealed_poll)
    target_envelope = Envelope.objects.filter(poll=sealed_poll).order_by("pk").first()
    target_mark = Mark.objects.filter(entry__poll=sealed_poll).order_by("pk").first()
    assert target_envelope is not None and target_mark is not None
    with guards_lifted():
        Envelope.objects.filter(poll=sealed_poll).exclude(pk=target_envelope.pk)._raw_delete(
            "default")
        Mark.objects.filter(entry__poll=sealed_poll).exclude(pk=target_mark.pk)._raw_delete(
            "default")
    _hand_in_three(sealed_poll)
    with pytest.raises(BoxNotTheCasts, match=r"1 envelope\(s\) and 1 mark\(s\).*6 cast"):
        try_close(sealed_poll, now=CLOSE)
    assert not Ballot.objects.filter(poll=sealed_poll).exists()
    assert not Result.objects.filter(poll=sealed_poll).exists()


def test_an_envelope_slipped_in_beside_a_forged_mark_is_refused_too(sealed_poll: Poll) -> None:
    """The other way round: an extra envelope (anyone can seal to the public key) with a mark
    for a member who did not vote, and no cast on the record."""
    vote(sealed_poll, "6", [1])
    closed_by_clock(sealed_poll)
    seal = PollSeal.objects.get(poll=sealed_poll)
    sealing = sealing_from(seal.public_key, seal.capacity)
    assert sealing is not None
    Envelope.objects.create(poll=sealed_poll, sealed=envelope(
        sealed_poll, sealing, "AAAA-BBBB-CCCC-DDDD", [2], 2))
    Mark.objects.create(entry=RollEntry.objects.filter(poll=sealed_poll)
                        .exclude(pk=Mark.objects.get(entry__poll=sealed_poll).entry_id).first())
    _hand_in_three(sealed_poll)
    with pytest.raises(BoxNotTheCasts, match=r"2 envelope\(s\) and 2 mark\(s\).*1 cast"):
        try_close(sealed_poll, now=CLOSE)
    assert not Ballot.objects.filter(poll=sealed_poll).exists()


def test_an_untouched_box_still_opens(sealed_poll: Poll) -> None:
    for number in ["6", "7", "8"]:
        vote(sealed_poll, number, [1])
    closed_by_clock(sealed_poll)
    _hand_in_three(sealed_poll)
    assert try_close(sealed_poll, now=CLOSE)
    assert Ballot.objects.filter(poll=sealed_poll).count() == 3


def _every_row() -> dict[str, list[str]]:
    """Every table's rows as a database reader dumps them."""
    tables: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            tables[table] = sorted(repr(tuple(bytes(v) if isinstance(v, memoryview) else v
                                              for v in row)) for row in cursor.fetchall())
    return tables


def test_a_cast_through_the_pages_touches_only_the_mark_the_envelope_and_the_queue(
        sealed_poll: Poll) -> None:
    """Dump the whole database before the voter's confirmation step and after the cast: the
    only rows that changed are the mark, the envelope and the queued entry (whose time is the
    placeholder the sealer replaces with its batch's). No session, login, throttle or other row
    takes the cast's time, and nothing stores the tracking code shown on the confirmation."""
    client = client_for(sealed_poll.federation, "6")
    assert client.get(f"/p/{sealed_poll.pk}/vote/").status_code == 200
    with served():
        before = _every_row()
        confirm = client.post(f"/p/{sealed_poll.pk}/vote/", {"choice": "2"})
        ticket = confirm.text.split('name="ticket" value="')[1].split('"')[0]
        code = confirm.text.split('id="tracking-code" class="tracking-code">')[1][:19]
        cast = client.post(f"/p/{sealed_poll.pk}/vote/",
                           {"choice": "2", "confirm": "yes", "ticket": ticket})
        assert cast.status_code == 200 and code in cast.text
        after = _every_row()
    changed = {t for t in after if after[t] != before.get(t)}
    assert changed == {"polls_mark", "polls_envelope", "records_queuedentry"}
    added = [row for t in changed for row in after[t] if row not in before[t]]
    assert len(added) == 3
    assert not any(code in row for row in added)
    (queued,) = QueuedEntry.objects.all()
    assert queued.time == UNSTAMPED


def test_a_cast_through_the_api_touches_only_the_mark_the_envelope_and_the_queue(
        sealed_poll: Poll) -> None:
    """The same through ``POST /api/polls/<id>/votes`` (on PostgreSQL the casting door's one
    statement), whose answer carries the code."""
    client = client_for(sealed_poll.federation, "6")
    with served():
        before = _every_row()
        cast = client.post(f"/api/polls/{sealed_poll.pk}/votes", {"choices": [2]},
                           content_type="application/json")
        assert cast.status_code == 201, cast.content
        after = _every_row()
    code = cast.json()["tracking_code"]
    changed = {t for t in after if after[t] != before.get(t)}
    assert changed == {"polls_mark", "polls_envelope", "records_queuedentry"}
    assert not any(code in row for t in changed for row in after[t])
    assert QueuedEntry.objects.get().time == UNSTAMPED


def test_a_tracking_code_looked_up_never_reaches_the_database(sealed_poll: Poll) -> None:
    """A voter checking their code after the close: with PostgreSQL's statement log on
    (``log_statement = all``, or ``log_min_duration_statement = 0``) a query carrying the code
    would sit in the log with its time, beside the access log's line for the voter's request,
    linking the voter to their published ballot. The page and the API find the code in the box
    read whole, so no statement the server sends carries it."""
    codes = [vote(sealed_poll, n, [1 + int(n) % 2]) for n in ["6", "7", "8"]]
    closed_by_clock(sealed_poll)
    _hand_in_three(sealed_poll)
    assert try_close(sealed_poll, now=CLOSE)
    client = client_for(sealed_poll.federation, "7")
    with CaptureQueriesContext(connection) as sent:
        page = client.post(f"/p/{sealed_poll.pk}/track/", {"code": codes[1].lower()})
        api = client.post(f"/api/polls/{sealed_poll.pk}/track",
                          {"tracking_code": codes[2]}, content_type="application/json")
        missing = client.post(f"/api/polls/{sealed_poll.pk}/track",
                              {"tracking_code": "AAAA-BBBB-CCCC-DDDD"},
                              content_type="application/json")
    assert page.status_code == 200 and "is in the published box" in page.text
    assert api.status_code == 200 and api.json() == {"tracking_code": codes[2], "choices": [1]}
    assert missing.status_code == 404
    statements = " ".join(q["sql"] for q in sent.captured_queries).upper()
    assert sent.captured_queries
    assert not any(code in statements for code in [*codes, "AAAA-BBBB-CCCC-DDDD"])



def test_voters_looking_up_at_once_read_the_box_once(sealed_poll: Poll) -> None:
    """Look-ups read the counted box whole (above); when many voters look theirs up at once
    after the close, one thread reads it and the others wait for it, rather than each reading
    every ballot. On PostgreSQL the ballots' table is held locked while the eight look-ups
    start, so that without the per-box lock all eight would be inside the read when it frees
    (on SQLite, whose readers nothing blocks, the test shows the answers only)."""
    codes = [vote(sealed_poll, n, [1 + int(n) % 2]) for n in ["6", "7", "8"]]
    closed_by_clock(sealed_poll)
    _hand_in_three(sealed_poll)
    assert try_close(sealed_poll, now=CLOSE)
    before = lookup.reads[sealed_poll.pk]
    locked, release = threading.Event(), threading.Event()
    found: list[list[int] | None] = []

    def hold_the_ballots() -> None:
        try:
            with transaction.atomic():
                connection.cursor().execute("LOCK TABLE polls_ballot IN ACCESS EXCLUSIVE MODE")
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    def look_up(code: str) -> None:
        try:
            found.append(lookup.published_choices(sealed_poll.pk, code))
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_ballots)
    if connection.vendor == "postgresql":
        holder.start()
        assert locked.wait(30)
    threads = [threading.Thread(target=look_up, args=(codes[i % 3],)) for i in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # every look-up has reached the read, or the per-box lock before it
    release.set()
    for thread in [*threads, *([holder] if holder.is_alive() else [])]:
        thread.join()
    assert sorted(map(str, found)) == sorted(str([1 + int(n) % 2]) for n in "67867867")
    assert lookup.reads[sealed_poll.pk] - before == 1


def test_the_ballot_pages_answer_the_same_length_whatever_the_choices(tmp_path: Path) -> None:
    """A proxy's access log (nginx's default `combined` format) keeps each response's size
    beside the voter's address and time, and so does anyone watching the TLS stream: a
    confirmation or receipt listing the chosen options would tell a short ranking (or a
    short label) from a long one. In a secret poll every answer to the ballot's POST is as
    long as the one listing every option."""
    fed = small_federation(tmp_path, {"w1": 8})
    register_tellers(fed, ["1", "2", "3", "4", "5"])
    poll = open_poll(fed, question="ranked", options=("Ada", "Bo", "Cyrenaica Longname"),
                     method="irv")
    forms = [{"pref-1": "2"}, {"pref-3": "1", "pref-1": "2", "pref-2": "3"}]
    confirms, receipts, backs = [], [], []
    for number, form in zip(["6", "7"], forms, strict=True):
        client = client_for(fed, number)
        confirm = client.post(f"/p/{poll.pk}/vote/", form)
        backs.append(len(client.post(f"/p/{poll.pk}/vote/", {**form, "change": "yes"}).content))
        ticket = confirm.text.split('name="ticket" value="')[1].split('"')[0]
        receipt = client.post(f"/p/{poll.pk}/vote/", {**form, "confirm": "yes",
                                                      "ticket": ticket})
        assert receipt.status_code == 200 and "Your vote is cast" in receipt.text
        confirms.append(len(confirm.content))
        receipts.append(len(receipt.content))
    assert confirms[0] == confirms[1]
    assert receipts[0] == receipts[1]
    assert backs[0] == backs[1]


def test_the_election_ballot_pages_answer_the_same_length_whatever_the_ranking(
        tmp_path: Path) -> None:
    """The same for an election's own ballot pages: ranking one candidate or both answers as
    long a confirmation and a receipt."""
    fed = small_federation(tmp_path, {"w1": 8})
    election = open_election(fed, "w1", ["1", "2"])
    confirms, receipts = [], []
    for number, form in [("3", {"pref-1": "1"}), ("4", {"pref-2": "1", "pref-1": "2"})]:
        member_login(Member.objects.get(federation=fed, number=number), f"m{number}",
                     "pw-12345-x")
        client = election_client(f"m{number}")
        form = {**form, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
        confirm = client.post(f"/e/{election.pk}/vote/", form)
        receipt = client.post(f"/e/{election.pk}/vote/", {**form, "confirm": "yes"})
        assert receipt.status_code == 200, receipt.content.decode()
        confirms.append(len(confirm.content))
        receipts.append(len(receipt.content))
    assert confirms[0] == confirms[1]
    assert receipts[0] == receipts[1]


def test_the_recall_ballot_pages_answer_the_same_length_whatever_the_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same for the recall ballot's two questions: "yes" or "no", one replacement ranked
    or both, the review and the receipt answer as long."""
    workshop_with(tmp_path, monkeypatch, 'replacement = "replacement-question"\nvote_days = 10',
                  cal=LONG_AGO)
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"], when=FILED)
    ballot = f"/petitions/{ballot_called(petition, ['5', '6'], FILED + DAY).pk}/ballot/"
    reviews, receipts = [], []
    for number, answers in [("11", {"recall": "1", "rank-1": "1"}),
                            ("10", {"recall": "2", "rank-2": "1", "rank-1": "2"})]:
        voter = browser_of(number)
        review, form = reviewed(voter, ballot, answers)
        cast = voter.post(ballot, form)
        assert cast.status_code == 200, cast.content.decode()
        reviews.append(len(review.content))
        receipts.append(len(cast.content))
    assert reviews[0] == reviews[1]
    assert receipts[0] == receipts[1]
