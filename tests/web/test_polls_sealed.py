"""Sealed polls (issue 16): the key made at the opening, envelopes at the cast, the tellers'
hand-ins and the shuffled opening at the close, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from communard.record.kinds import (
    POLL_BALLOT_CAST,
    POLL_BOX_OPENED,
    POLL_SEALED,
    POLL_UNSEALED,
    TELLER_KEY_REGISTERED,
)
from communard.sealing import TellerKey as DeliveryKey
from communard.sealing import public_text
from communard.web.core import clock
from communard.web.councils.models import Federation
from communard.web.polls.actions.hand_in import ShareNotAccepted, try_close
from communard.web.polls.closing import AwaitingTellers, open_box
from communard.web.polls.models import (
    Ballot,
    Envelope,
    HandIn,
    Mark,
    Poll,
    PollSeal,
    PollTeller,
    Result,
    TellerKey,
)
from communard.web.records.models import Entry
from communard.web.records.sealer import seal_elsewhere
from communard.web.records.services import seal
from tests.web.factories import recorded, small_federation
from tests.web.polls_helpers import DAY, NOW, open_poll, vote
from tests.web.sealed_helpers import client_for, hand_in, register_tellers, share_text

pytestmark = pytest.mark.django_db(transaction=True)

CLOSE = NOW + 2 * DAY
VOTERS = [str(n) for n in range(1, 21)]


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return small_federation(tmp_path, {"w1": 20, "w2": 3})


@pytest.fixture
def sealed_poll(fed: Federation) -> Poll:
    """A secret yes/no poll of w1 whose five tellers (of members 1-6 with keys) need three."""
    register_tellers(fed, ["1", "2", "3", "4", "5", "6"])
    return open_poll(fed)


def closed_by_clock(poll: Poll) -> None:
    report = clock.run_due(CLOSE)
    assert not report.refused, report.refused


def test_opening_makes_the_key_and_deals_the_shares_sealed(sealed_poll: Poll) -> None:
    """The opening records the public key and five tellers' commitments; no share is stored
    readable (each opens only with its teller's own delivery key)."""
    seal = PollSeal.objects.get(poll=sealed_poll)
    tellers = list(PollTeller.objects.filter(poll=sealed_poll))
    assert (seal.threshold, len(tellers)) == (3, 5)
    entry = recorded().get(kind=POLL_SEALED.tag)
    assert entry.body["public_key"] == seal.public_key
    assert [t["commitment"] for t in entry.body["members"]] == [t.commitment for t in tellers]
    for teller in tellers:
        assert share_text(teller) not in teller.sealed_share
        assert teller.sealed_share.startswith("communard-sealed-share.1.")


def test_casting_stores_only_an_envelope_with_the_mark(sealed_poll: Poll) -> None:
    """Before the close no ballot row exists: an envelope per mark, and no tracking code or
    choice anywhere in the poll's rows."""
    codes = [vote(sealed_poll, n, [1 + int(n) % 2]) for n in VOTERS[:8]]
    assert Ballot.objects.filter(poll=sealed_poll).count() == 0
    assert Envelope.objects.filter(poll=sealed_poll).count() == 8
    assert Mark.objects.filter(entry__poll=sealed_poll).count() == 8
    sizes = {len(bytes(e)) for e in Envelope.objects.values_list("sealed", flat=True)}
    assert len(sizes) == 1  # every envelope the same size, whatever it holds
    blob = b"".join(bytes(e) for e in Envelope.objects.values_list("sealed", flat=True))
    assert not any(code.encode() in blob for code in codes)


def test_the_close_waits_for_t_tellers_and_names_who_has_not_handed_in(
        sealed_poll: Poll) -> None:
    """With fewer than three shares the poll stays uncounted, saying who is missing; the
    third share counts it, and every voter's code is in the box."""
    codes = {vote(sealed_poll, n, [1 if int(n) <= 12 else 2]): n for n in VOTERS}
    closed_by_clock(sealed_poll)
    assert not Result.objects.filter(poll=sealed_poll).exists()
    tellers = list(PollTeller.objects.filter(poll=sealed_poll).order_by("index"))
    hand_in(sealed_poll, tellers[0])
    hand_in(sealed_poll, tellers[3])
    with pytest.raises(AwaitingTellers) as waiting:
        open_box(sealed_poll)
    assert len(waiting.value.missing) == 3
    assert f"teller {tellers[1].index} ({tellers[1].member.name})" in str(waiting.value)
    assert not try_close(sealed_poll, now=CLOSE)
    hand_in(sealed_poll, tellers[4])
    assert try_close(sealed_poll, now=CLOSE)
    result = Result.objects.get(poll=sealed_poll)
    assert (result.ballots, result.marks, result.passed) == (20, 20, True)
    assert result.tally == {"yes": 12, "no": 8, "abstain": 0}
    assert set(Ballot.objects.filter(poll=sealed_poll).values_list("tracking_code", flat=True)) \
        == set(codes)
    assert not HandIn.objects.exists()
    opened = recorded().get(kind=POLL_BOX_OPENED.tag).body
    assert (opened["envelopes"], opened["marks"], opened["ballots"]) == (20, 20, 20)
    assert opened["tellers"] == sorted([tellers[0].index, tellers[3].index, tellers[4].index])


def test_a_wrong_share_is_refused_naming_the_teller(sealed_poll: Poll) -> None:
    """Another teller's share, or a mangled one, is refused with the teller's name; nothing
    is kept."""
    vote(sealed_poll, "7", [1])
    closed_by_clock(sealed_poll)
    first, second = PollTeller.objects.filter(poll=sealed_poll).order_by("index")[:2]
    with pytest.raises(ShareNotAccepted, match=rf"teller {first.index} \({first.member.name}\)"):
        hand_in(sealed_poll, first, share_text(second))
    with pytest.raises(ShareNotAccepted, match=f"teller {first.index}"):
        hand_in(sealed_poll, first, share_text(first)[:-6] + "AAAAAA")
    assert not HandIn.objects.exists()


def _physical_order(poll: Poll) -> list[str]:
    """The ballots' tracking codes as a database reader sees them stored."""
    column = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tracking_code FROM polls_ballot WHERE poll_id = %s "
                       f"ORDER BY {column}", [poll.pk])
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def served() -> Iterator[None]:
    """Commits only queue their entries, as under `communard serve`, whose sealer process seals
    each round's batch (the test plays that round with ``seal()``)."""
    before = settings.COMMUNARD_RECORD_SEALER, os.environ.get("COMMUNARD_RECORD_SEALER")
    seal_elsewhere(True)
    try:
        yield
    finally:
        settings.COMMUNARD_RECORD_SEALER = before[0]
        if before[1] is None:
            os.environ.pop("COMMUNARD_RECORD_SEALER", None)
        else:
            os.environ["COMMUNARD_RECORD_SEALER"] = before[1]


