"""All Hypothesis strategies of the suite, in one place."""

from __future__ import annotations

import copy
import csv
import dataclasses
import datetime as dt
import io
import tomllib
from typing import Any

import tomli_w
from hypothesis import strategies as st

from communard.constitution import DEFAULT_CONSTITUTION_TOML, Constitution, parse_constitution
from communard.constitution.calendar import ElectionState
from communard.constitution.membership import ADMITTED, EXPELLED, LAPSED, TRANSFERRED, Change
from communard.constitution.permissions import (
    Account,
    Actor,
    ClockActor,
    MemberActor,
    OperatorActor,
)
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


# --------------------------------------------------------------------------- election calendars

#: Times from 2000 to 2100 in UTC, to the second: the calendar's arithmetic is on aware times.
aware_times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)
).map(lambda t: t.replace(microsecond=0, tzinfo=dt.UTC))

#: Periods as a call might give them: whole days, days and minutes, or a few seconds either
#: side of a whole number of days (where a minimum period is decided).
periods = st.one_of(
    st.integers(0, 40).map(lambda d: dt.timedelta(days=d)),
    st.integers(0, 40 * 24 * 60).map(lambda m: dt.timedelta(minutes=m)),
    st.builds(lambda d, s: max(dt.timedelta(0), dt.timedelta(days=d, seconds=s)),
              st.integers(1, 22), st.integers(-5, 5)),
)


@st.composite
def constitutions_with_periods(draw: st.DrawFn) -> Constitution:
    """The default constitution with its nomination and poll periods and cut-off drawn."""
    base = parse_constitution(DEFAULT_CONSTITUTION_TOML)
    rules = dataclasses.replace(
        base.elections,
        nomination_days=draw(st.integers(1, 21)),
        poll_days=draw(st.integers(1, 21)),
    )
    return dataclasses.replace(base, elections=rules, cutoff_days=draw(st.integers(0, 90)))


@st.composite
def election_states(draw: st.DrawFn) -> ElectionState:
    """An election's state as the clock finds it: any calendar in order, the roll frozen or not,
    closed or not (closed only once the roll is frozen, as the close freezes it first)."""
    nominations = draw(aware_times)
    opens = nominations + draw(periods)
    closes = opens + draw(periods) + dt.timedelta(minutes=1)
    frozen = draw(st.booleans())
    return ElectionState(
        nominations_open_at=nominations,
        poll_opens_at=opens,
        poll_closes_at=closes,
        roll_frozen=frozen,
        closed=frozen and draw(st.booleans()),
    )
# ------------------------------------------------------------------------------- permissions

_login_names = st.sampled_from(["ada", "bob", "cy", "op", "root"])


def actors() -> st.SearchStrategy[Actor]:
    """Any actor: a member by login name, an operator by name, or the clock."""
    return st.one_of(
        st.builds(MemberActor, _login_names),
        st.builds(OperatorActor, _login_names),
        st.just(ClockActor()),
    )


def accounts() -> st.SearchStrategy[Account]:
    """A login: a member's, an operator's, or (as a database could hold) neither or both."""
    return st.builds(Account, _login_names, st.booleans(), st.booleans())


def query_values() -> st.SearchStrategy[str]:
    """What a hostile client puts in a query parameter: digits of any script (superscripts,
    Arabic-Indic), signs, underscores, spaces, huge numbers, any text."""
    digits = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=25)
    numbers = st.integers(min_value=-(2**70), max_value=2**70).map(str)
    return st.one_of(numbers, digits, st.text(max_size=30),
                     st.sampled_from(["", " 1", "1_0", "+1", "0x1", "1e3", "\u00b2", "\x00"]))


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


MEMBERSHIP_START = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


@st.composite
def membership_changes(draw: st.DrawFn) -> list[Change]:
    """Histories of a few members over three months from ``MEMBERSHIP_START`` (around a
    cut-off of 30 June 2026), in two councils."""
    out = []
    for order in range(draw(st.integers(0, 25))):
        recorded = MEMBERSHIP_START + dt.timedelta(hours=draw(st.integers(0, 24 * 90)))
        claimed = recorded.date() - dt.timedelta(days=draw(st.integers(0, 10)))
        out.append(Change(draw(st.integers(1, 4)),
                          draw(st.sampled_from([ADMITTED, TRANSFERRED, LAPSED, EXPELLED])),
                          draw(st.integers(1, 2)), claimed, recorded, order))
    return out


def census_rules() -> st.SearchStrategy[list[str]]:
    """``[seats] census`` lists of yearly dates as a constitution writes them (``MM-DD``)."""
    days = st.dates(dt.date(2001, 1, 1), dt.date(2001, 12, 31)).map(lambda d: d.strftime("%m-%d"))
    return st.lists(days, min_size=1, max_size=4)
