"""Elections are one use of the poll machinery (issues 15, 16): an election's vote is a poll,
cast through the polls' one cast action from the page and the API alike, sealed when tellers
exist, counted by the poll's close, which seats the winners; countbacks recount the poll's
ballots; elections closed before (in the elections' own tables) still show and verify."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client

from communard.constitution.permissions import ClockActor
from communard.record.kinds import (
    BALLOT_CAST,
    DELEGATES_SEATED,
    ELECTION_CLOSED,
    ELECTION_ROLL_FROZEN,
)
from communard.web.core import clock
from communard.web.councils.actions import do_take_census
from communard.web.councils.models import Council, Delegate, Federation
from communard.web.elections import actions
from communard.web.elections.actions import do_call_election, do_close_election, do_nominate
from communard.web.elections.models import Ballot as OldBallot
from communard.web.elections.models import Candidate, Election
from communard.web.elections.models import Mark as OldMark
from communard.web.elections.models import Result as OldResult
from communard.web.elections.models import RollEntry as OldRollEntry
from communard.web.elections.roll import roll_member_ids
from communard.web.members.models import Member
from communard.web.polls.actions.hand_in import try_close
from communard.web.polls.models import Ballot, Mark, PollSeal, PollTeller, Result
from communard.web.polls.tracking import new_tracking_code
from communard.web.recalls.actions.decide import do_recall
from communard.web.records import services as record
from tests.web.doors import door  # noqa: F401
from tests.web.elections_helpers import DAY, NOW, PAST, cast_ballot, open_election
from tests.web.factories import (
    TEST_OPERATOR,
    acting_member,
    member_login,
    recorded,
    small_federation,
    verify_output,
)
from tests.web.recalls_helpers import AFTER, elected_workshop, petition_to_threshold, sitting
from tests.web.sealed_helpers import hand_in, register_tellers
from tests.web.tampering import guards_lifted
from tests.web.test_elections_api import client_for, post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return small_federation(tmp_path, {"w1": 20, "w2": 3, "w3": 5})


@pytest.mark.usefixtures("door")
def test_a_ballot_cast_on_the_page_and_through_the_api_lands_in_the_same_poll(
        fed: Federation) -> None:
    """The ballot page and the election's API address both cast through the polls' one cast
    action into the election's poll: its marks, its ballots, its ``poll.ballot_cast`` entries;
    the elections' own tables take nothing."""
    election = open_election(fed, "w1", ["1", "2"])
    assert election.poll is not None
    assert (election.poll.purpose, election.poll.subject) == ("election",
                                                               f"election:{election.pk}")
    for number in ("3", "4"):
        member_login(Member.objects.get(number=number), f"m{number}", "pw-12345-x")
    page = client_for("m3")
    response = page.post(f"/e/{election.pk}/vote/", {
        "pref-2": "1", "pref-1": "2", "confirm": "yes",
        "csrfmiddlewaretoken": page.cookies["csrftoken"].value})
    assert response.status_code == 200, response.content.decode()
    status, body = post(client_for("m4"), election, {"ranking": [1]})
    assert status == 201, body
    ballots = dict(Ballot.objects.filter(poll=election.poll).values_list("tracking_code",
                                                                         "choices"))
    assert ballots[body["tracking_code"]] == [1]
    assert sorted(ballots.values()) == [[1], [2, 1]]
    assert Mark.objects.filter(entry__poll=election.poll).count() == 2
    assert recorded().filter(kind="poll.ballot_cast").count() == 2
    assert not recorded().filter(kind=BALLOT_CAST.tag).exists()
    assert not (OldBallot.objects.exists() or OldMark.objects.exists()
                or OldRollEntry.objects.exists())
    # The same refusal on both doors: a second ballot, after the page's.
    assert post(client_for("m3"), election, {"ranking": [1]}) == (
        409, {"detail": "you have already voted in this poll"})


