"""What an import found wrong: each problem with its file, line and field."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# Problems kept to show: a file of two million bad rows must not hold two million problems in
# memory; the rest are only counted.
DEFAULT_LIMIT = 200


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class Problems:
    """The problems found so far: the first ``limit`` kept, all of them counted."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError("keep at least one problem")
        self.limit = limit
        self.kept: list[Problem] = []
        self.total = 0

    def append(self, problem: Problem) -> None:
        self.total += 1
        if len(self.kept) < self.limit:
            self.kept.append(problem)

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.kept)


class ImportRejected(Exception):
    """The files have problems; nothing was imported. ``problems`` are the ones kept (in file
    and line order), ``total`` counts all of them."""

    def __init__(self, problems: Problems | list[Problem]) -> None:
        if isinstance(problems, list):
            self.problems = sorted(problems)
            self.total = len(problems)
        else:
            self.problems = sorted(problems.kept)
            self.total = problems.total
        super().__init__(f"{self.total} problem(s); nothing was imported")

    @property
    def more(self) -> int:
        """Problems found but not kept."""
        return self.total - len(self.problems)