def test_a_database_reader_finds_no_link_from_ballot_to_voter(sealed_poll: Poll) -> None:
    """Cast in a known order (alternately in two polls, each voter's login made on the record
    just before their cast): the record's cast entries carry the sealer's batch time only and
    sit after the batch's other entries in an order that is not the casts'; before the close
    there is no ballot to link; after it the ballots' physical order (rowid, ctid) does not
    follow the casts, and no row has a time."""
    other = open_poll(sealed_poll.federation, subject="test:2")
    polls = [sealed_poll if i % 2 == 0 else other for i in range(len(VOTERS))]
    with served():
        cast_order = [vote(poll, n, [1]) for poll, n in zip(polls, VOTERS, strict=True)]
        first = Entry.objects.count()
        seal()  # the sealer process's round: one batch
    batch = list(Entry.objects.filter(index__gte=first).order_by("index"))
    casts = [e for e in batch if e.kind == POLL_BALLOT_CAST.tag]
    assert len(casts) == len(VOTERS) and batch[-len(casts):] == casts  # casts last
    assert len({e.at for e in casts}) == 1  # the batch's time, not each cast's
    assert {e.data[e.data.index('"time"'):] for e in casts} == {
        casts[0].data[casts[0].data.index('"time"'):]}
    # 1 in 184,756 that a shuffle gives back the casts' order of polls
    assert [e.body["poll"] for e in casts] != [p.pk for p in polls]
    cast_order = [c for c, p in zip(cast_order, polls, strict=True) if p == sealed_poll]
    assert _physical_order(sealed_poll) == []
    closed_by_clock(sealed_poll)
    for teller in PollTeller.objects.filter(poll=sealed_poll).order_by("index")[:3]:
        hand_in(sealed_poll, teller)
    assert try_close(sealed_poll, now=CLOSE)
    stored = _physical_order(sealed_poll)
    assert sorted(stored) == sorted(cast_order)
    assert stored != cast_order  # 1 in 20! that a shuffle leaves them in cast order
    ballot_fields = {f.name for f in Ballot._meta.get_fields()}
    assert ballot_fields == {"tracking_code", "poll", "choices"}
    assert not {f.get_internal_type() for f in Envelope._meta.get_fields()
                if hasattr(f, "get_internal_type")} & {"DateTimeField", "DateField"}


