"""``communard import``: a valid pair of files imports atomically and idempotently; bad input
names every problem with file, line and field and imports nothing."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from communard.cli import main
from communard.constitution import DEFAULT_CONSTITUTION_TOML
from communard.constitution.permissions import ClockActor
from communard.web.councils.actions import do_take_census
from communard.web.councils.models import Council, Delegate, Federation
from communard.web.members.importing import ImportRejected, do_import
from communard.web.members.models import Member, MembershipEvent
from communard.web.platforms.models import Platform
from tests.strategies import member_files, structure_files
from tests.web.factories import TEST_OPERATOR, recorded

pytestmark = pytest.mark.django_db(transaction=False)

STRUCTURE = """\
[federation]
slug = "tiny"
name = "Tiny Federation"
time_zone = "Europe/Paris"

[[councils]]
key = "congress"
name = "Congress"
tier = "congress"

[[councils]]
key = "d1"
name = "District one"
tier = "district"
parent = "congress"

[[councils]]
key = "w1"
name = "Workshop one"
tier = "workplace"
parent = "d1"

[[councils]]
key = "w2"
name = "Workshop two"
tier = "workplace"
parent = "d1"

[[platforms]]
slug = "reds"
name = "Reds"
"""

HEADER = "number,name,email,council,admitted_on,platforms\n"
GOOD_ROWS = (
    "1,Ana Silva,ana@example.org,w1,2024-01-10,reds\n"
    "2,Ben Okafor,,w1,2024-02-11,\n"
    "3,Chen Wei,,w2,2023-12-01,reds\n"
)


def write(tmp_path: Path, members: str | bytes, structure: str = STRUCTURE) -> tuple[Path, Path]:
    s = tmp_path / "federation.toml"
    s.write_text(structure, encoding="utf-8")
    m = tmp_path / "members.csv"
    if isinstance(members, bytes):
        m.write_bytes(members)
    else:
        m.write_text(members, encoding="utf-8")
    return s, m


def state() -> tuple[int, ...]:
    return (
        Federation.objects.count(),
        Council.objects.count(),
        Member.objects.count(),
        MembershipEvent.objects.count(),
        Platform.objects.count(),
        recorded().count(),
    )


def rejected(tmp_path: Path, members: str | bytes, structure: str = STRUCTURE) -> list[str]:
    before = state()
    s, m = write(tmp_path, members, structure)
    with pytest.raises(ImportRejected) as exc:
        do_import(s, m, actor=TEST_OPERATOR)
    assert state() == before, "a rejected import must change nothing"
    return [str(p) for p in exc.value.problems]


def test_import_valid_files_builds_federation_and_seats(tmp_path: Path) -> None:
    """A valid structure and membership list build the pyramid with seats from membership."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    report = do_import(s, m, actor=TEST_OPERATOR)
    assert report.members_added == 3 and report.federation_created
    w1 = Council.objects.get(key="w1")
    assert (w1.members_count, w1.seats_in_parent) == (2, 1)
    assert Council.objects.get(key="d1").members_count == 3
    assert Platform.objects.get(slug="reds").members.count() == 2
    kinds = list(recorded().values_list("kind", flat=True))
    assert kinds[0] == "federation.founded" and "members.imported.v3" in kinds
    assert "seats.apportioned.v2" in kinds  # the founding census
    assert "Ana" not in str(list(recorded().values_list("body", flat=True)))


