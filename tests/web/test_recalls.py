"""Recall petitions and replacement: signatures, refusals, the clock, and delegates recalled and
replaced easily and repeatedly (on SQLite, and on PostgreSQL with --db=postgres)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from communard.constitution.permissions import NotAllowed
from communard.web.core import clock
from communard.web.councils.models import Council, Delegate, Federation
from communard.web.elections.models import Election
from communard.web.members.models import Member
from communard.web.recalls.actions import (
    do_keep,
    do_open_petition,
    do_recall,
    do_sign,
    do_withdraw_signature,
)
from communard.web.recalls.models import Notification, Petition, Signature, State, Withdrawal
from communard.web.records.models import QueuedEntry
from tests.web.elections_helpers import DAY
from tests.web.factories import TEST_OPERATOR, acting_member, recorded, verify_output
from tests.web.recalls_helpers import (
    AFTER,
    CLOCK,
    as_member,
    at_once,
    elected_workshop,
    petition_to_threshold,
    sitting,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workshop(tmp_path: Path) -> tuple[Federation, Election]:
    return elected_workshop(tmp_path)


def _state() -> tuple[int, int, int, int]:
    return (Petition.objects.count(), Signature.objects.count(), Withdrawal.objects.count(),
            recorded().count() + QueuedEntry.objects.count())


def test_a_petition_freezes_its_threshold_from_the_constituency_at_filing(workshop) -> None:  # type: ignore[no-untyped-def]
    """Workshop one has 12 members: 20% rounded up is 3 signatures, due within 30 days."""
    target = sitting()[0]
    petition = do_open_petition(target, grounds="broke the mandate", actor=as_member("12"),
                                now=AFTER)
    assert (petition.roll_size, petition.threshold, petition.state) == (12, 3, State.OPEN)
    assert petition.deadline == AFTER + 30 * DAY
    body = recorded().get(kind="recall.petition_opened").parsed()["body"]
    assert (body["threshold"], body["roll"], body["grounds"]) == (3, 12, "broke the mandate")
    assert body["opened_by"].startswith("commit:") and body["mandate"]["kind"] == "delegate"
    # Everyone in the constituency but the delegate hears of it on their page.
    assert Notification.objects.filter(petition=petition).count() == 11


def test_signatures_meet_the_threshold_and_each_is_a_commitment_on_the_record(workshop) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(sitting()[0], ["9", "10"])
    assert (petition.signatures, petition.state) == (2, State.OPEN)
    petition = do_sign(petition, actor=as_member("11"), now=AFTER + DAY)
    assert (petition.signatures, petition.state) == (3, State.THRESHOLD_MET)
    assert petition.vote_opens_at == AFTER + DAY
    assert petition.vote_closes_at == AFTER + 4 * DAY
    signed = [e.parsed()["body"] for e in recorded().filter(kind="recall.signed").order_by("index")]
    assert [b["signatures"] for b in signed] == [1, 2, 3]
    assert all(b["signer"].startswith("commit:") for b in signed)
    assert "m9" not in str(signed) and recorded().filter(kind="recall.threshold_met").count() == 1


def test_a_withdrawn_signature_is_a_new_row_and_entry(workshop) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(sitting()[0], ["9", "10"])
    petition = do_withdraw_signature(petition, actor=as_member("9"), now=AFTER + DAY)
    assert petition.signatures == 1
    assert Signature.objects.filter(petition=petition).count() == 2  # the history stays
    assert Withdrawal.objects.count() == 1
    assert recorded().get(kind="recall.signature_withdrawn").parsed()["body"]["signatures"] == 1


@pytest.mark.parametrize(("number", "rule"), [
    ("13", "not-in-constituency"),  # workshop two signs against workshop one's delegate
    ("9", "already-signed"),
])
def test_bad_signatures_are_refused_and_change_nothing(workshop, number: str, rule: str) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(sitting()[0], ["9"])
    before = _state()
    with pytest.raises(NotAllowed) as refused:
        do_sign(petition, actor=as_member(number), now=AFTER + DAY)
    assert refused.value.refusal.rule == rule
    assert _state() == before


def test_signing_after_the_deadline_or_after_withdrawal_is_refused(workshop) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(sitting()[0], ["9"])
    do_withdraw_signature(petition, actor=as_member("9"), now=AFTER + DAY)
    before = _state()
    with pytest.raises(NotAllowed, match="withdrew"):
        do_sign(petition, actor=as_member("9"), now=AFTER + DAY)
    with pytest.raises(NotAllowed, match="deadline"):
        do_sign(petition, actor=as_member("10"), now=AFTER + 30 * DAY)
    assert _state() == before


def test_a_member_admitted_after_the_filing_cannot_sign(workshop) -> None:  # type: ignore[no-untyped-def]
    """A mass intake after a petition is filed changes nobody's right to sign it."""
    import datetime as dt

    from django.utils import timezone

    from communard.web.accounts.actions import do_create_member_account
    from communard.web.members.actions import do_admit_member
    from tests.web.factories import TEST_OPERATOR

    fed, _ = workshop
    w2 = Council.objects.get(federation=fed, key="w2")
    founding = Delegate.objects.create(council=w2.parent, constituency=w2, source="founding",
                                       member=Member.objects.get(number="13"),
                                       began_at=timezone.now() - 10 * DAY)
    petition = do_open_petition(founding, grounds="g", actor=as_member("14"))  # filed now
    newcomer = do_admit_member(fed, number="99", name="Newcomer", council=w2,
                               admitted_on=dt.date.today(), actor=TEST_OPERATOR)
    do_create_member_account(newcomer, username="m99", password=None, actor=TEST_OPERATOR)
    with pytest.raises(NotAllowed) as refused:
        do_sign(petition, actor=as_member("99"))
    assert refused.value.refusal.rule == "not-in-constituency"
    assert do_sign(petition, actor=as_member("15")).signatures == 1


