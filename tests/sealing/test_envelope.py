"""Envelopes: what is sealed comes back at the close, shuffled, and nothing else opens."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.public import PrivateKey

from communard.sealing import (
    BallotRefused,
    EnvelopeRefused,
    ballot_capacity,
    encode_ballot,
    envelope_size,
    make_poll_key,
    open_all,
    rebuild_key,
    seal,
)
from tests.strategies import sealed_ballots

KEY = PrivateKey.generate()
PUBLIC = bytes(KEY.public_key)


def _box(options: int, ballots: list[tuple[str, list[int]]]) -> tuple[list[bytes], list[bytes]]:
    capacity = ballot_capacity(options)
    plain = [encode_ballot(code, ranking, options) for code, ranking in ballots]
    return plain, [seal(PUBLIC, p, capacity=capacity) for p in plain]


@given(st.integers(1, 25).flatmap(lambda n: st.tuples(st.just(n), st.lists(sealed_ballots(n), max_size=30))))
def test_open_all_gives_back_the_sealed_ballots(case) -> None:
    """open_all(seal(...)) is the multiset of the ballots sealed, whatever their number."""
    options, ballots = case
    plain, box = _box(options, ballots)
    assert Counter(open_all(KEY, box, capacity=ballot_capacity(options))) == Counter(plain)


@given(st.integers(1, 25).flatmap(lambda n: st.tuples(st.just(n), st.lists(sealed_ballots(n), min_size=2, max_size=10))))
def test_envelopes_of_one_poll_are_all_the_same_length(case) -> None:
    """A blank ballot, a first preference only and a full ranking seal to the same length."""
    options, ballots = case
    _, box = _box(options, ballots)
    assert {len(e) for e in box} == {envelope_size(ballot_capacity(options))}


def test_the_opened_order_is_not_the_cast_order() -> None:
    """Opened twice, a box of 200 distinct ballots comes out in two different orders, neither
    the cast order (each has probability 1/200! of a false failure)."""
    ballots = [(f"AAAA-AAAA-AAAA-{i:04d}", [1 + i % 5]) for i in range(200)]
    plain, box = _box(5, ballots)
    first = open_all(KEY, box, capacity=ballot_capacity(5))
    second = open_all(KEY, box, capacity=ballot_capacity(5))
    assert first != plain and second != plain and first != second
    assert sorted(first) == sorted(plain)


def test_the_shuffle_moves_every_position_over_many_boxes() -> None:
    """Over many boxes of four, every ballot lands in every place: the order does not follow
    the cast order in general (a fixed or cast-order permutation would fail this)."""
    ballots = [(f"AAAA-AAAA-AAAA-000{i}", [1]) for i in range(4)]
    plain, box = _box(1, ballots)
    seen: set[tuple[int, int]] = set()
    for _ in range(400):
        out = open_all(KEY, box, capacity=ballot_capacity(1))
        seen.update((plain.index(b), place) for place, b in enumerate(out))
    assert seen == {(i, j) for i in range(4) for j in range(4)}


def test_an_envelope_sealed_to_another_key_is_refused_with_its_position() -> None:
    """A foreign envelope in the box is refused by position and no ballot is returned."""
    capacity = ballot_capacity(3)
    _, box = _box(3, [("AAAA-AAAA-AAAA-0001", [1]), ("AAAA-AAAA-AAAA-0002", [2])])
    stranger = bytes(PrivateKey.generate().public_key)
    box.insert(1, seal(stranger, encode_ballot("AAAA-AAAA-AAAA-0003", [3], 3), capacity=capacity))
    with pytest.raises(EnvelopeRefused) as refused:
        open_all(KEY, box, capacity=capacity)
    assert refused.value.position == 1
    assert "does not open with this poll's key" in str(refused.value)


@given(st.data())
def test_a_flipped_bit_in_an_envelope_is_refused_with_its_position(data) -> None:
    """Any single flipped bit, anywhere in any envelope, is refused naming that envelope."""
    capacity = ballot_capacity(4)
    _, box = _box(4, [(f"AAAA-AAAA-AAAA-000{i}", [1, 2, 3, 4][: i + 1]) for i in range(4)])
    position = data.draw(st.integers(0, len(box) - 1))
    raw = bytearray(box[position])
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    box[position] = bytes(raw)
    with pytest.raises(EnvelopeRefused) as refused:
        open_all(KEY, box, capacity=capacity)
    assert refused.value.position == position


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda e: e[:-1], "bytes long"),
        (lambda e: e + b"\0", "bytes long"),
        (lambda e: b"\x02" + e[1:], "format version 2"),
        (lambda e: "not bytes", "not bytes"),
    ],
)
def test_a_malformed_envelope_is_refused_with_its_position(damage, problem: str) -> None:
    """Truncated, extended, another version, not bytes: refused with position and reason."""
    capacity = ballot_capacity(3)
    _, box = _box(3, [("AAAA-AAAA-AAAA-0001", [1]), ("AAAA-AAAA-AAAA-0002", [2])])
    box[0] = damage(box[0])
    with pytest.raises(EnvelopeRefused, match=problem) as refused:
        open_all(KEY, box, capacity=capacity)
    assert refused.value.position == 0


def test_a_copied_envelope_is_refused() -> None:
    """The same envelope twice in a box is a copy, not a second vote: refused at the copy."""
    capacity = ballot_capacity(3)
    _, box = _box(3, [("AAAA-AAAA-AAAA-0001", [1]), ("AAAA-AAAA-AAAA-0002", [2])])
    box.append(box[0])
    with pytest.raises(EnvelopeRefused, match="repeats envelope 0") as refused:
        open_all(KEY, box, capacity=capacity)
    assert refused.value.position == 2


def test_a_ballot_longer_than_the_poll_allows_is_not_sealed() -> None:
    """A ballot past the poll's capacity is refused before sealing, not silently lengthened."""
    with pytest.raises(BallotRefused, match="envelopes hold 5"):
        seal(PUBLIC, b"123456", capacity=5)


def test_a_box_opens_with_the_key_the_tellers_rebuild() -> None:
    """End to end: split, seal, hand in three of five shares, open."""
    key = make_poll_key("poll-9", ["ana", "ben", "cy", "dee", "eli"], 3)
    capacity = ballot_capacity(20)
    plain = [encode_ballot("ABCD-EFGH-JKMN-PQRS", [20, 1, 7], 20)]
    box = [seal(key.public.public_key, p, capacity=capacity) for p in plain]
    private = rebuild_key(key.public, [key.shares[4], key.shares[0], key.shares[2]])
    assert open_all(private, box, capacity=capacity) == plain
