"""The plaintext inside an envelope: a tracking code and a ranking, in one canonical byte form.

``CODE\\nN N N`` in ASCII: the tracking code, a newline, then the ranked option numbers (1-based)
separated by single spaces (none for a blank ballot). The form is canonical (one ballot, one
byte string), so the multiset of plaintexts opened at the close can be compared with what was
sealed. Its longest form for a poll of ``options`` options — every option ranked — fixes the
poll's envelope capacity, so every envelope has the same length whatever its ranking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from communard.sealing.errors import BallotRefused

#: Crockford base 32 in four groups of four, as ``web/elections/casting.py`` makes them.
TRACKING_CODE_LENGTH = 19
_CODE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}")
_NUMBERS = re.compile(r"(?:[1-9][0-9]*(?: [1-9][0-9]*)*)?")


def ballot_capacity(options: int) -> int:
    """The length in bytes of the longest ballot of a poll with ``options`` options."""
    if options < 1:
        raise BallotRefused(f"a poll needs at least one option, not {options}")
    digits = sum(len(str(n)) for n in range(1, options + 1))
    return TRACKING_CODE_LENGTH + 1 + digits + (options - 1)


def encode_ballot(code: str, ranking: Sequence[int], options: int) -> bytes:
    """The canonical plaintext of one ballot; refuses what would not fit the poll's envelope."""
    if _CODE.fullmatch(code) is None:
        raise BallotRefused(f"tracking code {code!r} is not four groups of four letters or digits")
    for place, number in enumerate(ranking, start=1):
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= options:
            raise BallotRefused(f"preference {place}: {number!r} is not an option 1–{options}")
    if len(set(ranking)) != len(ranking):
        raise BallotRefused("an option is ranked twice")
    return (code + "\n" + " ".join(str(n) for n in ranking)).encode("ascii")


def decode_ballot(data: bytes) -> tuple[str, tuple[int, ...]]:
    """The tracking code and ranking of one opened ballot; refuses a non-canonical form."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise BallotRefused("the ballot is not ASCII") from None
    code, sep, numbers = text.partition("\n")
    if not sep or _CODE.fullmatch(code) is None or _NUMBERS.fullmatch(numbers) is None:
        raise BallotRefused("the ballot is not a tracking code and a ranking in canonical form")
    ranking = tuple(int(n) for n in numbers.split()) if numbers else ()
    if len(set(ranking)) != len(ranking):
        raise BallotRefused(f"ballot {code}: an option is ranked twice")
    return code, ranking
