"""Exceptions raised by the counting engine; each names the condition it reports."""

from __future__ import annotations


class CountError(ValueError):
    """The ballots cannot be counted as asked (too few candidates, bad seat number, …)."""


class BallotFileError(CountError):
    """A ballot file is malformed. Carries the file, the 1-based line (when known) and the problem.

    ``str(error)`` reads ``FILE:LINE: problem`` like a compiler message, so a command-line tool can
    print it as it is.
    """

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {problem}")


class UnknownMethodError(CountError):
    """No counting method has the given name."""
