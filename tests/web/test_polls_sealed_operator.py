"""A sealed poll against an operator who holds the database but no teller's share (issue 16,
red-teamed): what they can do with SQL before the close must not let the tellers' honest
hand-ins open a box that would show one voter's ballot. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.web.councils.models import Federation
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
from tests.web.factories import small_federation
from tests.web.polls_helpers import open_poll, vote
from tests.web.sealed_helpers import hand_in, register_tellers
from tests.web.tampering import guards_lifted
from tests.web.test_polls_sealed import CLOSE, closed_by_clock

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
