"""Finding a ballot of a published box by its tracking code, without sending the code to the
database (issue 16, red-teamed: docs/sealing.md, "the operator's channels").

A query that carries the code (``WHERE tracking_code = …``) sits, with PostgreSQL's statement
log on (``log_statement = all``, ``log_min_duration_statement = 0``), in the log with its time,
beside the access log's line for the voter's request: the code, and so the published ballot,
linked to whoever looked it up. The box is public once counted; reading it whole and finding the
code here sends the database nothing but the poll. A box is read once per process and kept (a
few of them), keyed by its count as well as its poll: a poll id names another box in a
restored backup or a reused test database.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict

from communard.web.polls.models import Ballot, Result
from communard.web.polls.tracking import is_tracking_code

#: How many counted boxes a process keeps (100,000 ballots are about 15 MB).
KEPT = 4

_boxes: OrderedDict[tuple[int, str, str, int], dict[str, list[int]]] = OrderedDict()
_lock = threading.Lock()
#: A lock per box being read, so that it is read once however many ask at once.
_loading: dict[tuple[int, str, str, int], threading.Lock] = {}
#: Boxes read from the database in this process, per poll (what a test reads).
reads: Counter[int] = Counter()


def published_choices(poll_id: int, code: str) -> list[int] | None:
    """The choices of the ballot with tracking code ``code`` (upper-case) in the poll's counted
    box; None if the poll is not counted or no ballot has that code."""
    if not is_tracking_code(code):
        return None
    count = (Result.objects.filter(poll_id=poll_id)
             .values_list("box_sha256", "counted_at", "ballots").first())
    if count is None:
        return None
    key = (poll_id, count[0], count[1].isoformat(), count[2])
    with _lock:
        box = _boxes.get(key)
        if box is not None:
            _boxes.move_to_end(key)
        loading = _loading.setdefault(key, threading.Lock())
    if box is None:
        # One thread reads a box; the others asking for it meanwhile (a close's published
        # result brings many voters at once) wait for it instead of each reading it whole.
        with loading:
            with _lock:
                box = _boxes.get(key)
            if box is None:
                box = {c: list(choices) for c, choices in Ballot.objects.filter(poll_id=poll_id)
                       .values_list("tracking_code", "choices").iterator(chunk_size=5000)}
                reads[poll_id] += 1
                with _lock:
                    _boxes[key] = box
                    while len(_boxes) > KEPT:
                        evicted, _ = _boxes.popitem(last=False)
                        _loading.pop(evicted, None)
    found = box.get(code)
    return None if found is None else list(found)