def test_import_rerun_is_idempotent(tmp_path: Path) -> None:
    """Running the same files again adds nothing and records nothing."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    do_import(s, m, actor=TEST_OPERATOR)
    before = state()
    report = do_import(s, m, actor=TEST_OPERATOR)
    assert (report.members_added, report.members_unchanged) == (0, 3)
    assert state() == before


def test_import_extended_list_adds_only_new_members_and_moves_no_seat(tmp_path: Path) -> None:
    """Issue 13's case: 2,000 members imported into one workplace are added, and no council's
    seats move until the next census (a roll's), which then counts them."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    do_import(s, m, actor=TEST_OPERATOR)
    seats = dict(Council.objects.values_list("key", "seats_in_parent"))
    entries = recorded().count()
    today = dt.datetime.now(dt.UTC).date()
    more = "".join(f"{n},Member {n},,w2,{today.isoformat()},\n" for n in range(4, 2004))
    s, m = write(tmp_path, HEADER + GOOD_ROWS + more)
    report = do_import(s, m, actor=TEST_OPERATOR)
    assert report.members_added == 2000 and report.seats_changed == {}
    assert dict(Council.objects.values_list("key", "seats_in_parent")) == seats
    new = list(recorded().order_by("index").values_list("kind", flat=True)[entries:])
    assert new == ["members.imported.v3"] * 4  # 500 members an entry, no census
    do_take_census(Federation.objects.get(), cutoff=today, reason="roll", actor=ClockActor())
    assert Council.objects.get(key="w2").seats_in_parent == 200  # 2,001 members, 10 per seat


def test_a_later_import_may_not_backdate_beyond_the_window(tmp_path: Path) -> None:
    """Only the founding import records the admission dates it claims; a later one that says
    "admitted 60 days ago" (to reach a roll whose cut-off has passed) is refused at that line,
    and nothing is imported."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    do_import(s, m, actor=TEST_OPERATOR)
    before = state()
    old = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=60)).isoformat()
    s, m = write(tmp_path, HEADER + GOOD_ROWS + f"4,Late Comer,,w2,{old},\n")
    with pytest.raises(ImportRejected) as caught:
        do_import(s, m, actor=TEST_OPERATOR)
    problem = str(next(iter(caught.value.problems)))
    assert "members.csv:5: admitted_on: the date" in problem
    assert "more than 7 day(s) before today" in problem
    assert state() == before


def test_import_wrong_columns_is_rejected(tmp_path: Path) -> None:
    """A header without required columns or with unknown ones names them."""
    problems = rejected(tmp_path, "id,fullname,council,admitted_on\n1,Ana,w1,2024-01-01\n")
    assert len(problems) == 1
    assert "members.csv:1: header: missing column(s) number, name" in problems[0]
    assert "unknown column(s) 'id', 'fullname'" in problems[0]


def test_import_unknown_council_is_rejected(tmp_path: Path) -> None:
    """A member of a council that does not exist, or of a higher council, is named by line."""
    problems = rejected(
        tmp_path, HEADER + GOOD_ROWS + "4,Dara,,w9,2024-01-01,\n5,Eli,,d1,2024-01-01,\n"
    )
    assert any("members.csv:5: council: unknown council 'w9'" in p for p in problems)
    assert any("members.csv:6: council: 'd1' is a district council" in p for p in problems)


def test_import_duplicate_member_is_rejected(tmp_path: Path) -> None:
    """The second row with a membership number points back to the first."""
    problems = rejected(tmp_path, HEADER + GOOD_ROWS + "2,Ben Again,,w2,2024-01-01,\n")
    assert problems == [
        "{}:5: number: duplicate member '2' (first on line 3)".format(tmp_path / "members.csv")
    ]


def test_import_bad_dates_are_rejected(tmp_path: Path) -> None:
    """Dates that are not YYYY-MM-DD, impossible, empty or in the future are each reported."""
    rows = "4,A,,w1,10/01/2024,\n5,B,,w1,2024-02-30,\n6,C,,w1,,\n7,D,,w1,2999-01-01,\n"
    problems = rejected(tmp_path, HEADER + rows)
    assert len(problems) == 4
    assert all(": admitted_on: " in p for p in problems)
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["2", "3", "4", "5"]
    assert "'10/01/2024' is not a date as YYYY-MM-DD" in problems[0]
    assert "in the future" in problems[3]


def test_import_wrong_encoding_is_rejected(tmp_path: Path) -> None:
    """A Latin-1 file is named at the line with the first bad byte."""
    data = (HEADER + GOOD_ROWS + "4,José Núñez,,w1,2024-01-01,\n").encode("latin-1")
    problems = rejected(tmp_path, data)
    assert len(problems) == 1
    assert "members.csv:5: not valid UTF-8 (byte 0xe9" in problems[0]


def test_import_reports_every_problem_at_once(tmp_path: Path) -> None:
    """Several bad rows give several problems, not just the first."""
    rows = "x,,,w1,2024-01-01,\ny,Y,not-an-email,w1,2024-01-01,nope\nz,Z,,w1,2024-01-01\n"
    problems = rejected(tmp_path, HEADER + rows)
    fields = [p.split(": ")[1] for p in problems]
    assert fields == ["name", "email", "platforms", "5 fields where the header has 6"]


def test_import_empty_file_is_rejected(tmp_path: Path) -> None:
    """An empty membership list says what header it expected."""
    problems = rejected(tmp_path, "")
    assert "the file is empty" in problems[0]


def test_import_bad_structure_is_rejected(tmp_path: Path) -> None:
    """A council under a parent of the wrong tier, and a bad time zone, are named."""
    bad = STRUCTURE.replace('parent = "d1"', 'parent = "congress"', 1).replace(
        "Europe/Paris", "Mars/Base"
    )
    problems = rejected(tmp_path, HEADER + GOOD_ROWS, bad)
    assert any("time_zone" in p and "Mars/Base" in p for p in problems)
    assert any("cannot sit under 'congress'" in p for p in problems)


def test_import_changed_member_is_rejected(tmp_path: Path) -> None:
    """A re-run that moves a member is refused: transfers are actions, not imports."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    do_import(s, m, actor=TEST_OPERATOR)
    problems = rejected(
        tmp_path, HEADER + GOOD_ROWS.replace("2,Ben Okafor,,w1", "2,Ben Okafor,,w2")
    )
    assert len(problems) == 1 and "council 'w1' (file: 'w2')" in problems[0]


def test_import_founding_delegates_are_checked(tmp_path: Path) -> None:
    """Founding delegates must be members of their constituency, within its seats."""
    structure = STRUCTURE + '\n[[delegates]]\nmember = "3"\nconstituency = "w1"\n'
    problems = rejected(tmp_path, HEADER + GOOD_ROWS, structure)
    assert any("member '3' belongs to 'w2', not to constituency 'w1'" in p for p in problems)
    structure = STRUCTURE + "".join(
        f'\n[[delegates]]\nmember = "{n}"\nconstituency = "w1"\n' for n in (1, 2)
    )
    problems = rejected(tmp_path, HEADER + GOOD_ROWS, structure)
    assert any("'w1' has 1 seat(s) but 2 founding delegates" in p for p in problems)


def test_cli_import_prints_problems_and_exits_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command lists problems on stderr with a summary and exits 2; no traceback."""
    s, m = write(tmp_path, HEADER + "1,Ana,,w1,2024-13-01,\n")
    assert main(["import", str(s), str(m), "--as", "tester"]) == 2
    err = capsys.readouterr().err
    assert "members.csv:2: admitted_on: '2024-13-01' is not a date" in err
    assert "1 problem(s) found; nothing was imported." in err
    assert "Traceback" not in err and Federation.objects.count() == 0


def test_cli_import_valid_files_reports_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A good import says what it did."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    assert main(["import", str(s), str(m), "--as", "tester"]) == 0
    assert "federation 'tiny' created: 3 members added" in capsys.readouterr().out
    assert recorded().filter(actor="operator:tester").exists()


def test_demo_files_import_with_founding_delegates(demo_files: tuple[Path, Path]) -> None:
    """The demo's own files import cleanly, seating its founding delegates."""
    report = do_import(*demo_files, actor=TEST_OPERATOR)
    assert report.members_added > 300 and report.delegates_seated == Delegate.objects.count() > 12


def test_import_structure_problems_point_at_their_own_table(tmp_path: Path) -> None:
    """A problem in the second [[delegates]] entry names the line of that entry, not the first."""
    structure = (STRUCTURE + '\n[[delegates]]\nmember = "1"\nconstituency = "w1"\n'
                 + '\n[[delegates]]\nmember = "2"\nconstituency = "w7"\n')
    problems = rejected(tmp_path, HEADER + GOOD_ROWS, structure)
    second = len(structure.splitlines()) - 2  # the line of the second [[delegates]] header
    assert problems == [f"{tmp_path / 'federation.toml'}:{second}: delegates[2].constituency: "
                        "unknown council 'w7'"]


# --- Hostile input: every problem located, never an exception, nothing changed -----------


def line_of(text: str, needle: str) -> int:
    """The 1-based line of ``text`` holding ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


DELEGATE = '\n[[delegates]]\nmember = "1"\nconstituency = "w1"\n'


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ('[[platforms]]\nslug = "reds"\nname = "Reds"\n', "", "platforms",
         "must be a list of [[platforms]] tables, not an integer"),
        ('constituency = "w1"', 'constituency = ["w1"]', "delegates[1].constituency",
         "must be a string, not a list"),
        ('member = "1"', "member = 1", "delegates[1].member", "must be a string, not an integer"),
        ('time_zone = "Europe/Paris"', 'time_zone = "Europe/Paris"\n'
         'constitution_file = "con\\u0000stitution.toml"', "federation.constitution_file",
         "contains a control character (such as a NUL byte)"),
        ('time_zone = "Europe/Paris"', "time_zone = 3", "federation.time_zone",
         "must be a string, not an integer"),
        ('time_zone = "Europe/Paris"', 'time_zone = "Europe"', "federation.time_zone",
         "'Europe' is not an IANA time zone (e.g. Europe/Paris)"),
        ('slug = "tiny"', 'slug = ["tiny"]', "federation.slug", "must be a string, not a list"),
        ('slug = "tiny"', 'slug = "tiny town"', "federation.slug",
         "'tiny town' is not a short name of letters, digits, - or _"),
        ('name = "Tiny Federation"', f'name = "{"T" * 201}"', "federation.name",
         "longer than 200 characters"),
        ('key = "w2"', "key = 2", "councils[4].key", "must be a string, not an integer"),
        ('parent = "d1"\n\n[[councils]]\nkey = "w2"', 'parnet = "d1"\n\n[[councils]]\nkey = "w2"',
         "councils[3].parnet", "unknown key (expected one of key, name, tier, parent)"),
        ('name = "Reds"', 'name = { text = "Reds" }', "platforms[1].name",
         "must be a string, not a table"),
        ('time_zone = "Europe/Paris"', 'time_zone = "Europe/Paris"\nconstitution = 7',
         "federation.constitution", "must be a string, not an integer"),
    ],
)
def test_import_structure_type_confusion_is_a_located_problem(
    tmp_path: Path, old: str, new: str, field: str, message: str
) -> None:
    """A value of the wrong type or shape in federation.toml is one problem naming the field at
    its line (these raised TypeError or ValueError, or were silently coerced)."""
    structure = (STRUCTURE + DELEGATE).replace(old, new, 1)
    if field == "platforms":  # a top-level key goes before the first table
        structure = "platforms = 5\n" + structure
    assert structure != STRUCTURE + DELEGATE
    problems = rejected(tmp_path, HEADER + GOOD_ROWS, structure)
    if "[" in field:  # a problem in an entry points at its [[table]] header
        table, index = field.split("]")[0].split("[")
        line = [n for n, text in enumerate(structure.splitlines(), 1)
                if text == f"[[{table}]]"][int(index) - 1]
    else:
        line = line_of(structure, field.rsplit(".", 1)[-1] + " =")
    assert problems == [f"{tmp_path / 'federation.toml'}:{line}: {field}: {message}"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("eligibility = []", "constitution: eligibility: must be a table"),
        ("elections = { delegate_method = [] }",
         "constitution: elections.delegate_method: [] is not one of "),
    ],
)
def test_import_constitution_type_confusion_is_a_located_problem(
    tmp_path: Path, setting: str, message: str
) -> None:
    """A value of the wrong type inside the constitution is a problem at its key's line (an
    AttributeError, and a TypeError of an unhashable list, before)."""
    constitution = setting + "\n" + "\n".join(
        line for line in DEFAULT_CONSTITUTION_TOML.splitlines()
        if line.startswith(("version", "[[tiers]]", "key", "name", "apportionment")))
    structure = STRUCTURE.replace(
        'time_zone = "Europe/Paris"',
        'time_zone = "Europe/Paris"\nconstitution = """\n' + constitution + '"""')
    problems = rejected(tmp_path, HEADER + GOOD_ROWS, structure)
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'federation.toml'}:5: federation.constitution: "
                                  + message)


def test_import_refuses_a_device_as_constitution_file(tmp_path: Path) -> None:
    """`constitution_file = "/dev/zero"` is refused at once (it was read until memory ran out);
    so are a directory and a missing file."""
    for target, reason in (("/dev/zero", "is not a regular file (a device, FIFO or socket "
                                          "cannot be imported)"),
                           (".", "is a directory, not a file"),
                           ("nowhere.toml", "file not found")):
        structure = STRUCTURE.replace('time_zone = "Europe/Paris"',
                                      f'time_zone = "Europe/Paris"\nconstitution_file = "{target}"')
        problems = rejected(tmp_path, HEADER + GOOD_ROWS, structure)
        assert len(problems) == 1, problems
        assert problems[0].startswith(f"{tmp_path / 'federation.toml'}:5: "
                                      "federation.constitution_file: cannot read ")
        assert problems[0].endswith(reason)


def test_import_refuses_inputs_that_are_not_regular_files(tmp_path: Path) -> None:
    """A directory, a device or a file over the size cap as either file is one problem naming
    it (an IsADirectoryError escaped before; /dev/zero and a huge file without line breaks were
    read until memory ran out)."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.truncate(5 * 2**30)  # sparse: 5 GiB of NUL bytes without a line break, on no disk
    before = state()
    for structure, members, problem in (
        (s, huge, f"{huge}: is 5,368,709,120 bytes; at most 4,294,967,296 can be imported"),
        (huge, m, f"{huge}: is 5,368,709,120 bytes; at most 16,777,216 can be imported"),
        (tmp_path, m, f"{tmp_path}: is a directory, not a file"),
        (s, tmp_path, f"{tmp_path}: is a directory, not a file"),
        (s, Path("/dev/zero"), "/dev/zero: is not a regular file (a device, FIFO or socket "
                               "cannot be imported)"),
    ):
        with pytest.raises(ImportRejected) as exc:
            do_import(structure, members, actor=TEST_OPERATOR)
        assert [str(p) for p in exc.value.problems] == [problem]
    assert state() == before


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("4,Ana\x00Silva,,w1,2024-01-10,\n",
         ["members.csv:5: name: contains the control character U+0000 (a NUL byte)"]),
        ("4,Ana,,w1,2024-01-10\x07,\n",
         ["members.csv:5: admitted_on: contains the control character U+0007"]),
        (f"4,Ana,{'a' * 250}@example.org,w1,2024-01-10,\n",
         ["members.csv:5: email: longer than 254 characters"]),
        ("4," + "A" * 100_000 + ",,w1,2024-01-10,\n5,,,w1,2024-01-10,\n",
         ["members.csv:5: line longer than 65,536 bytes (a member's row is far shorter: is "
          "this a CSV of members?)", "members.csv:6: name: empty"]),
        ('4,"Ana' + "\nmore" * 20_000 + "\n",
         ["members.csv:5: a row longer than 65,536 bytes (a quote left open?)"]),
    ],
    ids=["nul", "bell", "long-email", "wide-line", "open-quote"],
)
def test_import_hostile_member_rows_are_located_problems(
    tmp_path: Path, rows: str, expected: list[str]
) -> None:
    """NUL bytes and control characters, over-long values and lines, and a quote left open are
    each reported at their line (they reached the database, or were held whole in memory)."""
    problems = rejected(tmp_path, HEADER + GOOD_ROWS + rows)
    assert [p.removeprefix(f"{tmp_path}/") for p in problems][: len(expected)] == expected