def test_a_second_open_petition_against_the_same_delegate_is_refused(workshop) -> None:  # type: ignore[no-untyped-def]
    target = sitting()[0]
    petition_to_threshold(target, [])
    before = _state()
    with pytest.raises(NotAllowed) as refused:
        do_open_petition(target, grounds="again", actor=as_member("11"), now=AFTER + DAY)
    assert refused.value.refusal.rule == "one-open-petition"
    assert _state() == before


def test_the_database_keeps_one_live_petition_per_mandate(workshop) -> None:  # type: ignore[no-untyped-def]
    first = petition_to_threshold(sitting()[0], [])
    with pytest.raises(IntegrityError), transaction.atomic():
        Petition.objects.create(
            federation=first.federation, delegate=first.delegate, constituency=first.constituency,
            grounds="x", opened_by=first.opened_by, filed_at=AFTER, deadline=AFTER,
            roll_size=1, threshold=1)


@pytest.mark.parametrize(("opener", "rule"), [
    ("13", "not-in-constituency"),
])
def test_a_petition_from_outside_the_constituency_is_refused(workshop, opener: str, rule: str) -> None:  # type: ignore[no-untyped-def]
    before = _state()
    with pytest.raises(NotAllowed) as refused:
        do_open_petition(sitting()[0], grounds="g", actor=as_member(opener), now=AFTER)
    assert refused.value.refusal.rule == rule
    assert _state() == before


def test_a_petition_against_someone_who_holds_no_seat_is_refused(workshop) -> None:  # type: ignore[no-untyped-def]
    target = sitting()[0]
    do_recall(target, source="meeting:1", actor=CLOCK, now=AFTER)
    before = _state()
    with pytest.raises(NotAllowed) as refused:
        do_open_petition(target, grounds="g", actor=as_member("12"), now=AFTER + DAY)
    assert refused.value.refusal.rule == "no-seat"
    assert _state() == before


