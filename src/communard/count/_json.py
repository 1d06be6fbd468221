"""The JSON ballot reader: ``{"candidates": [...], "seats": 3, "withdrawn": [...], "title": "…",
"ballots": [...]}``.

A ballot is a list of candidates (names, or 1-based numbers) first preference first, or an object
``{"ranking": [...], "weight": n}``. The top-level object is walked key by key and the ballots
array element by element (``JSONDecoder.raw_decode``), each ballot going straight into typed
arrays: memory is the text and the rankings, never a Python object for every ballot at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from communard.count.ballots import (
    MAX_CANDIDATES,
    MAX_SEATS,
    MAX_TOTAL_WEIGHT,
    Ballots,
    RankingsBuilder,
)
from communard.count.errors import BallotFileError

_BLANK = re.compile(r"[ \t\n\r]*")
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_DECODER = json.JSONDecoder()


def parse_json(text: str, source: str = "<json>") -> Ballots:
    """Parse a JSON ballot file's text (see the module's description)."""
    return _Reader(text, source).read()


class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.fields: dict[str, Any] = {}
        self.key_at: dict[str, int] = {}
        self.index: dict[str, int] | None = None
        self.out = RankingsBuilder()
        self.total = 0

    # ----------------------------------------------------------------------------- the walk

    def read(self) -> Ballots:
        text = self.text
        pos = self._blank(0)
        if text[pos : pos + 1] != "{":
            self._value(pos)  # a syntax error names its own line; valid JSON is the wrong shape
            raise self._error(pos, "expected a JSON object with 'candidates' and 'ballots'")
        ballots_at: int | None = None
        pos = self._blank(pos + 1)
        if text[pos : pos + 1] == "}":
            pos += 1
        else:
            while True:
                key_pos = pos
                key, pos = self._value(pos)
                if not isinstance(key, str):
                    raise self._error(key_pos, "expected a key (a string) in the object")
                if key in self.key_at:
                    raise self._error(key_pos, f"{key!r} is given twice")
                self.key_at[key] = key_pos
                pos = self._expect(pos, ":")
                if key == "ballots" and text[pos : pos + 1] == "[":
                    ballots_at = pos
                    # Read the ballots as they come if the candidates are known; else skip them
                    # now and read them once the whole object has been seen.
                    pos = self._array(pos, self._ballot if self.index is not None else None)
                else:
                    self.fields[key], pos = self._value(pos)
                    if key == "candidates":
                        self._candidates()
                pos = self._blank(pos)
                if text[pos : pos + 1] == ",":
                    pos = self._blank(pos + 1)
                    continue
                if text[pos : pos + 1] == "}":
                    pos += 1
                    break
                raise self._error(pos, "not valid JSON: expected ',' or '}' after a value")
        pos = self._blank(pos)
        if pos < len(text):
            raise self._error(pos, "not valid JSON: extra data after the object")
        return self._finish(ballots_at)

    def _finish(self, ballots_at: int | None) -> Ballots:
        if self.index is None:
            self._candidates()
        assert self.index is not None
        names = tuple(self.index)
        seats = self.fields.get("seats")
        if seats is not None and (
            not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= MAX_SEATS
        ):
            raise self._error(
                self.key_at["seats"], f"'seats' must be a whole number from 1 to {MAX_SEATS:,}"
            )
        listed = self.fields.get("withdrawn", [])
        if not isinstance(listed, list):
            raise self._error(self.key_at["withdrawn"], "'withdrawn' must be a list of candidates")
        withdrawn = {self._candidate(x, self.key_at.get("withdrawn", 0)) for x in listed}
        title = self.fields.get("title", "")
        if not isinstance(title, str):
            raise self._error(self.key_at["title"], "'title' must be a string")
        if ballots_at is None:
            raise self._error(self.key_at.get("ballots", 0), "'ballots' must be a list")
        if not len(self.out):  # the ballots came before the candidates: read them now
            self._array(ballots_at, self._ballot)
        if not len(self.out):
            raise self._error(self.key_at["ballots"], "the ballot box is empty")
        rankings, weights = self.out.build()
        return Ballots(names, rankings, weights, frozenset(withdrawn), seats, title, self.source)

    def _candidates(self) -> None:
        names = self.fields.get("candidates")
        at = self.key_at.get("candidates", 0)
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise self._error(at, "'candidates' must be a list of names")
        if len(set(names)) != len(names):
            raise self._error(at, "a candidate is named twice")
        if len(names) > MAX_CANDIDATES:
            raise self._error(at, f"{len(names)} candidates: at most {MAX_CANDIDATES:,}")
        self.index = {n: i for i, n in enumerate(names)}

    def _ballot(self, b: Any, k: int, at: int) -> None:
        w: Any = 1
        ranking: Any = b
        if isinstance(b, dict):
            ranking, w = b.get("ranking"), b.get("weight", 1)
        if not isinstance(ranking, list):
            raise self._error(at, f"ballot {k + 1} is not a list of candidates")
        if not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= MAX_TOTAL_WEIGHT:
            raise self._error(
                at, f"ballot {k + 1} has weight {w!r}, not a whole number from 1 to 10^15"
            )
        self.total += w
        if self.total > MAX_TOTAL_WEIGHT:
            raise self._error(
                at, f"the weights add up to more than {MAX_TOTAL_WEIGHT:,} ballot papers"
            )
        try:
            r = [self._candidate(x, at) for x in ranking]
        except BallotFileError as e:
            raise self._error(at, f"ballot {k + 1}: {e.problem}") from None
        if len(set(r)) != len(r):
            assert self.index is not None
            names = list(self.index)
            twice = next(names[c] for c in r if r.count(c) > 1)
            raise self._error(at, f"ballot {k + 1} ranks {twice!r} twice")
        self.out.add(r, w)

    def _candidate(self, x: Any, at: int) -> int:
        assert self.index is not None
        if isinstance(x, str) and x in self.index:
            return self.index[x]
        if isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= len(self.index):
            return x - 1
        raise self._error(at, f"a preference for unknown candidate {x!r}")

    # ------------------------------------------------------------------------- JSON pieces

    def _array(self, pos: int, visit: Callable[[Any, int, int], None] | None) -> int:
        """Walk the array at ``pos`` element by element; returns the position after it."""
        text = self.text
        pos = self._blank(pos + 1)
        if text[pos : pos + 1] == "]":
            return pos + 1
        k = 0
        while True:
            at = pos
            item, pos = self._value(pos)
            if visit is not None:
                visit(item, k, at)
            k += 1
            pos = self._blank(pos)
            if text[pos : pos + 1] == ",":
                pos = self._blank(pos + 1)
            elif text[pos : pos + 1] == "]":
                return pos + 1
            else:
                raise self._error(pos, "not valid JSON: expected ',' or ']' in the ballots")

    def _value(self, pos: int) -> tuple[Any, int]:
        try:
            return _DECODER.raw_decode(self.text, pos)
        except json.JSONDecodeError as e:
            raise BallotFileError(self.source, e.lineno, f"not valid JSON: {e.msg}") from None
        except RecursionError:
            raise self._error(
                self._too_deep(pos), "not a ballot file: arrays or objects nested too deeply"
            ) from None
        except ValueError:  # Python refuses integers of more than 4,300 digits
            m = re.compile(r"[0-9]{4000,}").search(self.text, pos)
            raise self._error(m.start() if m else pos, "a number is too large") from None

    def _expect(self, pos: int, ch: str) -> int:
        pos = self._blank(pos)
        if self.text[pos : pos + 1] != ch:
            raise self._error(pos, f"not valid JSON: expected {ch!r}")
        return self._blank(pos + 1)

    def _blank(self, pos: int) -> int:
        m = _BLANK.match(self.text, pos)
        return m.end() if m else pos

    def _too_deep(self, pos: int) -> int:
        """Where brackets (outside strings) first nest deeper than any ballot file does."""
        depth = 0
        for m in _TOKENS.finditer(self.text, pos):
            ch = m.group()[0]
            if ch in "[{":
                depth += 1
                if depth > 32:
                    return m.start()
            elif ch in "]}":
                depth -= 1
        return pos

    def _error(self, pos: int, problem: str) -> BallotFileError:
        return BallotFileError(self.source, self.text.count("\n", 0, pos) + 1, problem)