def test_import_utf16_members_file_is_one_problem(tmp_path: Path) -> None:
    """A list saved as UTF-16 is one problem saying so, not one per line."""
    problems = rejected(tmp_path, (HEADER + GOOD_ROWS).encode("utf-16"))
    assert problems == [f"{tmp_path / 'members.csv'}:1: UTF-16 text; save the file as UTF-8"]


def test_import_keeps_the_first_problems_and_counts_the_rest(tmp_path: Path) -> None:
    """Of 5,000 bad rows, the first ``max_problems`` problems are kept and all are counted."""
    s, m = write(tmp_path, HEADER + "".join(f"{n},,,w1,2024-01-10,\n" for n in range(5000)))
    with pytest.raises(ImportRejected) as exc:
        do_import(s, m, actor=TEST_OPERATOR, max_problems=10)
    assert exc.value.total == 5000 and exc.value.more == 4990
    assert [str(p).rsplit(":", 3)[1:] for p in exc.value.problems] == [
        [str(line), " name", " empty"] for line in range(2, 12)
    ]


def test_cli_import_bad_structure_exits_2_with_located_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`platforms = 5` gives `FILE:LINE: field: problem` and exit 2, not the last-resort
    handler's `TypeError` and exit 1; --max-errors shows the first N and counts the rest."""
    structure = "platforms = 5\n" + STRUCTURE.replace(
        '[[platforms]]\nslug = "reds"\nname = "Reds"\n', "")
    s, m = write(tmp_path, HEADER + GOOD_ROWS, structure)
    assert main(["import", str(s), str(m), "--as", "tester"]) == 2
    err = capsys.readouterr().err
    assert err == (f"{s}:{line_of(structure, 'platforms = 5')}: platforms: must be a list of "
                   "[[platforms]] tables, not an integer\n"
                   "1 problem(s) found; nothing was imported.\n")
    s, m = write(tmp_path, HEADER + "".join(f"{n},,,w1,2024-01-10,\n" for n in range(30)))
    assert main(["import", str(s), str(m), "--as", "tester", "--max-errors", "3"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 5 and err[3:] == ["… and 27 more (--max-errors N shows the first N)",
                                         "30 problem(s) found; nothing was imported."]
    assert Federation.objects.count() == 0


FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(structure=structure_files(tomllib.loads(STRUCTURE + DELEGATE), DEFAULT_CONSTITUTION_TOML))
def test_fuzz_structure_file_is_imported_or_rejected(tmp_path: Path, structure: bytes) -> None:
    """Any structure file either imports or is rejected with located problems, changing nothing;
    any other exception fails."""
    (tmp_path / "federation.toml").write_bytes(structure)
    (tmp_path / "members.csv").write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    _imported_or_cleanly_rejected(tmp_path)


@FUZZ
@given(members=member_files())
def test_fuzz_members_file_is_imported_or_rejected(tmp_path: Path, members: bytes) -> None:
    """Any members CSV either imports or is rejected with located problems, changing nothing;
    any other exception fails."""
    (tmp_path / "federation.toml").write_text(STRUCTURE, encoding="utf-8")
    (tmp_path / "members.csv").write_bytes(members)
    _imported_or_cleanly_rejected(tmp_path)


def _imported_or_cleanly_rejected(folder: Path) -> None:
    before = state()
    try:
        do_import(folder / "federation.toml", folder / "members.csv", actor=TEST_OPERATOR)
    except ImportRejected as exc:
        assert state() == before
        assert exc.problems and exc.total >= len(exc.problems)
        for problem in exc.problems:
            assert problem.file.startswith(str(folder)), problem
            assert str(problem).startswith(problem.file + (f":{problem.line}: "
                                                          if problem.line else ": "))


def test_only_an_operator_imports(tmp_path: Path) -> None:
    """A member or the clock is refused by ``operators-found-federations``; nothing is written."""
    from communard.constitution.permissions import MemberActor, NotAllowed

    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    for actor in (MemberActor("ana"), ClockActor()):
        with pytest.raises(NotAllowed) as refused:
            do_import(s, m, actor=actor)
        assert refused.value.refusal.rule == "operators-found-federations"
    assert not Federation.objects.exists() and not recorded().exists()
