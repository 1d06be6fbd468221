"""What can go wrong when sealing, splitting, keeping and opening: each error names the culprit.

Every error is a ``ValueError`` whose message says what is wrong and where (which teller, which
envelope, which file and field), so a page or a command can show it as it is.
"""

from __future__ import annotations


class SealingError(ValueError):
    """Base of every refusal in :mod:`communard.sealing`."""


class ShareRefused(SealingError):
    """A handed-in share does not match its teller's public commitment (forged, mistyped, or
    another poll's): the key is not rebuilt from it."""

    def __init__(self, teller: str, reason: str) -> None:
        self.teller = teller
        self.reason = reason
        super().__init__(f"the share handed in for teller {teller!r} is refused: {reason}")


class TooFewShares(SealingError):
    """Fewer valid shares than the threshold: the key cannot be, and is not, rebuilt."""

    def __init__(self, have: int, need: int, missing: tuple[str, ...]) -> None:
        self.have = have
        self.need = need
        self.missing = missing
        super().__init__(
            f"{have} valid share(s) handed in, {need} needed to open the poll; "
            f"not yet handed in: {', '.join(missing) or 'nobody'}"
        )


class EnvelopeRefused(SealingError):
    """An envelope in the box cannot be opened: malformed, altered, repeated, or sealed to
    another key. ``position`` is its 0-based place in the box as given."""

    def __init__(self, position: int, reason: str) -> None:
        self.position = position
        self.reason = reason
        super().__init__(f"envelope {position}: {reason}")


class BallotRefused(SealingError):
    """A ballot that does not fit the poll's envelope (too long, an option out of range, a
    repeated option, a malformed tracking code): refused before it is sealed."""


class ShareFileError(SealingError):
    """A teller's share file that cannot be read: the path and what is wrong."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class BadShareText(SealingError):
    """The text given as a share (shown once, or a hand-in form) is not one: names the field."""
