"""The database itself refuses to change what is written once (core/writeonce.py, the apps'
write-once migrations): through Django's base classes, raw SQL, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from communard.cli import main
from communard.record import Queued
from communard.web.core.writeonce import Immutable
from communard.web.councils.models import Council, Delegate, OfficeHolder
from communard.web.elections.actions import (
    do_call_election,
    do_close_election,
    do_nominate,
    do_open_poll,
)
from communard.web.elections.models import Ballot as OldBallot
from communard.web.elections.models import Candidate, Election
from communard.web.elections.models import Mark as OldMark
from communard.web.elections.models import Result as OldResult
from communard.web.elections.models import RollEntry as OldRollEntry
from communard.web.members.models import Member, MembershipEvent
from communard.web.polls.models import Ballot, Mark, Result, RollEntry
from communard.web.records import services
from communard.web.records.models import Checkpoint, Entry, Head, Node, Opening, QueuedEntry
from communard.web.records.store import enqueue
from tests.web.elections_helpers import DAY, NOW, Calendar, cast_ballot, open_election
from tests.web.factories import TEST_OPERATOR, acting_member, recorded, small_federation
from tests.web.tampering import guards_lifted

pytestmark = pytest.mark.django_db(transaction=True)  # actions open durable transactions

# An election's ballots, marks, roll and result are its poll's (issue 15).
WRITE_ONCE = [Ballot, Mark, RollEntry, Result, Entry, Node, Checkpoint, MembershipEvent]


@pytest.fixture
def closed(tmp_path: Path) -> Election:
    """A counted election: ballots, marks, its roll, a result, and the record of it all."""
    fed = small_federation(tmp_path, {"w1": 6, "w2": 2, "w3": 2})
    election = open_election(fed, "w1", ["1", "2", "3"])
    for number, ranking in (("4", [1, 2]), ("5", [2]), ("6", [2, 3])):
        cast_ballot(election, Member.objects.get(number=number), ranking, now=NOW)
    do_close_election(election, now=NOW + 2 * DAY)
    recorded()  # seal: entries, nodes and checkpoints
    election.refresh_from_db()
    return election


def refused(do: Callable[[], Any], table: str) -> str:
    """Run ``do`` in a savepoint; it must be refused by the database, naming ``table``."""
    with pytest.raises(Immutable) as refusal, transaction.atomic():
        do()
    message = str(refusal.value)
    assert message.startswith("communard write-once:") and f" on {table} " in message, message
    assert isinstance(refusal.value.__cause__, IntegrityError)  # from the database, not Python
    return message


def snapshot(model: type[models.Model]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in model._base_manager.order_by("pk").values_list()]


def quoted(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@pytest.mark.parametrize("model", WRITE_ONCE, ids=lambda m: m.__name__)
def test_raw_sql_update_and_delete_are_refused(closed: Election, model: type[models.Model]) -> None:
    """UPDATE and DELETE by SQL through the application's connection: refused, rows unchanged."""
    table, before = model._meta.db_table, snapshot(model)
    assert before, f"the fixture wrote no {model.__name__} rows"
    pk = connection.ops.quote_name(model._meta.pk.column)

    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    assert " UPDATE " in refused(lambda: execute(f"UPDATE {quoted(model)} SET {pk} = {pk}"), table)
    refused(lambda: execute(f"DELETE FROM {quoted(model)}"), table)
    assert snapshot(model) == before


@pytest.mark.parametrize("model", WRITE_ONCE, ids=lambda m: m.__name__)
def test_emptying_the_table_is_refused(closed: Election, model: type[models.Model]) -> None:
    """TRUNCATE on PostgreSQL (SQLite has none: its way to empty a table is DELETE)."""
    before = snapshot(model)
    statement = "TRUNCATE {} CASCADE" if connection.vendor == "postgresql" else "DELETE FROM {}"

    def empty() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement.format(quoted(model)))

    refused(empty, model._meta.db_table)
    assert snapshot(model) == before


