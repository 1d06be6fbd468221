"""What must never change, refused twice: by the models, and by the database itself.

The models' guards (:class:`WriteOnce`, :class:`WriteOnceQuerySet`) are the first line: they
stop the application's own code and a careless shell session with a clear :class:`Immutable`.
They are Python, so Django's base classes walk past them (``models.QuerySet.update(qs, …)``,
``models.Model.delete(row)``), and plain SQL never meets them. The second line is in the
database: triggers, created by migrations (:func:`guards`), refuse the UPDATE, DELETE and (on
PostgreSQL) TRUNCATE of what is written once, and the change of a row once it is settled (a
closed election, an ended tenure). Every statement through the application's connection meets
them, whichever way it was written; :func:`refusals_as_immutable` turns the database's refusal
back into :class:`Immutable`, naming the table.

No setting, variable or session flag of the application turns a trigger off: a guard the
operator could switch off from the application would be no guard. What remains is the power to
change the schema (PostgreSQL's superuser or the tables' owner, or whoever holds the SQLite
file): ``communard verify`` replays the record to catch that (docs/record/write-once.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, migrations, models

# Every refusal's message starts with this, on both databases: how a refusal is told apart from
# other integrity errors (a unique or foreign key constraint).
REFUSAL = "communard write-once:"

# PostgreSQL: the trigger function every guard calls, with its reason as the argument. Its
# SQLSTATE is restrict_violation (23001), an integrity error, as SQLite's RAISE(ABORT) is.
PG_FUNCTION = "communard_refuse_write"
_RAISE = f"""RAISE EXCEPTION '{REFUSAL} % on % refused: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'restrict_violation';"""
# The same for a guard settled by the row a foreign key points at (a candidate, once its
# election's roll is frozen): PostgreSQL's WHEN cannot read another table, so the function does.
# Its arguments: the reason, the other table, its key, its settling column, this row's key to it.
PG_PARENT_FUNCTION = "communard_refuse_write_if_settled"
PG_FUNCTIONS = {
    PG_FUNCTION: f"""
CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_RAISE}
END
$$
""",
    PG_PARENT_FUNCTION: f"""
CREATE FUNCTION {PG_PARENT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    settled boolean;
BEGIN
    EXECUTE format('SELECT %I IS NOT NULL FROM %I WHERE %I = ($1).%I',
                   TG_ARGV[3], TG_ARGV[1], TG_ARGV[2], TG_ARGV[4])
        INTO settled USING OLD;
    IF settled THEN
        {_RAISE}
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$
""",
}


class Immutable(IntegrityError):
    """A row that is written once, or settled, cannot be changed, voided or deleted.

    An :class:`~django.db.IntegrityError`: the database refuses the same statement, and code
    that handles the database's refusals handles this one too."""


class WriteOnceQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def delete(self) -> Any:
        raise Immutable(f"{self.model.__name__} rows cannot be deleted")

    def update(self, **kwargs: Any) -> Any:
        raise Immutable(f"{self.model.__name__} rows cannot be changed")