def test_a_sealed_election_closes_only_with_its_tellers_and_seats_the_winners(
        fed: Federation) -> None:
    """Members with delivery keys are drawn as the election poll's tellers: the clock's close
    leaves it uncounted (no result, nobody seated) until t of them hand in; then the box is
    opened, counted, ``election.closed`` recorded and the winners seated, in one close."""
    register_tellers(fed, ["11", "12", "13", "14", "15", "16"])
    election = open_election(fed, "w1", ["1", "2", "3"])
    poll = election.poll
    assert poll is not None and PollSeal.objects.filter(poll=poll).exists()
    for number, ranking in [("4", [1, 2]), ("5", [1]), ("6", [2, 3]), ("7", [3, 1]),
                            ("8", [1, 3]), ("9", [2])]:
        cast_ballot(election, Member.objects.get(number=number), ranking, now=NOW)
    assert not Ballot.objects.filter(poll=poll).exists()  # envelopes only, until the close
    close = NOW + 2 * DAY
    assert clock.run_due(close).refused == []
    election.refresh_from_db()
    assert election.closed_at is None and not Result.objects.filter(poll=poll).exists()
    assert not Delegate.objects.filter(source=f"election:{election.pk}").exists()
    tellers = list(PollTeller.objects.filter(poll=poll).order_by("index"))
    threshold = PollSeal.objects.get(poll=poll).threshold
    for teller in tellers[: threshold - 1]:
        hand_in(poll, teller)
    assert not try_close(poll, now=close)
    assert Election.objects.get(pk=election.pk).closed_at is None
    hand_in(poll, tellers[threshold - 1])
    assert try_close(poll, now=close)
    election.refresh_from_db()
    result = Result.objects.get(poll=poll)
    assert election.closed_at is not None and (result.ballots, result.marks) == (6, 6)
    closed = recorded().get(kind=ELECTION_CLOSED.tag).body
    assert (closed["box_sha256"], closed["winners"]) == (result.box_sha256, result.winners)
    seated = {d.member_id for d in Delegate.objects.filter(source=f"election:{election.pk}",
                                                           ended_at__isnull=True)}
    by_number = {c.number: c.member_id for c in election.candidates.filter(number__isnull=False)}
    # Three candidates for four seats: all three are elected (fewer standing than seats).
    assert seated == {by_number[n] for n in result.winners} and len(seated) == 3


def test_a_countback_after_a_recall_recounts_the_polls_ballots(tmp_path: Path) -> None:
    """The recalled delegate's seat goes to the runner-up of a recount of the ballots of the
    poll that elected them (the elections' own ballot table is empty: nothing else to read)."""
    _, election = elected_workshop(tmp_path)
    assert election.poll is not None and not OldBallot.objects.exists()
    target = sitting()[0]
    petition = petition_to_threshold(target, ["9", "10", "11"])
    successor = do_recall(target, source=f"poll:{petition.pk}", actor=ClockActor(),
                          now=AFTER + DAY)
    assert isinstance(successor, Delegate)
    countback = recorded().get(kind="election.countback").body
    assert countback["successor"] is not None
    assert countback["seed"] == Result.objects.get(poll=election.poll).seed
    numbers = {c.member_id: c.number for c in election.candidates.filter(number__isnull=False)}
    assert countback["withdrawn"] == [numbers[target.member_id]]
    assert numbers[successor.member_id] in countback["winners"]