def base_class_writes(row: models.Model) -> list[Callable[[], Any]]:
    """Django's base classes, which know nothing of the models' own guards."""
    model = type(row)
    everything = models.QuerySet(model)
    field = next(f for f in model._meta.concrete_fields if not f.primary_key)
    return [
        lambda: models.QuerySet.update(everything, **{field.attname: getattr(row, field.attname)}),
        lambda: models.QuerySet.delete(everything.filter(pk=row.pk)),
        lambda: models.Model.delete(row),
        lambda: models.Model.save(row),  # an existing row: an UPDATE
        lambda: model._base_manager.filter(pk=row.pk).update(
            **{field.attname: getattr(row, field.attname)}),
    ]


@pytest.mark.parametrize("model", WRITE_ONCE, ids=lambda m: m.__name__)
def test_base_class_update_and_delete_are_refused(closed: Election,
                                                  model: type[models.Model]) -> None:
    """The ORM's back doors (QuerySet.update, Model.delete, Model.save) meet the database."""
    before = snapshot(model)
    rows = model._base_manager.order_by("pk")
    # A marked roll entry is also protected by its mark's foreign key, before any SQL is sent.
    row = (rows.filter(mark__isnull=True) if model is RollEntry else rows).first()
    assert row is not None
    for write in base_class_writes(row):
        refused(write, model._meta.db_table)
    assert snapshot(model) == before


def test_a_closed_election_is_not_reopened_rewritten_and_recounted(closed: Election) -> None:
    """The issue's capture: clear closed_at, rewrite ballots with SQL, close again by `tick`.
    Every step is refused, and the seats stay with the counted winners."""
    winners = list(Result.objects.get(poll_id=closed.poll_id).winners)
    seated = sorted(Delegate.objects.filter(ended_at__isnull=True).values_list("member", flat=True))
    refused(lambda: Election.objects.filter(pk=closed.pk).update(closed_at=None),
            "elections_election")

    def rewrite() -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE polls_ballot SET choices = %s", ['[3]'])

    refused(rewrite, "polls_ballot")
    assert main(["tick"]) == 0
    assert Result.objects.get(poll_id=closed.poll_id).winners == winners
    assert sorted(
        Delegate.objects.filter(ended_at__isnull=True).values_list("member", flat=True)
    ) == seated


def test_a_closed_election_never_changes_or_goes(closed: Election) -> None:
    """Any field of a closed election, and its deletion, are refused."""
    before = snapshot(Election)
    refused(lambda: Election.objects.filter(pk=closed.pk).update(title="Voided"),
            "elections_election")
    refused(lambda: Election.objects.filter(pk=closed.pk).update(closed_at=NOW + 3 * DAY),
            "elections_election")

    def delete() -> None:  # by SQL: Django's collector would stop at the ballots' foreign keys
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM elections_election WHERE id = %s", [closed.pk])

    refused(delete, "elections_election")
    assert snapshot(Election) == before


def test_an_open_election_still_changes_but_not_its_frozen_roll(tmp_path: Path) -> None:
    """Before the close the clock may move the close; the frozen roll's terms stay."""
    fed = small_federation(tmp_path, {"w1": 4, "w2": 1, "w3": 1})
    election = open_election(fed, "w1", ["1", "2"])
    assert election.roll_frozen_at is not None
    Election.objects.filter(pk=election.pk).update(poll_closes_at=NOW + 3 * DAY)
    for change in ({"roll_cutoff": NOW.date()}, {"roll_size": 99}, {"seats": 3},
                   {"roll_frozen_at": None}):
        refused(lambda c=change: Election.objects.filter(pk=election.pk).update(**c),  # type: ignore[misc]
                "elections_election")
    assert Election.objects.get(pk=election.pk).poll_closes_at == NOW + 3 * DAY