# --------------------------------------------------------------------------- mandates (issue 17)

_mandate_times = st.integers(0, 12).map(
    lambda h: dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=h))


@st.composite
def mandate_cases(draw: st.DrawFn) -> tuple[list[Any], list[Any]]:
    """A few constituencies' mandates on a few motions, and roll calls on those motions (some
    delegates absent, some voting before and some after a mandate), on a coarse clock so that
    ties and "adopted after the vote" come up often."""
    from communard.constitution.mandates import Cast, Choice, Mandate, RollCall, Stance

    motions = [f"m{i}" for i in range(draw(st.integers(1, 3)))]
    places = [f"c{i}" for i in range(draw(st.integers(1, 3)))]
    mandates = draw(st.lists(st.builds(
        Mandate, st.sampled_from(motions), st.sampled_from(places), st.sampled_from(Stance),
        st.booleans(), _mandate_times), max_size=12))
    calls = []
    for _ in range(draw(st.integers(0, 4))):
        names = draw(st.lists(st.sampled_from([f"d{i}" for i in range(6)]), unique=True,
                              max_size=6))
        seats = {n: draw(st.sampled_from(places + ["elsewhere"])) for n in names}
        votes = {n: Cast(draw(st.sampled_from(Choice)), draw(_mandate_times))
                 for n in names if draw(st.booleans())}
        calls.append(RollCall(draw(st.sampled_from(motions + ["other"])),
                              draw(_mandate_times), seats, votes))
    return mandates, calls
# ----------------------------------------------------------------------------- recall


@st.composite
def recall_tables(draw: st.DrawFn) -> dict[str, Any]:
    """A valid ``[recall]`` table: any subset of its settings, each within its range."""
    from communard.constitution.recall import MAJORITIES, REPLACEMENTS

    settings = {
        "threshold_percent": st.integers(1, 100),
        "window_days": st.integers(1, 120),
        "vote_opens_within_days": st.integers(0, 30),
        "vote_days": st.integers(1, 30),
        "majority": st.sampled_from(sorted(MAJORITIES)),
        "turnout_floor_percent": st.integers(0, 100),
        "after_election_days": st.integers(0, 60),
        "cool_off_days": st.integers(0, 365),
        "replacement": st.sampled_from(REPLACEMENTS),
        "assembly_vote": st.booleans(),
    }
    keys = draw(st.sets(st.sampled_from(sorted(settings))))
    table = {k: draw(settings[k]) for k in sorted(keys)}
    if table.get("replacement") == "replacement-question" and table.get(
            "vote_opens_within_days") == 0:
        table["vote_opens_within_days"] = 1  # candidates need a day to stand (refused else)
    return table
# ------------------------------------------------------------------ polls: majorities and tallies


@st.composite
def majority_rules(draw: st.DrawFn) -> Any:
    """Any majority rule a constitution can write: a named one or a share of a base."""
    from communard.constitution.majority import parse_majority

    named = st.sampled_from(["simple", "absolute", "absolute of roll", "two-thirds"])
    q = draw(st.integers(1, 20))
    p = draw(st.integers(1, q))
    base = draw(st.sampled_from(["", " of yes-no", " of cast", " of roll"]))
    return parse_majority(draw(st.one_of(named, st.just(f"{p}/{q}{base}"))))


@st.composite
def yes_no_tallies(draw: st.DrawFn) -> tuple[Any, int]:
    """A yes/no/abstain tally and a roll at least as large as the ballots cast."""
    from communard.constitution.majority import YesNoTally

    tally = YesNoTally(draw(st.integers(0, 200)), draw(st.integers(0, 200)),
                       draw(st.integers(0, 50)))
    return tally, tally.cast + draw(st.integers(0, 300))


turnout_floors = st.fractions(min_value=0, max_value=1, max_denominator=100)
# --- Sealed ballots (communard.sealing) ---------------------------------------------------------

TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@st.composite
def teller_splits(draw: st.DrawFn) -> tuple[list[str], int]:
    """A poll's tellers (distinct names) and a threshold 2 ≤ t ≤ n."""
    n = draw(st.integers(2, 9))
    names = draw(st.lists(st.text(min_size=1, max_size=12), min_size=n, max_size=n, unique=True))
    return names, draw(st.integers(2, n))


