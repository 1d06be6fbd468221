"""The poll's public key as the record holds it: read back whole, refused field by field."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given

from communard.record import canonical_json
from communard.sealing import (
    SealingError,
    check_share,
    make_poll_key,
    public_key_body,
    public_key_from_body,
    rebuild_key,
)
from tests.strategies import teller_splits


@given(teller_splits())
def test_the_record_body_reads_back_to_the_same_key(split) -> None:
    """Through canonical JSON and back, the public key is unchanged and checks hand-ins."""
    tellers, t = split
    key = make_poll_key("poll-4", tellers, t)
    body = json.loads(canonical_json(public_key_body(key.public)))
    public = public_key_from_body(body)
    assert public == key.public
    for share in key.shares:
        check_share(public, share)
    assert bytes(rebuild_key(public, key.shares[:t]).public_key) == key.public.public_key


BODY = public_key_body(make_poll_key("poll-4", ["ana", "ben", "cy"], 2).public)


def _with(path: tuple[object, ...], value: object) -> dict[str, object]:
    body = copy.deepcopy(BODY)
    target = body
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    return body


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (_with(("public_key",), "AB" * 32), "entry.public_key: must be 64 lower-case hex"),
        (_with(("threshold",), 4), "entry.threshold: must be a whole number 2–3"),
        (_with(("threshold",), True), "entry.threshold"),
        (_with(("tellers", 1, "index"), 1), "two tellers have the same index"),
        (_with(("tellers", 2, "teller"), "ana"), "a teller is listed twice"),
        (_with(("tellers", 0, "commitment"), "00"), "entry.tellers\\[0\\].commitment"),
        (_with(("tellers", 1, "index"), 0), "entry.tellers\\[1\\].index"),
        (_with(("extra",), 1), "unknown field\\(s\\) extra"),
        (_with(("tellers",), []), "entry.tellers: must list 2–255"),
        ([], "entry: must be an object"),
    ],
)
def test_a_malformed_body_is_refused_naming_the_field(body: object, problem: str) -> None:
    """Each malformed field is refused with its path."""
    with pytest.raises(SealingError, match=problem):
        public_key_from_body(body, where="entry")