def test_a_candidate_stands_as_numbered_once_the_roll_is_frozen(tmp_path: Path) -> None:
    """Before the poll a candidacy may change; after the freeze the number that ballots use
    keeps naming the same member, and no candidate is removed (the statement stays editable)."""
    small_federation(tmp_path, {"w1": 4, "w2": 1, "w3": 1})
    later = Calendar(called=NOW - 6 * DAY, nominations=NOW - 6 * DAY, opens=NOW + DAY,
                     closes=NOW + 8 * DAY)
    election = do_call_election(Council.objects.get(key="w1"), nominations_open_at=later.nominations,
                                poll_opens_at=later.opens, poll_closes_at=later.closes,
                                actor=TEST_OPERATOR, now=later.called)
    for number in ("1", "2"):
        m = Member.objects.get(number=number)
        do_nominate(election, m, nominated_by=m, actor=acting_member(m), now=NOW)
    Candidate.objects.filter(election=election, member__number="2").update(accepted=False)
    Candidate.objects.filter(election=election, member__number="2").update(accepted=True)
    do_open_poll(election, now=later.opens)
    first = Candidate.objects.get(election=election, number=1)
    other = Member.objects.get(number="3")
    refused(lambda: Candidate.objects.filter(pk=first.pk).update(member=other),
            "elections_candidate")
    refused(lambda: Candidate.objects.filter(election=election).update(number=None),
            "elections_candidate")
    refused(lambda: models.Model.delete(first), "elections_candidate")
    Candidate.objects.filter(pk=first.pk).update(statement="Re-worded")
    assert Candidate.objects.get(number=1, election=election).member_id == first.member_id


def test_a_tenure_ends_once_and_stays_history(tmp_path: Path) -> None:
    """Ending a current mandate is allowed; then it never changes, and no mandate is deleted."""
    small_federation(tmp_path, {"w1": 2, "w2": 1, "w3": 1})
    member, other = Member.objects.get(number="1"), Member.objects.get(number="2")
    w1, d1 = Council.objects.get(key="w1"), Council.objects.get(key="d1")
    mandate = Delegate.objects.create(council=d1, constituency=w1, member=member,
                                      began_at=NOW - DAY, source="founding")
    refused(lambda: Delegate.objects.filter(pk=mandate.pk).update(member=other),
            "councils_delegate")
    refused(lambda: Delegate.objects.filter(pk=mandate.pk).update(began_at=NOW),
            "councils_delegate")
    Delegate.objects.filter(pk=mandate.pk, ended_at__isnull=True).update(ended_at=NOW)
    refused(lambda: Delegate.objects.filter(pk=mandate.pk).update(ended_at=None),
            "councils_delegate")
    refused(lambda: Delegate.objects.filter(pk=mandate.pk).delete(), "councils_delegate")
    office = OfficeHolder.objects.create(council=d1, office="secretary", member=member,
                                         began_at=NOW - DAY, source="founding")
    refused(lambda: OfficeHolder.objects.filter(pk=office.pk).update(office="treasurer"),
            "councils_officeholder")
    OfficeHolder.objects.filter(pk=office.pk).update(ended_at=NOW)
    refused(lambda: OfficeHolder.objects.filter(pk=office.pk).update(ended_at=NOW + DAY),
            "councils_officeholder")
    refused(lambda: models.Model.delete(office), "councils_officeholder")
    assert Delegate.objects.get(pk=mandate.pk).ended_at == NOW


def test_a_members_admission_date_never_moves(tmp_path: Path) -> None:
    """Backdating an admission (to slip onto a roll) is refused; status still changes."""
    small_federation(tmp_path, {"w1": 2, "w2": 1, "w3": 1})
    refused(lambda: Member.objects.filter(number="1").update(admitted_on=dt.date(2000, 1, 1)),
            "members_member")
    refused(lambda: Member.objects.filter(number="1").update(number="100"), "members_member")
    Member.objects.filter(number="1").update(status="lapsed", name="Renamed")
    assert Member.objects.get(number="1").admitted_on == dt.date(2024, 1, 1)