@st.composite
def tracking_codes(draw: st.DrawFn) -> str:
    """A tracking code of the shape the cast path makes: four groups of four base-32 characters."""
    chars = draw(st.text(TRACKING_ALPHABET, min_size=16, max_size=16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


@st.composite
def sealed_ballots(draw: st.DrawFn, options: int) -> tuple[str, list[int]]:
    """One plaintext ballot of a poll with ``options`` options: a code and a (maybe blank) ranking
    of distinct options numbered from 1."""
    perm = draw(st.permutations(range(1, options + 1)))
    return draw(tracking_codes()), list(perm[: draw(st.integers(0, options))])


@st.composite
def teller_draws(draw: st.DrawFn) -> tuple[Any, dict[str, str], list[str], bytes]:
    """Teller rules, platforms' nominees (on the roll), a roll and a seed that admit a draw."""
    from communard.constitution.tellers import TellerRules

    roll = draw(st.lists(st.text("abcdefghij0123456789", min_size=1, max_size=6),
                         min_size=2, max_size=40, unique=True))
    count = draw(st.integers(2, min(len(roll), 9)))
    rules = TellerRules(count=count, threshold=draw(st.integers(2, count)))
    platforms = draw(st.lists(st.sampled_from(["left", "centre", "right", "green", "red", "blue",
                                               "black", "white", "grey", "gold", "pink"]),
                              max_size=11, unique=True))
    nominees = {p: draw(st.sampled_from(roll)) for p in platforms}
    return rules, nominees, roll, draw(st.binary(min_size=16, max_size=48))


# ------------------------------------------------------------------ amendments voted (issue 17)

_words = st.text(alphabet="abcdefgh ", min_size=1, max_size=12).filter(lambda s: s.strip())


@st.composite
def amendment_cases(draw: st.DrawFn) -> tuple[str, list[Any]]:
    """A motion's text (a few paragraphs, irregular blank lines) and the amendments adopted on
    it in adoption order: to its paragraphs, and sub-amendments (of any depth) to amendments
    adopted earlier, as the voting order (a sub-amendment before what it amends) allows
    reversed: a parent is adopted after its children, so a child refers to a later id."""
    from communard.constitution.amendments import Change

    paras = draw(st.lists(_words.map(str.strip), min_size=1, max_size=5))
    text = draw(st.sampled_from(["\n\n", "\n\n\n", "\r\n\r\n"])).join(paras)
    changes: list[Change] = []
    ids = draw(st.lists(st.integers(1, 60), unique=True, min_size=0, max_size=8))
    for i, ident in enumerate(ids):
        later = ids[i + 1:]
        if later and draw(st.booleans()):
            changes.append(Change(ident, None, draw(st.sampled_from(later)), draw(_words)))
        else:
            changes.append(Change(ident, draw(st.integers(1, len(paras))), None, draw(_words)))
    return text, changes


# ------------------------------------------------------------------ the recall ballot's API (issue 15)


@st.composite
def hostile_recall_ballots(draw: st.DrawFn, polls: list[int]) -> object:
    """A body for ``POST /api/recalls/petitions/{id}/ballot`` that must be refused whole: the
    ballot's own ``polls`` answered well but for one fault (a field of the wrong type, a poll
    not of this ballot, a poll answered twice, a field the schema lacks, a choice out of range
    or repeated, a forged ticket), or any JSON at all that is no ``{"answers": [...]}``."""
    good = [{"poll": p, "choices": [1]} for p in draw(st.permutations(polls))]
    fault = draw(st.sampled_from(["type", "unknown-poll", "twice", "extra", "choices",
                                  "ticket", "shape"]))
    i = draw(st.integers(0, len(good) - 1))
    if fault == "type":
        key = draw(st.sampled_from(["poll", "choices", "ticket"]))
        wrong = draw(json_values.filter(
            lambda v: not (key == "ticket" and (v is None or isinstance(v, str)))
            and not (key == "poll" and type(v) is int and v in polls)
            and not (key == "choices" and isinstance(v, list) and v and all(
                type(c) is int and c in (1, 2, 3) for c in v) and len(set(v)) == len(v))))
        good[i][key] = wrong
    elif fault == "unknown-poll":
        good[i]["poll"] = draw(st.integers(1, 10**6).filter(lambda n: n not in polls))
    elif fault == "twice":
        good.append(dict(good[i]))
    elif fault == "extra":
        target = draw(st.sampled_from(["top", "answer"]))
        name = draw(st.sampled_from(["voter", "member", "code", "tracking_code", "x"]))
        if target == "top":
            return {"answers": good, name: draw(json_values)}
        good[i][name] = draw(json_values)
    elif fault == "choices":
        good[i]["choices"] = draw(st.sampled_from([[], [0], [1, 1], [-1], [10**15], [1.5],
                                                   ["1"], [True], [4, 5]]))
    elif fault == "ticket":
        good[i]["ticket"] = draw(st.text(max_size=60))
    else:
        return draw(json_values.filter(
            lambda v: not (isinstance(v, dict) and isinstance(v.get("answers"), list))))
    return {"answers": good}
