"""What a ballot may say, by the question: checked before anything is written.

Choices that are not a list of distinct option numbers are malformed (``InvalidChoices``, 400);
well-formed ones the poll does not offer (an option it lacks, too many) are refused by its terms
(``ChoicesNotOffered``, 409), as the API's schema can describe the first and not the second.

* ranked: distinct option numbers, in order of preference, at least one;
* yes-no: exactly one option number (1 Yes, 2 No, 3 Abstain where offered);
* choose-n: distinct option numbers, at least one and at most n (the poll's ``seats``).
"""

from __future__ import annotations

from typing import Any

from communard.web.polls.errors import ChoicesNotOffered, InvalidChoices
from communard.web.polls.models import Question


def check_choices(question: str, options: int, seats: int, choices: Any) -> list[int]:
    """The ballot's choices as option numbers, or :class:`InvalidChoices` naming the fault."""
    if not isinstance(choices, list) or not choices:
        raise InvalidChoices("a ballot chooses at least one option (a list of option numbers)")
    seen: list[int] = []
    for i, n in enumerate(choices, start=1):
        if isinstance(n, float) and n.is_integer():
            n = int(n)  # JSON's 2.0 is the number 2
        if isinstance(n, bool) or not isinstance(n, int):
            raise InvalidChoices(f"choice {i} is {n!r}, not an option number")
        if n in seen:
            raise InvalidChoices(f"choice {i} names option {n} a second time")
        seen.append(n)
    for i, n in enumerate(seen, start=1):
        if not 1 <= n <= options:
            raise ChoicesNotOffered(
                f"choice {i} names option {n}; the options are 1 to {options}")
    most = {Question.YES_NO: 1, Question.CHOOSE_N: seats}.get(question, options)
    if len(seen) > most:
        raise ChoicesNotOffered(f"this ballot chooses at most {most} option(s), not {len(seen)}")
    return seen