def test_the_queue_drains_but_its_entries_never_change(closed: Election) -> None:
    """Sealing deletes queued entries and moves the head on; nobody edits a queued entry,
    shrinks the tree, or alters an opening (deleting one, to forget personal data, stays)."""
    with transaction.atomic():  # queued, as by a process that died before sealing it
        enqueue(Queued.of("test.entry", {"n": 1}))
    queued = QueuedEntry.objects.get()
    refused(lambda: QueuedEntry.objects.filter(pk=queued.pk).update(body='{"n":2}'),
            "records_queuedentry")
    size = Head.objects.get().size
    assert services.seal() == 1 and not QueuedEntry.objects.exists()
    assert Head.objects.get().size == size + 1
    refused(lambda: Head.objects.update(size=size), "records_head")
    opening = Opening.objects.first()
    assert opening is not None
    refused(lambda: Opening.objects.filter(pk=opening.pk).update(value="someone else"),
            "records_opening")
    Opening.objects.filter(pk=opening.pk).delete()


def test_other_integrity_errors_stay_what_they_are(closed: Election) -> None:
    """Only the guards' refusals become Immutable: a unique constraint is still itself."""
    ballot = Ballot.objects.first()
    assert ballot is not None
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        Ballot.objects.create(tracking_code=ballot.tracking_code, poll_id=closed.poll_id,
                              choices=[1])
    assert not isinstance(error.value, Immutable)


def test_the_superusers_power_is_outside_the_application(closed: Election) -> None:
    """What the tests' tampering does (a superuser's switch, or dropping SQLite's triggers) is
    what `verify` exists for; once it ends the guards hold again."""
    with guards_lifted():
        Ballot._base_manager.filter(poll_id=closed.poll_id).update(choices=[3])
    refused(lambda: Ballot._base_manager.update(choices=[1]), "polls_ballot")
    assert list(Ballot._base_manager.values_list("choices", flat=True)) == [[3]] * 3


def migration_step(app: str, name: str) -> Any:
    return importlib.import_module(f"communard.web.{app}.migrations.{name}").Migration.operations[0]


def test_the_guards_migrate_back_and_forth(closed: Election) -> None:
    """Reversed, a guard migration drops its triggers; run again, they are back as they were."""
    polls = migration_step("polls", "0002_write_once_guards")
    members = migration_step("members", "0003_write_once_guards")
    with connection.schema_editor() as editor:
        polls.reverse_code(apps, editor)
        members.reverse_code(apps, editor)
    Ballot._base_manager.filter(poll_id=closed.poll_id).update(choices=[3])
    Member.objects.filter(number="1").update(admitted_on=dt.date(2000, 1, 1))
    with connection.schema_editor() as editor:
        members.code(apps, editor)
        polls.code(apps, editor)
    refused(lambda: Ballot._base_manager.update(choices=[1]), "polls_ballot")
    refused(lambda: Member.objects.filter(number="1").update(admitted_on=dt.date(2024, 1, 1)),
            "members_member")


@pytest.mark.parametrize("model", [OldBallot, OldMark, OldRollEntry, OldResult],
                         ids=lambda m: m.__name__)
def test_the_elections_old_vote_tables_take_no_new_rows(closed: Election,
                                                        model: type[models.Model]) -> None:
    """Elections vote in polls (issue 15): the elections' own roll, marks, ballots and results
    keep the votes held before, and the database refuses a new row in any of them."""
    values = {OldBallot: "('ABCD-ABCD-ABCD-ABCD', {e}, '[1]')",
              OldRollEntry: "({e}, {m})",
              OldMark: "(1)",
              OldResult: "({e}, '1', 0, 0, 'x', '[]', '{{}}', '2026-01-01')"}[model]
    columns = {OldBallot: "tracking_code, election_id, ranking",
               OldRollEntry: "election_id, member_id", OldMark: "entry_id",
               OldResult: "election_id, seed, ballots, marks, box_sha256, winners, sheet, "
                          "counted_at"}[model]
    member = Member.objects.first()
    assert member is not None

    def insert() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {quoted(model)} ({columns}) VALUES "
                           + values.format(e=closed.pk, m=member.pk))

    assert " INSERT " in refused(insert, model._meta.db_table)
    assert not model._base_manager.exists()
