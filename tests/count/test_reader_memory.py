"""Readers' memory follows the file, not rankings x the longest ranking (measured, not timed)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from communard.count import read_ballots

# One ballot ranks every candidate and the others rank one: a padded table would take
# ballots x candidates x 2 bytes (200 MB for BLT and JSON here), the ragged form a few MB.
# (A CSV row has a cell per candidate, so its width is in the file itself: there the many narrow
# rows, which the old reader held as Python lists, are what is measured.)
SIZES = {"blt": (2_000, 50_000), "json": (2_000, 50_000), "csv": (5, 200_000)}
CHUNK_ALLOWANCE = {"blt": 16 << 20, "json": 0, "csv": 0}  # the BLT reader's 1 MB chunk


def _wide_file(tmp_path: Path, fmt: str, sizes: tuple[int, int] | None = None) -> Path:
    wide, narrow = sizes or SIZES[fmt]
    names = [f"C{i}" for i in range(1, wide + 1)]
    everyone = list(range(1, wide + 1))
    path = tmp_path / f"wide.{fmt}"
    if fmt == "blt":
        body = f"{wide} 1\n1 " + " ".join(map(str, everyone)) + " 0\n" + "1 5 0\n" * narrow
        path.write_text(body + "0\n" + "\n".join(names) + "\nwide\n")
    elif fmt == "json":
        ballots = ",\n".join([str(everyone)] + ["[5]"] * narrow)
        path.write_text(
            '{"candidates": ' + str(names).replace("'", '"') + f', "ballots": [{ballots}]}}'
        )
    else:
        rows = [",".join(map(str, everyone))] + [",,,,1" + "," * (wide - 5)] * narrow
        path.write_text(",".join(names) + "\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("fmt", ["blt", "json", "csv"])
def test_reading_a_wide_ballot_takes_a_few_times_the_file_at_most(tmp_path: Path, fmt: str) -> None:
    """The peak Python and numpy allocation while reading stays under the documented bound:
    10 times the file, plus 16 MB for the BLT reader's chunk (docs/count/formats.md)."""
    wide, narrow = SIZES[fmt]
    read_ballots(_wide_file(tmp_path, fmt, (5, 3)))  # one-off costs (imports, compiled patterns)
    path = _wide_file(tmp_path, fmt)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        ballots = read_ballots(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ballots.total == narrow + 1
    assert ballots.rankings_list()[0][0] == list(range(wide))
    assert ballots.rankings_list()[1] == ([4], 1)
    assert peak < 10 * size + CHUNK_ALLOWANCE[fmt], (peak, size)