def test_a_poll_without_teller_keys_opens_unsealed_on_the_record(fed: Federation) -> None:
    """Fewer members with a delivery key than the threshold: the poll opens, casts in the
    clear, and the record says why."""
    register_tellers(fed, ["1", "2"])
    poll = open_poll(fed)
    vote(poll, "3", [1])
    assert not PollSeal.objects.filter(poll=poll).exists()
    assert Ballot.objects.filter(poll=poll).count() == 1
    assert "threshold needs 3" in recorded().get(kind=POLL_UNSEALED.tag).body["reason"]




def test_tellers_hand_in_through_the_api_and_the_page_counts_it(fed: Federation) -> None:
    """A poll that ended: the page lists who has not handed in; a wrong share through the API
    is a 400 naming the teller; three right ones (API and page) count the poll."""
    register_tellers(fed, ["1", "2", "3", "4", "5"])
    poll = open_poll(fed, opens_at=NOW - 5 * DAY, closes_at=NOW - DAY, roll_at=NOW - 6 * DAY)
    code = vote(poll, "9", [2], when=NOW - 2 * DAY)
    assert not clock.run_due().refused
    tellers = list(PollTeller.objects.filter(poll=poll).select_related("member")
                   .order_by("index"))
    first = client_for(fed, tellers[0].member.number)
    page = first.get(f"/p/{poll.pk}/tellers/").content.decode()
    assert "not yet handed in" in page and tellers[2].member.name in page
    wrong = first.post(f"/api/polls/{poll.pk}/shares", {"share": share_text(tellers[1])},
                       content_type="application/json")
    assert wrong.status_code == 400
    assert f"teller {tellers[0].index} ({tellers[0].member.name})" in wrong.json()["detail"]
    for teller in tellers[:2]:
        answer = client_for(fed, teller.member.number).post(
            f"/api/polls/{poll.pk}/shares", {"share": share_text(teller)},
            content_type="application/json")
        assert answer.status_code == 202 and answer.json()["counted"] is False
    last = client_for(fed, tellers[2].member.number).post(
        f"/p/{poll.pk}/tellers/", {"share": share_text(tellers[2])})
    assert last.status_code == 200 and 'id="counted"' in last.content.decode()
    assert Ballot.objects.get(poll=poll).tracking_code == code
    assert Result.objects.get(poll=poll).tally == {"yes": 0, "no": 1, "abstain": 0}


def test_a_member_registers_a_delivery_key_on_the_page(fed: Federation) -> None:
    """Registered and on the record; a key that is not 32 bytes of base64 is a 400 naming the
    field, and changes nothing."""
    client = client_for(fed, "1")
    bad = client.post("/p/tellers/key/", {"public_key": "AAAA"})
    assert bad.status_code == 400 and "public_key: an X25519 key is 32 bytes, not 3" in bad.text
    assert not TellerKey.objects.exists()
    key = DeliveryKey.generate("m1")
    ok = client.post("/p/tellers/key/", {"public_key": public_text(key.public_key)})
    assert ok.status_code == 200 and 'id="registered"' in ok.text
    assert TellerKey.objects.get().public_key == key.public_key.hex()
    assert recorded().filter(kind=TELLER_KEY_REGISTERED.tag).count() == 1



def test_the_page_says_when_the_close_waits_and_who_must_hand_in_again(fed: Federation) -> None:
    """An ended poll before the clock's close begins: the page says the close waits for the
    long-running clock. Two tellers hand in; the clock's process restarts (its memory, and so
    the closing key, gone); its next round makes a new key and the page asks those two, by
    name, to hand in again, until they have."""
    from communard.web.polls import closing

    register_tellers(fed, ["1", "2", "3", "4", "5"])
    poll = open_poll(fed, opens_at=NOW - 5 * DAY, closes_at=NOW - DAY, roll_at=NOW - 6 * DAY)
    tellers = list(PollTeller.objects.filter(poll=poll).select_related("member")
                   .order_by("index"))
    first = client_for(fed, tellers[0].member.number)
    assert 'id="no-closing-key"' in first.get(f"/p/{poll.pk}/tellers/").text
    assert not clock.run_due().refused
    for teller in tellers[:2]:
        hand_in(poll, teller)
    assert 'id="hand-in-again"' not in first.get(f"/p/{poll.pk}/tellers/").text
    closing._PRIVATE.clear()  # what a restart does to the process that held the key
    assert not clock.run_due().refused
    assert not HandIn.objects.exists()
    page = first.get(f"/p/{poll.pk}/tellers/").text
    assert 'id="hand-in-again"' in page and "Hand in your share again" in page
    assert f"must hand in again: {closing.teller_label(tellers[0])}, " \
           f"{closing.teller_label(tellers[1])}." in page.replace("\n", " ")
    hand_in(poll, tellers[0])
    page = first.get(f"/p/{poll.pk}/tellers/").text
    assert "Hand in your share again" not in page
    assert f"must hand in again: {closing.teller_label(tellers[1])}." in page.replace("\n", " ")
