"""Model instances from plain SQL rows, for the few hot paths that skip the ORM's compiler."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import DEFERRED, Model

M = TypeVar("M", bound=Model)
Converter = tuple[int, Any, list[Callable[..., Any]]]


def model_from_row(model: type[M], attnames: Sequence[str], row: Sequence[Any]) -> M:
    """``model`` with the fields ``attnames`` set from ``row`` (the rest load on access).

    The values get the same conversions the ORM gives them (SQLite returns datetimes as text,
    for one). ``Model.raw()`` would too, but it works out its column mapping again on every
    query, which cost more than the query itself on the casting path.
    """
    values = list(row)
    names = tuple(attnames)
    for i, expression, converters in _converters(model, names, connection.vendor):
        for convert in converters:
            values[i] = convert(values[i], expression, connection)
    # from_db takes the values in the model's field order, DEFERRED for those not loaded.
    ordered = [DEFERRED if i is None else values[i] for i in _order(model, names)]
    return model.from_db(connection.alias, list(names), ordered)


@functools.cache
def _order(model: type[Model], attnames: tuple[str, ...]) -> list[int | None]:
    where = {name: i for i, name in enumerate(attnames)}
    return [where.get(f.attname) for f in model._meta.concrete_fields]


@functools.cache
def _converters(model: type[Model], attnames: tuple[str, ...], vendor: str) -> list[Converter]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    found = []
    for i, name in enumerate(attnames):
        expression = fields[name].get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(expression)
        converters += expression.get_db_converters(connection)
        if converters:
            found.append((i, expression, converters))
    return found
