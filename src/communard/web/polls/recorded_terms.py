"""The constitution in force at an instant of the record, as the polls' audits read it.

An audit that judges a poll's opening by the federation's constitution as it is *now* can be
led astray by a later change of that text (by a recorded amendment, or by plain SQL, which the
councils audit names on the federation but which would then silence the poll's own check). The
terms a poll opened under are those the record had adopted before its opening's entry.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from communard.constitution import Constitution, parse_constitution
from communard.constitution.rules import ConstitutionError
from communard.record import kinds as K
from communard.web.records.audit import entries

#: The kinds whose entry adopts a federation's constitution text (its ``constitution`` field).
#: Today only the founding does; a recorded amendment kind belongs here when it lands.
ADOPTING: tuple[K.Kind[Any], ...] = (K.FEDERATION_FOUNDED,)


class RecordedTerms:
    """Each federation's adopted constitution texts, in record order, from one read."""

    def __init__(self) -> None:
        self._adopted: dict[str, list[tuple[int, str]]] = {}
        for index, _, body in entries(*ADOPTING):
            text = body.get("constitution")
            if isinstance(text, str):
                self._adopted.setdefault(str(body.get("federation")), []).append((index, text))
        self._parsed: dict[str, Constitution | str] = {}

    def at(self, federation: str, index: int) -> Constitution | str:
        """The constitution the record had adopted for ``federation`` before entry ``index``,
        or why there is none (a text that no longer parses, or none adopted before it)."""
        adopted = self._adopted.get(federation, [])
        before = bisect_left([at for at, _ in adopted], index)
        if before == 0:
            return f"the record adopts no constitution of {federation} before entry {index}"
        at, text = adopted[before - 1]
        if text not in self._parsed:
            try:
                self._parsed[text] = parse_constitution(text, source=f"entry {at}")
            except ConstitutionError as exc:
                self._parsed[text] = f"the constitution adopted at entry {at} does not parse: {exc}"
        return self._parsed[text]