class WriteOnce(models.Model):
    """A model whose rows are inserted and never changed or deleted (the database agrees:
    give it :func:`write_once` guards in a migration)."""

    objects = WriteOnceQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise Immutable(f"{type(self).__name__} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise Immutable(f"{type(self).__name__} rows cannot be deleted")


@dataclass(frozen=True)
class Guard:
    """One refusal the database makes, on one model's table.

    ``event``: ``UPDATE``, ``DELETE`` or ``TRUNCATE`` (PostgreSQL only; SQLite has none).
    ``settled_by``: refuse only rows whose field is set (``closed_at IS NOT NULL``), or whose
    foreign key points at a row whose field is set (``election.roll_frozen_at``).
    ``fields``: for UPDATE, refuse only a change of one of these fields.
    ``smaller``: for UPDATE, refuse only a change that makes this field smaller.
    ``reason``: the end of the message, for whoever meets the refusal.
    """

    model: str
    name: str
    event: str
    reason: str
    settled_by: str | None = None
    fields: tuple[str, ...] = ()
    smaller: str | None = None

    def trigger(self, table: str) -> str:
        return f"communard_{table}_{self.name}"


def write_once(model: str, reason: str,
               events: Sequence[str] = ("UPDATE", "DELETE", "TRUNCATE")) -> list[Guard]:
    """Rows only ever inserted: UPDATE, DELETE and TRUNCATE refused (or just ``events``)."""
    return [Guard(model, f"no_{e.lower()}", e, reason) for e in events]


def settled(model: str, by: str, reason: str,
            events: Sequence[str] = ("UPDATE", "DELETE")) -> list[Guard]:
    """A row whose ``by`` field is set (a closed election) never changes and is never deleted
    (or just ``events``)."""
    return [Guard(model, f"settled_no_{e.lower()}", e, reason, settled_by=by) for e in events]


def fixed(model: str, name: str, fields: Sequence[str], reason: str,
          once: str | None = None) -> Guard:
    """``fields`` never change (once ``once`` is set, if given)."""
    return Guard(model, name, "UPDATE", reason, settled_by=once, fields=tuple(fields))


def never_smaller(model: str, field: str, reason: str) -> Guard:
    return Guard(model, f"{field}_never_smaller", "UPDATE", reason, smaller=field)


def guards(*given: Guard | Sequence[Guard]) -> migrations.RunPython:
    """A migration operation creating the guards' triggers on this database (reversed: dropping
    them). The tables and columns are read from the migration's state of the models.

    Migrations call this and the helpers above, so the SQL they make must not change: a new
    or different guard is a new migration (drop the old trigger there), never an edit here."""
    flat: list[Guard] = []
    for g in given:
        flat.extend([g] if isinstance(g, Guard) else g)

    def run(create: bool) -> Callable[[Any, Any], None]:
        def step(apps: Any, schema_editor: Any) -> None:
            vendor = schema_editor.connection.vendor
            for guard in flat:
                meta = apps.get_model(guard.model)._meta
                if create:
                    statement = create_sql(guard, meta, vendor, schema_editor.quote_name)
                else:
                    statement = drop_sql(guard, meta, vendor, schema_editor.quote_name)
                if statement:
                    schema_editor.execute(statement, params=None)

        return step

    return migrations.RunPython(run(True), run(False))


def create_sql(guard: Guard, meta: Any, vendor: str, q: Callable[[str], str]) -> str | None:
    """The guard's CREATE TRIGGER for ``vendor`` (None: nothing to make there)."""
    table, name = meta.db_table, guard.trigger(meta.db_table)

    def column(field: str) -> str:
        return q(meta.get_field(field).column)

    conditions = []
    parent: list[str] = []  # settled by another row: its table, key, column; our key to it
    if guard.settled_by and "." in guard.settled_by:
        key, settling = guard.settled_by.split(".")
        fk = meta.get_field(key)
        other = fk.related_model._meta
        parent = [other.db_table, other.pk.column, other.get_field(settling).column, fk.column]
    elif guard.settled_by:
        conditions.append(f"OLD.{column(guard.settled_by)} IS NOT NULL")
    if guard.fields:
        differs = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
        changes = [f"NEW.{column(f)} {differs} OLD.{column(f)}" for f in guard.fields]
        conditions.append("(" + " OR ".join(changes) + ")")
    if guard.smaller:
        conditions.append(f"NEW.{column(guard.smaller)} < OLD.{column(guard.smaller)}")
    if parent and vendor == "sqlite":  # last: the cheap comparisons above come first
        conditions.append(f"(SELECT {q(parent[2])} FROM {q(parent[0])} "
                          f"WHERE {q(parent[1])} = OLD.{q(parent[3])}) IS NOT NULL")
    when = " AND ".join(conditions)
    if vendor == "postgresql":
        level = "STATEMENT" if guard.event == "TRUNCATE" else "ROW"
        function = PG_PARENT_FUNCTION if parent else PG_FUNCTION
        arguments = ", ".join(_literal(a) for a in [guard.reason, *parent])
        return (
            f"CREATE TRIGGER {q(name)} BEFORE {guard.event} ON {q(table)} FOR EACH {level} "
            + (f"WHEN ({when}) " if when else "")
            + f"EXECUTE FUNCTION {function}({arguments})"
        )
    if vendor == "sqlite":
        if guard.event == "TRUNCATE":
            return None  # SQLite has no TRUNCATE: its "DELETE FROM t" meets the DELETE guard
        message = f"{REFUSAL} {guard.event} on {table} refused: {guard.reason}"
        return (
            f"CREATE TRIGGER {q(name)} BEFORE {guard.event} ON {q(table)} FOR EACH ROW "
            + (f"WHEN {when} " if when else "")
            + f"BEGIN SELECT RAISE(ABORT, {_literal(message)}); END"
        )
    raise NotImplementedError(f"no write-once guards for the {vendor} database")


def drop_sql(guard: Guard, meta: Any, vendor: str, q: Callable[[str], str]) -> str | None:
    name = q(guard.trigger(meta.db_table))
    if vendor == "postgresql":
        return f"DROP TRIGGER {name} ON {q(meta.db_table)}"
    return None if guard.event == "TRUNCATE" else f"DROP TRIGGER {name}"


def _literal(text: str) -> str:
    """A string literal in SQL (the reasons are ours, but quote them properly anyway)."""
    return "'" + text.replace("'", "''") + "'"


def pg_function(name: str = PG_FUNCTION) -> migrations.RunPython:
    """A migration operation: one of the trigger functions of PostgreSQL's guards (elsewhere
    nothing)."""

    def run(statement: str) -> Callable[[Any, Any], None]:
        def step(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(statement, params=None)

        return step

    return migrations.RunPython(run(PG_FUNCTIONS[name]), run(f"DROP FUNCTION {name}()"))


def refusals_as_immutable(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                          context: dict[str, Any]) -> Any:
    """A Django execute wrapper: a guard's refusal, whichever way the statement was written,
    becomes :class:`Immutable` with the database's message (the table and the reason)."""
    try:
        return execute(sql, params, many, context)
    except IntegrityError as error:
        message = str(error)
        if REFUSAL not in message:
            raise
        first = message[message.index(REFUSAL):].splitlines()[0]
        raise Immutable(first) from error


def install_refusals(connection: Any, **_: Any) -> None:
    """On every new database connection (``connection_created``): map refusals (above).

    First in the list, so outermost: ``connection.execute_wrapper()`` blocks pop the last
    wrapper when they end, and a connection opened inside one must not lose this one."""
    if refusals_as_immutable not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, refusals_as_immutable)
