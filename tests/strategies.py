"""All Hypothesis strategies of the suite, in one place."""

from __future__ import annotations

import copy
import csv
import io
import tomllib
from typing import Any

import tomli_w
from hypothesis import strategies as st

from communard.count import Ballots


@st.composite
def rankings(draw: st.DrawFn, n_candidates: int) -> list[int]:
    """One ballot: a non-empty ranking of distinct candidates (a prefix of a permutation)."""
    perm = draw(st.permutations(range(n_candidates)))
    length = draw(st.integers(1, n_candidates))
    return list(perm[:length])


@st.composite
def ballot_boxes(
    draw: st.DrawFn, min_candidates: int = 2, max_candidates: int = 7, max_ballots: int = 40
) -> tuple[Ballots, int]:
    """A small ballot box and a number of seats (at most the number of candidates)."""
    n = draw(st.integers(min_candidates, max_candidates))
    rows = draw(st.lists(rankings(n), min_size=1, max_size=max_ballots))
    weights = draw(st.lists(st.integers(1, 5), min_size=len(rows), max_size=len(rows)))
    seats = draw(st.integers(1, min(4, n)))
    names = [f"C{i + 1}" for i in range(n)]
    return Ballots.from_rankings(rows, names, weights=weights, seats=seats), seats


def permuted(ballots: Ballots, perm: list[int]) -> Ballots:
    """The same ballot box with candidate ``c`` renamed ``perm[c]`` (names follow)."""
    rows = [([perm[c] for c in r], w) for r, w in ballots.rankings_list()]
    names = [""] * ballots.n_candidates
    for c, name in enumerate(ballots.candidates):
        names[perm[c]] = name
    return Ballots.from_rankings(
        [r for r, _ in rows],
        names,
        weights=[w for _, w in rows],
        withdrawn=[perm[c] for c in ballots.withdrawn],
        seats=ballots.seats,
    )


# --- `communard import`'s input files (tests/web/test_import.py) ---------------------------

# Any value a TOML file can hold, to put where the structure file expects something else.
toml_values = st.recursive(
    st.one_of(
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False),
        st.booleans(),
        st.dates(),
        st.datetimes(),
        st.text(max_size=20),
        # strings a careless or hostile file holds: empty, over-long, NUL, paths to devices
        st.sampled_from(["", "x" * 300, "a\x00b", "/dev/zero", ".", "..", "Europe", "UTC",
                         "congress", "w1", "a b", "\n", "é"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=6,
)

# Where a structure file's values live: (table, entry index or None, key or None).
_STRUCTURE_PLACES = [
    ("federation", None, None),
    *[("federation", None, k) for k in ("slug", "name", "time_zone", "constitution",
                                        "constitution_file", "unknown")],
    *[(t, None, None) for t in ("councils", "platforms", "delegates", "extra")],
    *[("councils", i, k) for i in (0, 1, 3) for k in ("key", "name", "tier", "parent", None)],
    *[("platforms", 0, k) for k in ("slug", "name", "description", None)],
    *[("delegates", 0, k) for k in ("member", "constituency", None)],
]


@st.composite
def mutated_toml(draw: st.DrawFn, valid: dict[str, Any]) -> dict[str, Any]:
    """``valid`` (a parsed TOML document) with one to three values, found by a random walk
    down its tables and lists, replaced by any TOML value or removed."""
    data = copy.deepcopy(valid)
    for _ in range(draw(st.integers(1, 3))):
        node: Any = data
        while node:
            key = draw(st.sampled_from(list(node) if isinstance(node, dict)
                                       else list(range(len(node)))))
            if isinstance(node[key], dict | list) and node[key] and draw(st.booleans()):
                node = node[key]
                continue
            if draw(st.integers(0, 3)) == 0:
                del node[key]
            else:
                node[key] = draw(toml_values)
            break
    return data


@st.composite
def structure_files(draw: st.DrawFn, valid: dict[str, Any], constitution: str = "") -> bytes:
    """A structure file: ``valid`` (a parsed federation.toml) with one to three of its values
    replaced by any TOML value or removed, serialized as TOML; or, one time in five, its text
    with random bytes spliced in. With ``constitution`` (TOML text), now and then a mutation of
    it as the file's inline constitution."""
    data = copy.deepcopy(valid)
    if constitution and isinstance(data.get("federation"), dict) and draw(st.booleans()):
        data["federation"]["constitution"] = tomli_w.dumps(
            draw(mutated_toml(tomllib.loads(constitution))))
    for _ in range(draw(st.integers(1, 3))):
        table, index, key = draw(st.sampled_from(_STRUCTURE_PLACES))
        remove = draw(st.booleans()) and draw(st.booleans())
        value = draw(toml_values)
        if index is None and key is None:
            if remove:
                data.pop(table, None)
            else:
                data[table] = value
            continue
        container = data.get(table)
        if index is not None:
            if not isinstance(container, list) or index >= len(container):
                continue
            if key is None:
                container[index] = value
                continue
            container = container[index]
        if not isinstance(container, dict) or key is None:
            continue
        if remove:
            container.pop(key, None)
        else:
            container[key] = value
    text = tomli_w.dumps(data).encode()
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.binary(min_size=1, max_size=8)) + text[at:]
    return text


_MEMBER_COLUMNS = ["number", "name", "email", "council", "admitted_on", "status", "status_on",
                   "platforms"]
_member_cells = st.one_of(
    st.sampled_from(["1", "2", "Ana", "w1", "w2", "d1", "reds", "2024-01-10", "2999-01-01",
                     "lapsed", "active", "expelled", "ana@example.org", "", "x" * 300,
                     "a\x00b", '"', "\r\n", "2024-02-30", "2024-1-1"]),
    st.text(max_size=12),
)


@st.composite
def member_files(draw: st.DrawFn) -> bytes:
    """A members CSV for the structure in tests/web/test_import.py: a header of known (and now
    and then unknown or repeated) columns, rows of plausible and hostile cells, written by
    the csv module or joined raw (stray quotes), as UTF-8, UTF-16 or with random bytes."""
    columns = draw(st.lists(st.sampled_from([*_MEMBER_COLUMNS, "id"]), min_size=1, max_size=9))
    if draw(st.booleans()):
        columns = ["number", "name", "council", "admitted_on", *columns[:3]]
    rows = draw(st.lists(st.lists(_member_cells, min_size=len(columns) - 1,
                                  max_size=len(columns) + 1), max_size=6))
    if draw(st.booleans()):
        out = io.StringIO()
        csv.writer(out).writerows([columns, *rows])
        text = out.getvalue()
    else:
        text = "".join(",".join(r) + "\n" for r in [columns, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16"]))
    data = text.encode(encoding, errors="surrogatepass")
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data
