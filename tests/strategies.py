"""All Hypothesis strategies of the suite, in one place."""

from __future__ import annotations

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


# ------------------------------------------------------------------ hostile ballot files (fuzzing)

# Pieces a hostile or broken ballot file is made of: good numbers, numbers at and past every bound
# the readers keep (10^15 per weight and in total, 18 digits, 32,767 candidates), superscript and
# other non-ASCII digits that str.isdigit accepts and int() refuses, signs, blanks and line ends.
_NUMBERS = ["0", "1", "2", "3", "4", "10", "999999999999999", "1000000000000000"]
_NUMBERS += ["1000000000000000000000", "9" * 19, "32767", "32768", "-1", "-2", "-0"]
_ODD = ["²", "٣", "Ⅻ", "1.5", "1=2", "(1)", "=", "-", "#", '"A"', "A", "", "\t", "\r", "\x00"]
FILE_PIECES = st.sampled_from(_NUMBERS + _ODD)
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r", "\n\n"])


@st.composite
def lines_of(draw: st.DrawFn, sep: str) -> str:
    """Text of up to 12 lines, each of up to 8 pieces joined by ``sep``."""
    line = st.lists(FILE_PIECES | st.text(max_size=3), max_size=8).map(sep.join)
    rows = draw(st.lists(line, max_size=12))
    return draw(LINE_ENDS).join(rows)


@st.composite
def mutated(draw: st.DrawFn, good: bytes) -> bytes:
    """``good`` with a few bytes replaced, inserted or deleted, or the file cut short."""
    data = bytearray(good)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "replace", "delete", "cut"]))
        piece = draw(FILE_PIECES).encode() or b"\n"
        if op == "insert":
            data[at:at] = piece
        elif op == "replace":
            data[at : at + len(piece)] = piece
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 4))]
        else:
            del data[at:]
    return bytes(data)


GOOD_BLT = b'4 2\n-4\n3 1 2 0\n2 2 0\n1 3 1 2 0\n0\n"Ann"\n"Bob"\nCat\n"Dee"\n"Title"\n'
GOOD_CSV = b"Ann,Bob,weight,Cat\n1,2,3,\n,1,1,2\n\n2,,1,1\n"
GOOD_JSON = (
    b'{"candidates": ["A", "B", "C"], "seats": 2, "withdrawn": ["C"],\n "ballots": [\n'
    b' ["A", "B"],\n [2, 3],\n {"ranking": ["C"], "weight": 4}\n], "title": "T"}'
)

_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.sampled_from([0, 1, 2, 3, -1, 10**15, 10**15 + 1, 10**21, 1.5, "A", "B", "", "²"])
)
json_values = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["ranking", "weight", "x"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@st.composite
def json_ballot_documents(draw: st.DrawFn) -> dict[str, object]:
    """A JSON ballot document whose every field may be of the wrong type or out of bounds."""
    doc: dict[str, object] = {}
    for key, good in [
        ("candidates", st.just(["A", "B", "C"])),
        ("seats", st.integers(-1, 4)),
        ("withdrawn", st.lists(st.sampled_from(["A", "C", 2, 9]), max_size=3)),
        ("ballots", st.lists(json_values, max_size=6)),
        ("title", st.just("T")),
    ]:
        if draw(st.booleans()):
            doc[key] = draw(good | json_values)
    return doc