def test_the_clock_lapses_a_petition_past_its_deadline(workshop) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(sitting()[0], ["9"])
    assert clock.run_due(AFTER + 29 * DAY).done["petition(s) lapsed"] == 0
    report = clock.run_due(AFTER + 30 * DAY)
    assert report.done["petition(s) lapsed"] == 1 and not report.refused
    petition.refresh_from_db()
    assert petition.state == State.LAPSED
    assert clock.run_due(AFTER + 31 * DAY).done["petition(s) lapsed"] == 0
    assert recorded().filter(kind="recall.petition_lapsed").count() == 1


def test_a_signature_cannot_be_withdrawn_once_the_threshold_is_met(workshop) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"])
    with pytest.raises(NotAllowed) as refused:
        do_withdraw_signature(petition, actor=as_member("9"), now=AFTER + DAY)
    assert refused.value.refusal.rule == "threshold-met"


def test_only_the_clock_carries_a_recall(workshop) -> None:  # type: ignore[no-untyped-def]
    from tests.web.factories import TEST_OPERATOR

    target = sitting()[0]
    with pytest.raises(NotAllowed):
        do_recall(target, source="decree", actor=TEST_OPERATOR, now=AFTER)
    with pytest.raises(NotAllowed):
        do_recall(target, source="decree", actor=as_member("12"), now=AFTER)
    assert Delegate.objects.get(pk=target.pk).ended_at is None