def _closed_the_old_way(federation: Federation) -> Election:
    """An election voted and closed before elections were polls, as that version did it: its
    roll, marks, ballots and result in the elections' own tables and its entries on the record
    (``election.roll_frozen``, ``ballot.cast``, ``election.closed``, ``delegates.seated``).
    Those tables refuse new rows now, so this fixture writes them as the old version's
    migrations left the database: with the guards lifted."""
    cal = PAST
    w1 = Council.objects.get(federation=federation, key="w1")
    election = do_call_election(w1, nominations_open_at=cal.nominations,
                                poll_opens_at=cal.opens, poll_closes_at=cal.closes,
                                actor=TEST_OPERATOR, now=cal.called)
    for number in ("1", "2", "3"):
        m = Member.objects.get(federation=federation, number=number)
        do_nominate(election, m, nominated_by=m, actor=acting_member(m), now=cal.nominations)
    ref = {"federation": federation.slug, "election": election.pk}
    with guards_lifted(), transaction.atomic():
        standing = sorted(Candidate.objects.filter(election=election, accepted=True)
                          .select_related("member"), key=lambda c: c.member.name.casefold())
        for n, c in enumerate(standing, start=1):
            Candidate.objects.filter(pk=c.pk).update(number=n)
        ids = roll_member_ids(w1, election.roll_cutoff)
        OldRollEntry.objects.bulk_create([OldRollEntry(election=election, member_id=i)
                                          for i in ids])
        numbers = list(Member.objects.filter(pk__in=ids).order_by("number")
                       .values_list("number", flat=True))
        digest = hashlib.sha256("\n".join(numbers).encode()).hexdigest()
        Election.objects.filter(pk=election.pk).update(
            roll_frozen_at=cal.opens, roll_size=len(ids), roll_commitment=digest,
            candidates_standing=len(standing))
        record.append(ELECTION_ROLL_FROZEN, {
            **ref, "cutoff": election.roll_cutoff.isoformat(), "voters": len(ids),
            "members_sha256": digest,
            "candidates": [{"number": n, "member": record.personal(c.member.number)}
                           for n, c in enumerate(standing, start=1)]}, actor="system")
        do_take_census(federation, cutoff=election.roll_cutoff, reason="roll",
                       actor=ClockActor())
        rankings = [[1, 2], [1], [2, 3], [3, 1], [1, 3]]
        for entry, ranking in zip(OldRollEntry.objects.filter(election=election)
                                  .order_by("member__number"), rankings, strict=False):
            OldMark.objects.create(entry=entry)
            OldBallot.objects.create(tracking_code=new_tracking_code(), election=election,
                                     ranking=ranking)
            record.append(BALLOT_CAST, ref, actor="voter")
        election.refresh_from_db()
        counted = actions.tally(election)
        OldResult.objects.create(election=election, seed=str(counted.seed),
                                 ballots=len(rankings), marks=len(rankings),
                                 box_sha256=counted.box_sha256, winners=counted.winners,
                                 sheet=counted.sheet, counted_at=cal.closes)
        Election.objects.filter(pk=election.pk).update(closed_at=cal.closes)
        record.append(ELECTION_CLOSED, {
            **ref, "ballots": len(rankings), "marks": len(rankings), "voters": len(ids),
            "box_sha256": counted.box_sha256, "seed": str(counted.seed),
            "winners": counted.winners,
            "candidates": [{"number": c.number, "member": record.personal(c.member.number)}
                           for c in counted.candidates],
            "sheet_sha256": hashlib.sha256(json.dumps(
                counted.sheet, sort_keys=True, separators=(",", ":"),
                ensure_ascii=False).encode()).hexdigest()}, actor="system")
        by_number = {c.number: c.member for c in counted.candidates}
        Delegate.objects.filter(constituency=w1, ended_at__isnull=True).update(
            ended_at=cal.closes)
        for n in counted.winners:
            Delegate.objects.create(council=w1.parent, constituency=w1, member=by_number[n],
                                    began_at=cal.closes, source=f"election:{election.pk}")
        record.append(DELEGATES_SEATED, {
            **ref, "council": w1.parent.key, "constituency": w1.key,
            "members": [record.personal(by_number[n].number) for n in counted.winners]},
            actor="system")
    election.refresh_from_db()
    return election


def test_an_election_closed_before_elections_were_polls_still_shows_and_verifies(
        fed: Federation, capsys: pytest.CaptureFixture[str]) -> None:
    """Old data keeps verifying: an election with its ballots and result in the elections'
    own tables passes `communard verify` beside one voted in a poll, shows its result, serves
    the box the record counted, and finds a ballot by its code."""
    old = _closed_the_old_way(fed)
    assert old.poll_id is None and OldBallot.objects.filter(election=old).count() == 5
    new = open_election(fed, "w2", ["21"])
    cast_ballot(new, Member.objects.get(number="22"), [1], now=NOW)
    do_close_election(new, now=NOW + 2 * DAY)
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out
    client = Client()
    assert "Elected, in order" in client.get(f"/e/{old.pk}/").content.decode()
    box = client.get(f"/e/{old.pk}/box.blt").content
    assert hashlib.sha256(box).hexdigest() == old.result.box_sha256
    code = OldBallot.objects.filter(election=old).first().tracking_code  # type: ignore[union-attr]
    assert f"Ballot {code} is in the published box" in client.post(
        f"/e/{old.pk}/track/", {"code": code}).content.decode()
    assert client.get(f"/api/elections/{old.pk}/result").json()["winners"] == \
        OldResult.objects.get(election=old).winners
    # A tampered old ballot is still found by the old election's recount.
    with guards_lifted():
        OldBallot._base_manager.filter(election=old).update(ranking=[3])
    status, out = verify_output(capsys)
    assert status == 1 and f"elections_ballot election={old.pk}" in out, out


def test_an_upgrade_is_refused_while_an_election_votes_in_the_old_tables(
        fed: Federation) -> None:
    """The migration that makes the old tables read-only refuses to run while an election's
    roll is frozen there and its poll not closed (it could neither take its remaining ballots
    nor be counted), naming the election; with none such, it runs."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "communard.web.elections.migrations.0006_elections_vote_in_polls")
    migration.refuse_open_polls(apps, None)
    election = do_call_election(Council.objects.get(federation=fed, key="w1"),
                                actor=TEST_OPERATOR, now=NOW - 8 * DAY)
    with guards_lifted():  # as the version before left it: frozen in its own roll rows
        Election.objects.filter(pk=election.pk).update(roll_frozen_at=NOW - DAY)
    with pytest.raises(RuntimeError, match=f"election {election.pk} .{election.title}"):
        migration.refuse_open_polls(apps, None)
