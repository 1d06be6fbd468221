"""``communard import``: a valid pair of files imports atomically and idempotently; bad input
names every problem with file, line and field and imports nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from communard.cli import main
from communard.web.councils.models import Council, Delegate, Federation
from communard.web.members.importing import ImportRejected, do_import
from communard.web.members.models import Member, MembershipEvent
from communard.web.platforms.models import Platform
from tests.web.factories import recorded

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
        do_import(s, m, actor="operator:test")
    assert state() == before, "a rejected import must change nothing"
    return [str(p) for p in exc.value.problems]


def test_import_valid_files_builds_federation_and_seats(tmp_path: Path) -> None:
    """A valid structure and membership list build the pyramid with seats from membership."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    report = do_import(s, m, actor="operator:test")
    assert report.members_added == 3 and report.federation_created
    w1 = Council.objects.get(key="w1")
    assert (w1.members_count, w1.seats_in_parent) == (2, 1)
    assert Council.objects.get(key="d1").members_count == 3
    assert Platform.objects.get(slug="reds").members.count() == 2
    kinds = list(recorded().values_list("kind", flat=True))
    assert kinds[0] == "federation.founded" and "members.imported.v2" in kinds
    assert "Ana" not in str(list(recorded().values_list("body", flat=True)))


def test_import_rerun_is_idempotent(tmp_path: Path) -> None:
    """Running the same files again adds nothing and records nothing."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    do_import(s, m, actor="operator:test")
    before = state()
    report = do_import(s, m, actor="operator:test")
    assert (report.members_added, report.members_unchanged) == (0, 3)
    assert state() == before


def test_import_extended_list_adds_only_new_members(tmp_path: Path) -> None:
    """A later list with more members adds just those, and seats follow."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    do_import(s, m, actor="operator:test")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    more = "".join(f"{n},Member {n},,w2,{today},\n" for n in range(4, 30))
    s, m = write(tmp_path, HEADER + GOOD_ROWS + more)
    report = do_import(s, m, actor="operator:test")
    assert report.members_added == 26
    assert Council.objects.get(key="w2").seats_in_parent == 2  # 27 members, 10 per seat


def test_a_later_import_may_not_backdate_beyond_the_window(tmp_path: Path) -> None:
    """Only the founding import records the admission dates it claims; a later one that says
    "admitted 60 days ago" (to reach a roll whose cut-off has passed) is refused at that line,
    and nothing is imported."""
    s, m = write(tmp_path, HEADER + GOOD_ROWS)
    do_import(s, m, actor="operator:test")
    before = state()
    old = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=60)).isoformat()
    s, m = write(tmp_path, HEADER + GOOD_ROWS + f"4,Late Comer,,w2,{old},\n")
    with pytest.raises(ImportRejected) as caught:
        do_import(s, m, actor="operator:test")
    assert "members.csv:5: admitted_on: the date" in str(caught.value.problems[0])
    assert "more than 7 day(s) before today" in str(caught.value.problems[0])
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
    do_import(s, m, actor="operator:test")
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
    """The command lists problems on stderr with a summary and exits 1; no traceback."""
    s, m = write(tmp_path, HEADER + "1,Ana,,w1,2024-13-01,\n")
    assert main(["import", str(s), str(m), "--as", "tester"]) == 1
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
    report = do_import(*demo_files, actor="system")
    assert report.members_added > 300 and report.delegates_seated == Delegate.objects.count() > 12


def test_import_structure_problems_point_at_their_own_table(tmp_path: Path) -> None:
    """A problem in the second [[delegates]] entry names the line of that entry, not the first."""
    structure = (STRUCTURE + '\n[[delegates]]\nmember = "1"\nconstituency = "w1"\n'
                 + '\n[[delegates]]\nmember = "2"\nconstituency = "w7"\n')
    problems = rejected(tmp_path, HEADER + GOOD_ROWS, structure)
    second = len(structure.splitlines()) - 2  # the line of the second [[delegates]] header
    assert problems == [f"{tmp_path / 'federation.toml'}:{second}: delegates[2].constituency: "
                        "unknown council 'w7'"]
