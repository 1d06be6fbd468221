"""Hypothesis strategies for the record's tests (to be merged into tests/strategies.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from communard.record._canonical import MAX_SAFE_INTEGER

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
