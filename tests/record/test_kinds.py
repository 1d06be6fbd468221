"""Entry kinds are declared once, and a body that is not what its kind declares is refused
(communard.record.kinds)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import msgspec
import msgspec.inspect
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communard.record import Entry, Queued, kinds
from communard.record.kinds import (
    BALLOT_CAST,
    ELECTION_CLOSED,
    KINDS,
    MEMBERS_IMPORTED,
    BodyMismatch,
    Kind,
    UnknownKind,
)
from tests.record.strategies import body_of, declared_kinds, mutated_body

WEB = Path(__file__).resolve().parents[2] / "src" / "communard" / "web"
COMMIT = "commit:" + "ab" * 32


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_declared_kind_round_trips_through_the_record(data: st.DataObject) -> None:
    """A body drawn from a kind's declaration validates, is written as an entry's canonical
    bytes, and reads back as the same typed body."""
    kind = data.draw(declared_kinds)
    body = data.draw(body_of(kind))
    typed = kinds.validate(kind, body)
    assert isinstance(typed, kind.body)
    assert msgspec.to_builtins(typed).items() >= body.items()
    stored = Entry.decode(Queued.of(kind.tag, body).encode(7))
    assert stored.kind == kind.tag
    assert kinds.validate(stored.kind, stored.body) == typed


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_a_mutated_body_is_refused_naming_what_is_wrong(data: st.DataObject) -> None:
    """Dropping a field, adding one, or giving one a wrong shape or a value out of its
    constraint is refused with the kind in the message."""
    kind = data.draw(declared_kinds)
    body, how = data.draw(mutated_body(kind))
    with pytest.raises(BodyMismatch, match=f"^{kind.tag} \\(version {kind.version}\\) body: ") as refused:
        kinds.validate(kind, body)
    if how.startswith("dropped"):
        assert how.removeprefix("dropped ") in str(refused.value)


def test_nested_fields_are_named_by_path() -> None:
    """A plain member number where a commitment belongs, deep in a body, is named by its path."""
    body = {"federation": "f", "election": 1, "ballots": 2, "marks": 2, "voters": 3,
            "box_sha256": "0" * 64, "seed": "12", "winners": [1],
            "candidates": [{"number": 1, "member": COMMIT}, {"number": 2, "member": "1871"}],
            "sheet_sha256": "1" * 64}
    with pytest.raises(BodyMismatch, match=r"at `\$\.candidates\[1\]\.member`"):
        kinds.validate(ELECTION_CLOSED, body)
    body["candidates"][1]["member"] = COMMIT  # type: ignore[index]
    kinds.validate(ELECTION_CLOSED, body)


def test_unknown_kinds_and_versions_are_refused() -> None:
    """A kind or a version that is not declared is an UnknownKind (a MalformedEntry)."""
    for tag in ("ballot.casted", "ballot.cast.v2", "ballot.cast.v1", "", "BALLOT.CAST"):
        with pytest.raises(UnknownKind, match="not declared"):
            kinds.validate(tag, {"federation": "f", "election": 1})
    stray = Kind("ballot.cast", 2, kinds.BallotCast)
    with pytest.raises(UnknownKind):
        kinds.validate(stray, {"federation": "f", "election": 1})


def test_version_one_is_the_bare_name_and_later_versions_carry_it() -> None:
    """Entries written before the declaration carry no version: they are version 1."""
    assert BALLOT_CAST.tag == "ballot.cast" and BALLOT_CAST.version == 1
    assert Kind("ballot.cast", 3, kinds.BallotCast).tag == "ballot.cast.v3"
    assert all(tag == (k.name if k.version == 1 else f"{k.name}.v{k.version}")
               for tag, k in KINDS.items())
    assert {k.name for k in KINDS.values() if k.version == 1} == {k.name for k in KINDS.values()}


def test_an_import_recorded_before_platforms_were_counted_still_validates() -> None:
    """members.imported bodies from before by_platform existed (4ee5d6e) are version 1."""
    old = {"federation": "f", "added": 3, "by_council": {"w1": 3}, "numbers_sha256": "a" * 64}
    typed = kinds.validate(MEMBERS_IMPORTED, old)
    assert isinstance(typed, kinds.MembersImported) and typed.by_platform == {}


def test_a_kind_declared_twice_is_refused() -> None:
    """The registry refuses two declarations of one tag, and names that are not kinds."""
    with pytest.raises(ValueError, match="declared twice"):
        kinds._registry(BALLOT_CAST, Kind("ballot.cast", 1, kinds.OperatorCreated))
    with pytest.raises(ValueError, match="not a valid name"):
        kinds._registry(Kind("ballot", 1, kinds.BallotCast))
    with pytest.raises(ValueError, match="not a valid name"):
        kinds._registry(Kind("ballot.cast.v2", 1, kinds.BallotCast))


def test_personal_data_is_declared_only_as_salted_commitments() -> None:
    """Every field that names a person is a Commitment, and personal_fields lists exactly
    those, nested ones by path."""
    # People, and a login's credential (a digest of its password hash, committed like them).
    people = {"member", "members", "candidate", "candidates", "successor", "credential",
              "opened_by", "signer", "mandate",  # mandate: its holder (recall kinds)
              "nominator"}  # who named a platform's teller (teller.named)
    for kind in KINDS.values():
        personal = kinds.personal_fields(kind)
        top = {f.encode_name for f in msgspec.inspect.type_info(kind.body).fields}
        if kind.name == "seats.apportioned":
            top.remove("members")  # members counted per council: numbers, not people
        if kind.name == "mandate.adopted":
            top.remove("mandate")  # an assembly's instruction, by its number: not a person
        assert {p.split("[")[0].split(".")[0] for p in personal} == top & people, kind.tag
    assert kinds.personal_fields(ELECTION_CLOSED) == ["candidates[].member"]
    assert kinds.personal_fields(kinds.DELEGATES_SEATED) == ["members[]"]
    assert kinds.personal_fields(kinds.ELECTION_COUNTBACK) == ["successor"]
    assert kinds.personal_fields(BALLOT_CAST) == []


def test_every_declared_constant_is_registered() -> None:
    """Each Kind the module defines is in KINDS, under its own tag."""
    defined = [v for v in vars(kinds).values() if isinstance(v, Kind)]
    assert sorted(k.tag for k in defined) == sorted(KINDS)
    assert all(KINDS[k.tag] is k for k in defined)


def _kind_arguments() -> list[tuple[str, int, Any]]:
    found = []
    for path in WEB.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("append", "entry")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "record"
                    and node.args):
                found.append((str(path.relative_to(WEB)), node.lineno, node.args[0]))
    return found


def test_the_web_apps_name_kinds_by_their_declared_constants() -> None:
    """No `record.append("...")` or `record.entry(f"...")` in the web apps: a kind is a name
    imported from record.kinds, so a typo fails at import."""
    calls = _kind_arguments()
    # every action that writes an entry is seen (member.lapsed and .expelled share one call)
    assert len(calls) >= len({k.name for k in KINDS.values()}) - 2
    literal = [(p, line) for p, line, arg in calls
               if isinstance(arg, (ast.Constant, ast.JoinedStr, ast.BinOp))]
    assert literal == []


def test_entries_written_before_kinds_were_declared_still_match() -> None:
    """Entries from demo records built by earlier code (2189cf2, before platforms were counted
    in imports; 25133d1; 963c7d5, just before this declaration), one per kind and body shape,
    match their declaration: old installations keep verifying."""
    lines = (Path(__file__).parent / "data" / "demo_entries.jsonl").read_bytes().splitlines()
    problems = {line[:80]: kinds.entry_problem(line) for line in lines}
    assert [p for p in problems.values() if p is not None] == []
    shapes = {(e.kind, frozenset(e.body)) for e in map(Entry.decode, lines)}
    assert ("members.imported", frozenset({"federation", "added", "by_council",
                                           "numbers_sha256"})) in shapes
    assert len({kind for kind, _ in shapes}) >= 14