def test_delegates_are_recalled_and_replaced_easily_and_repeatedly(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    """Recall a delegate, then the replacement the countback seated, then the next: each time
    the seat is refilled at once from the same ballots, never by a member already recalled,
    until nobody is left on them and a by-election is called. verify replays all of it."""
    fed, election = workshop
    recalled: list[Member] = []
    when = AFTER
    target = sitting()[0]
    for _ in range(2):  # four candidates for two seats: two countbacks are possible
        signers = [n for n in ("9", "10", "11", "12") if n != target.member.number][:3]
        petition = petition_to_threshold(target, signers, when=when, opener=signers[0])
        assert petition.state == State.THRESHOLD_MET
        successor = do_recall(target, source=f"poll:{petition.pk}", actor=CLOCK, now=when + DAY)
        recalled.append(target.member)
        assert isinstance(successor, Delegate)
        assert successor.member not in recalled
        assert successor.council == election.council  # the seat in the council above
        petition.refresh_from_db()
        assert petition.state == State.RECALLED
        assert len(sitting()) == 2 and target.member not in [d.member for d in sitting()]
        assert successor in sitting()
        target, when = successor, when + 2 * DAY
    # The last replacement: nobody is left on the ballots, so a by-election fills the seat.
    petition_to_threshold(target, ["9", "10", "11"], when=when)
    by_election = do_recall(target, source="poll:last", actor=CLOCK, now=when + DAY)
    assert isinstance(by_election, Election) and by_election.seats == 1
    assert recorded().filter(kind="recall.decided").count() == 3
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_a_failed_recall_starts_the_cool_off(workshop) -> None:  # type: ignore[no-untyped-def]
    target = sitting()[0]
    petition = petition_to_threshold(target, ["9", "10", "11"])
    do_keep(petition, source="poll:1", actor=CLOCK, now=AFTER + 5 * DAY)
    petition.refresh_from_db()
    assert petition.state == State.KEPT
    with pytest.raises(NotAllowed) as refused:
        do_open_petition(target, grounds="again", actor=as_member("12"), now=AFTER + 60 * DAY)
    assert refused.value.refusal.rule == "cool-off"
    again = do_open_petition(target, grounds="again", actor=as_member("12"),
                             now=AFTER + 96 * DAY)
    assert again.state == State.OPEN
    assert Delegate.objects.get(pk=target.pk).ended_at is None


def test_verify_names_a_petition_count_raised_by_sql(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    petition = petition_to_threshold(sitting()[0], ["9"])
    with connection.cursor() as c:
        c.execute("UPDATE recalls_petition SET signatures = 50 WHERE id = %s", [petition.pk])
    status, out = verify_output(capsys)
    assert status == 1
    signed = recorded().get(kind="recall.signed").index
    assert (f"(entry #{signed}): recalls_petition {petition.federation.slug}/petition "
            f"{petition.pk}: signatures is 50; the record counts 1") in out, out


def test_the_database_refuses_to_lower_a_threshold_or_delete_a_signature(workshop) -> None:  # type: ignore[no-untyped-def]
    from communard.web.core.writeonce import Immutable

    petition = petition_to_threshold(sitting()[0], ["9"])
    for statement in (f"UPDATE recalls_petition SET threshold = 1 WHERE id = {petition.pk}",
                      "DELETE FROM recalls_signature",
                      "UPDATE recalls_signature SET member_id = member_id"):
        with pytest.raises(Immutable, match="recalls_"), transaction.atomic(), \
                connection.cursor() as c:
            c.execute(statement)
    assert Petition.objects.get(pk=petition.pk).threshold == 3


def test_verify_names_a_recalled_delegate_put_back_by_sql(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    """A recalled delegate's row ended behind the record's back the other way round: the
    mandate row brought back (guards lifted, as the tables' owner could) is named."""
    from tests.web.tampering import guards_lifted

    target = sitting()[0]
    petition = petition_to_threshold(target, ["9", "10", "11"])
    do_recall(target, source="poll:1", actor=CLOCK, now=AFTER + DAY)
    with guards_lifted(), connection.cursor() as c:
        c.execute("UPDATE councils_delegate SET ended_at = NULL WHERE id = %s", [target.pk])
    status, out = verify_output(capsys)
    assert status == 1
    decided = recorded().get(kind="recall.decided").index
    assert (f"(entry #{decided}): recalls_petition {petition.federation.slug}/petition "
            f"{petition.pk}: the record recalled") in out, out


def test_verify_names_a_delegate_ended_by_sql_without_a_recall(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    target = sitting()[0]
    with connection.cursor() as c:
        c.execute("UPDATE councils_delegate SET ended_at = %s WHERE id = %s", [AFTER, target.pk])
    status, out = verify_output(capsys)
    assert status == 1
    assert (f"member {target.member.number} (for w1): the record seats them but no current row"
            in out), out
    assert "state diverges from the record (entry #" in out


def test_an_office_holder_is_recalled_by_the_body_that_elected_them(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    """Workshop one elected its secretary; its members petition, the vote recalls her, the
    office is vacant at once and an election of the office is called; verify replays it."""
    from communard.web.councils.models import OfficeHolder
    from communard.web.elections.actions import (
        do_call_election,
        do_close_election,
        do_nominate,
        do_open_poll,
    )
    from tests.web.elections_helpers import Calendar, cast_ballot

    fed, _ = workshop
    cal = Calendar()
    w1 = Council.objects.get(federation=fed, key="w1")
    election = do_call_election(w1, kind="office", office="Secretary",
                                nominations_open_at=cal.nominations, poll_opens_at=cal.opens,
                                poll_closes_at=cal.closes, actor=TEST_OPERATOR, now=cal.called)
    for number in ("5", "6"):
        m = Member.objects.get(number=number)
        do_nominate(election, m, nominated_by=m, actor=acting_member(m), now=cal.nominations + DAY)
    do_open_poll(election, now=cal.opens)
    election.refresh_from_db()
    for voter in ("7", "8", "9"):
        cast_ballot(election, Member.objects.get(number=voter), [1], now=cal.opens + DAY)
    do_close_election(election, now=cal.closes + DAY)
    holder = OfficeHolder.objects.get(council=w1, office="Secretary", ended_at__isnull=True)
    with pytest.raises(NotAllowed):  # workshop two did not elect workshop one's secretary
        do_open_petition(holder, grounds="g", actor=as_member("13"), now=AFTER)
    petition = do_open_petition(holder, grounds="kept the minutes secret",
                                actor=as_member("10"), now=AFTER)
    for number in ("10", "11", "12"):
        petition = do_sign(petition, actor=as_member(number), now=AFTER + DAY)
    assert petition.state == State.THRESHOLD_MET
    called = do_recall(holder, source="poll:9", actor=CLOCK, now=AFTER + 2 * DAY)
    assert isinstance(called, Election) and (called.kind, called.office) == ("office", "Secretary")
    assert not OfficeHolder.objects.filter(council=w1, ended_at__isnull=True).exists()
    assert recorded().filter(kind="office.vacated").count() == 1
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_the_recall_vote_runs_on_the_clock_and_a_yes_seats_the_countback(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    """The whole recall through the poll machinery: the threshold met, the clock calls a secret
    yes/no poll of the roll as filed, opens it, members vote, the clock closes and counts it,
    and the yes recalls the delegate and seats the countback's winner in the council above,
    all in the close's transaction. Then the replacement is recalled the same way, and a vote
    that says no keeps the next one and starts the cool-off. verify replays all of it."""
    from communard.web.polls.models import Poll
    from tests.web.polls_helpers import vote

    fed, election = workshop
    target, when = sitting()[0], AFTER
    for voters_yes, outcome in ((("9", "10", "11"), State.RECALLED),
                                (("9", "10", "11"), State.RECALLED)):
        petition = petition_to_threshold(target, ["9", "10", "11"], when=when, opener="12")
        assert petition.state == State.THRESHOLD_MET
        assert "1 recall vote(s) called" in clock.run_due(now=when + 2 * DAY / 24).summary()
        petition.refresh_from_db()
        assert petition.state == State.VOTE_CALLED
        poll = Poll.objects.get(purpose="recall", subject=f"recall-petition:{petition.pk}")
        assert (poll.question, poll.secret, poll.roll_at) == ("yes-no", True, petition.filed_at)
        opened = clock.run_due(now=poll.opens_at)
        assert "1 poll roll(s) frozen" in opened.summary(), opened.summary()
        poll.refresh_from_db()
        for number in voters_yes:
            vote(poll, number, [1], when=poll.opens_at + DAY / 24)
        vote(poll, "5", [2], when=poll.opens_at + DAY / 24)
        clock.run_due(now=poll.closes_at)
        petition.refresh_from_db()
        assert petition.state == outcome and petition.decided_by == f"poll:{poll.pk}"
        successor = [d for d in sitting() if d.began_at >= poll.closes_at]
        assert len(sitting()) == 2 and target.member not in [d.member for d in sitting()]
        assert len(successor) == 1 and successor[0].council == election.council
        target, when = successor[0], poll.closes_at + DAY
    # A vote that says no: the delegate stays, and the cool-off starts.
    petition = petition_to_threshold(target, ["9", "10", "11"], when=when, opener="12")
    clock.run_due(now=when + 2 * DAY / 24)
    poll = Poll.objects.get(purpose="recall", subject=f"recall-petition:{petition.pk}")
    clock.run_due(now=poll.opens_at)
    poll.refresh_from_db()
    vote(poll, "9", [1], when=poll.opens_at + DAY / 24)
    for number in ("5", "6"):
        vote(poll, number, [2], when=poll.opens_at + DAY / 24)
    clock.run_due(now=poll.closes_at)
    petition.refresh_from_db()
    assert petition.state == State.KEPT and target in sitting()
    assert poll.result.reason and not poll.result.passed
    status, out = verify_output(capsys)
    assert status == 0 and "state: matches the record" in out, out


def test_a_recall_vote_called_late_still_gets_its_whole_length(workshop) -> None:  # type: ignore[no-untyped-def]
    """Stopping the clock until the vote's window has passed does not defeat a recall: the
    vote is called with its whole length from when the clock runs again."""
    from communard.web.polls.models import Poll

    petition = petition_to_threshold(sitting()[0], ["9", "10", "11"])
    late = petition.vote_closes_at + 5 * DAY
    clock.run_due(now=late)
    poll = Poll.objects.get(purpose="recall", subject=f"recall-petition:{petition.pk}")
    assert poll.opens_at == late
    assert poll.closes_at - poll.opens_at == petition.vote_closes_at - petition.vote_opens_at
def test_the_roll_is_frozen_into_its_own_table_at_filing(workshop) -> None:  # type: ignore[no-untyped-def]
    """Workshop one's 12 members are the petition's roll, as rows the database never lets
    change."""
    from communard.web.core.writeonce import Immutable
    from communard.web.recalls.models import RollMember

    petition = do_open_petition(sitting()[0], grounds="g", actor=as_member("12"), now=AFTER)
    on_roll = set(RollMember.objects.filter(petition=petition)
                  .values_list("member__number", flat=True))
    assert on_roll == {str(n) for n in range(1, 13)}
    for statement in ("UPDATE recalls_rollmember SET member_id = member_id",
                      "DELETE FROM recalls_rollmember"):
        with pytest.raises(Immutable, match="recalls_rollmember"), transaction.atomic(), \
                connection.cursor() as c:
            c.execute(statement)
    assert RollMember.objects.filter(petition=petition).count() == 12


def test_signing_checks_the_frozen_roll_not_the_membership_history(workshop) -> None:  # type: ignore[no-untyped-def]
    """A signature reads the roll frozen at filing by its key: no statement of it reads the
    membership history (whose replay made signing slow in a large constituency)."""
    from django.test.utils import CaptureQueriesContext

    petition = do_open_petition(sitting()[0], grounds="g", actor=as_member("12"), now=AFTER)
    with CaptureQueriesContext(connection) as queries:
        do_sign(petition, actor=as_member("9"), now=AFTER + DAY)
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in statements if "members_membershipevent" in s], statements
    assert any("recalls_rollmember" in s for s in statements), statements


def test_verify_names_a_place_added_to_a_petitions_roll_by_sql(workshop, capsys) -> None:  # type: ignore[no-untyped-def]
    """Workshop two's member 13 put on workshop one's petition roll with SQL (guards do not
    stop an INSERT: the roll is insert-only) is named against the filing's entry."""
    petition = do_open_petition(sitting()[0], grounds="g", actor=as_member("12"), now=AFTER)
    outsider = Member.objects.get(number="13")
    with connection.cursor() as c:
        c.execute("INSERT INTO recalls_rollmember (petition_id, member_id) VALUES (%s, %s)",
                  [petition.pk, outsider.pk])
    status, out = verify_output(capsys)
    assert status == 1
    opened = recorded().get(kind="recall.petition_opened").index
    assert (f"(entry #{opened}): recalls_petition {petition.federation.slug}/petition "
            f"{petition.pk}: the frozen roll's size is 13; the record filed it with 12") in out, out


def test_concurrent_signatures_meet_the_threshold_exactly_once(workshop) -> None:  # type: ignore[no-untyped-def]
    """Eight members sign at once a petition that needs three: three signatures count, the
    threshold is met by one of them, once, and the other five are refused as no longer
    collecting, with nothing of theirs written (threads, each its own connection)."""
    petition = do_open_petition(sitting()[0], grounds="g", actor=as_member("12"), now=AFTER)
    signers = ["3", "4", "5", "6", "7", "8", "9", "10"]

    def sign(number: str) -> str:
        try:
            with transaction.atomic(durable=True):
                do_sign(Petition(pk=petition.pk), actor=as_member(number), now=AFTER + DAY)
        except NotAllowed as refused:
            return refused.refusal.rule
        return "signed"

    outcomes = at_once(sign, signers)
    assert sorted(outcomes) == ["petition-not-open"] * 5 + ["signed"] * 3
    petition.refresh_from_db()
    assert (petition.signatures, petition.state) == (3, State.THRESHOLD_MET)
    assert Signature.objects.filter(petition=petition).count() == 3
    assert recorded().filter(kind="recall.threshold_met").count() + QueuedEntry.objects.filter(
        kind="recall.threshold_met").count() == 1
    counts = sorted(e.parsed()["body"]["signatures"]
                    for e in recorded().filter(kind="recall.signed"))
    assert counts == [1, 2, 3]
