"""Hypothesis strategies for the record's tests (to be merged into tests/strategies.py)."""

from __future__ import annotations

from typing import Any

import msgspec.inspect as mi
from hypothesis import strategies as st

from communard.record._canonical import MAX_SAFE_INTEGER
from communard.record.kinds import KINDS, Kind

# Strings over all of Unicode except lone surrogates, which JSON text cannot carry as UTF-8.
json_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | json_text
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_text, inner, max_size=4),
    max_leaves=12,
)
bodies = st.dictionaries(json_text, json_values, max_size=4)
kinds = st.from_regex(r"[a-z][a-z0-9_.-]{0,20}", fullmatch=True)


@st.composite
def index_and_size(draw: st.DrawFn, max_size: int = 300) -> tuple[int, int]:
    size = draw(st.integers(1, max_size))
    return draw(st.integers(0, size - 1)), size


@st.composite
def two_sizes(draw: st.DrawFn, max_size: int = 300) -> tuple[int, int]:
    new = draw(st.integers(0, max_size))
    return draw(st.integers(0, new)), new


tamper_kinds = st.sampled_from(["edit", "edit_and_rehash", "drop", "swap", "insert", "move"])


# ------------------------------------------------------------------ declared entry kinds

def from_type_info(t: Any) -> st.SearchStrategy[Any]:
    """Values of a body's declared type, read from msgspec's description of it: the test
    strategy follows the declaration without a second copy of it."""
    if isinstance(t, mi.Metadata):
        return from_type_info(t.type)
    if isinstance(t, mi.StrType):
        if t.pattern:
            return st.from_regex(t.pattern, fullmatch=True)
        return st.text(st.characters(exclude_categories=("Cs",)), min_size=t.min_length or 0,
                       max_size=t.max_length or 12)
    if isinstance(t, mi.BoolType):
        return st.booleans()
    if isinstance(t, mi.IntType):
        low = t.ge if t.ge is not None else -MAX_SAFE_INTEGER
        return st.integers(low, MAX_SAFE_INTEGER)
    if isinstance(t, mi.NoneType):
        return st.none()
    if isinstance(t, mi.UnionType):
        return st.one_of(*(from_type_info(u) for u in t.types))
    if isinstance(t, mi.ListType):
        low = t.min_length or 0  # a declared bound (members.imported.v3: at least one)
        return st.lists(from_type_info(t.item_type), min_size=low, max_size=max(low, 3))
    if isinstance(t, mi.DictType):
        return st.dictionaries(from_type_info(t.key_type), from_type_info(t.value_type),
                               max_size=3)
    if isinstance(t, mi.StructType):
        return st.fixed_dictionaries(
            {f.encode_name: from_type_info(f.type) for f in t.fields if f.required},
            optional={f.encode_name: from_type_info(f.type) for f in t.fields if not f.required},
        )
    raise TypeError(f"no strategy for {t!r}")


def body_of(kind: Kind[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return from_type_info(mi.type_info(kind.body))


declared_kinds = st.sampled_from(sorted(KINDS.values(), key=lambda k: k.tag))

# One value of each JSON shape, to put where the declaration wants another shape.
_SHAPES: dict[str, Any] = {"str": "x", "int": 7, "bool": True, "null": None, "list": [],
                           "object": {}}


def _shapes(t: Any) -> set[str]:
    """The JSON shapes a declared type accepts."""
    if isinstance(t, mi.Metadata):
        return _shapes(t.type)
    if isinstance(t, mi.UnionType):
        return set().union(*(_shapes(u) for u in t.types))
    return {{mi.StrType: "str", mi.IntType: "int", mi.BoolType: "bool", mi.NoneType: "null",
             mi.ListType: "list", mi.DictType: "object", mi.StructType: "object"}[type(t)]}


def _out_of_range(t: Any) -> list[Any]:
    """Values of the right shape that the declaration's constraints refuse."""
    t = t.type if isinstance(t, mi.Metadata) else t
    if isinstance(t, mi.StrType):
        return [" not a match"] if t.pattern else [""] if t.min_length else []
    if isinstance(t, mi.IntType) and t.ge is not None:
        return [t.ge - 1]
    return []


@st.composite
def mutated_body(draw: st.DrawFn, kind: Kind[Any]) -> tuple[dict[str, Any], str]:
    """A body of ``kind`` with one thing wrong: a required field dropped, a field added, or a
    field given a value of another shape or outside its constraint. Returns it and what
    was done."""
    body = dict(draw(body_of(kind)))
    fields = mi.type_info(kind.body).fields
    how = draw(st.sampled_from(["drop", "extra", "shape", "range"]))
    if how == "drop":
        f = draw(st.sampled_from([f for f in fields if f.required]))
        del body[f.encode_name]
        return body, f"dropped {f.encode_name}"
    if how == "extra":
        names = {f.encode_name for f in fields}
        extra = draw(json_text.filter(lambda n: n not in names))
        body[extra] = draw(json_values)
        return body, f"added {extra!r}"
    f = draw(st.sampled_from(fields))
    if how == "range" and _out_of_range(f.type):
        body[f.encode_name] = draw(st.sampled_from(_out_of_range(f.type)))
        return body, f"{f.encode_name} out of range"
    wrong = sorted(set(_SHAPES) - _shapes(f.type))
    shape = draw(st.sampled_from(wrong))
    body[f.encode_name] = _SHAPES[shape]
    return body, f"{f.encode_name} given a {shape}"
