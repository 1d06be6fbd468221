"""The box at the close: its digest names the set of envelopes; its ballots open decoded."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.public import PrivateKey

from communard.sealing import (
    SealingError,
    ballot_capacity,
    box_digest,
    encode_ballot,
    open_ballots,
    seal,
)
from tests.strategies import sealed_ballots

KEY = PrivateKey.generate()
PUBLIC = bytes(KEY.public_key)
OPTIONS = 6
CAPACITY = ballot_capacity(OPTIONS)


def _seal(code: str, ranking: list[int]) -> bytes:
    return seal(PUBLIC, encode_ballot(code, ranking, OPTIONS), capacity=CAPACITY)


@given(st.lists(st.binary(min_size=0, max_size=40), max_size=12), st.randoms(use_true_random=False))
def test_the_digest_does_not_depend_on_the_order(envelopes: list[bytes], rnd) -> None:
    """The database may return envelopes in any order: the digest is the same."""
    shuffled = list(envelopes)
    rnd.shuffle(shuffled)
    assert box_digest(shuffled) == box_digest(envelopes)


@given(st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=12), st.data())
def test_the_digest_changes_with_any_envelope(envelopes: list[bytes], data) -> None:
    """Dropping, adding or altering one envelope changes the digest."""
    before = box_digest(envelopes)
    i = data.draw(st.integers(0, len(envelopes) - 1))
    assert box_digest(envelopes[:i] + envelopes[i + 1 :]) != before
    assert box_digest([*envelopes, envelopes[i]]) != before
    altered = bytearray(envelopes[i])
    altered[0] ^= 1
    assert box_digest([*envelopes[:i], bytes(altered), *envelopes[i + 1 :]]) != before


@given(st.lists(sealed_ballots(OPTIONS), max_size=20, unique_by=lambda b: b[0]))
def test_open_ballots_gives_back_codes_and_rankings(ballots) -> None:
    """The decoded ballots are the multiset sealed."""
    box = [_seal(code, ranking) for code, ranking in ballots]
    opened = open_ballots(KEY, box, capacity=CAPACITY, options=OPTIONS)
    assert Counter(opened) == Counter((c, tuple(r)) for c, r in ballots)


def test_two_ballots_with_one_tracking_code_are_refused() -> None:
    """A second envelope made with a ballot's tracking code is refused, naming the code."""
    box = [_seal("AAAA-AAAA-AAAA-0001", [1]), _seal("AAAA-AAAA-AAAA-0001", [2])]
    with pytest.raises(SealingError, match="tracking code AAAA-AAAA-AAAA-0001"):
        open_ballots(KEY, box, capacity=CAPACITY, options=OPTIONS)


def test_an_envelope_holding_no_ballot_is_refused() -> None:
    """Something sealed to the poll's key that is not a canonical ballot stops the close."""
    box = [_seal("AAAA-AAAA-AAAA-0001", [1]), seal(PUBLIC, b"free text", capacity=CAPACITY)]
    with pytest.raises(SealingError, match="not a ballot"):
        open_ballots(KEY, box, capacity=CAPACITY, options=OPTIONS)


def test_a_ballot_ranking_an_option_the_poll_lacks_is_refused() -> None:
    """A ballot sealed for a larger poll's options is refused by its code."""
    wide = seal(PUBLIC, encode_ballot("AAAA-AAAA-AAAA-0002", [9], 9), capacity=CAPACITY)
    with pytest.raises(SealingError, match="AAAA-AAAA-AAAA-0002 ranks an option outside 1–6"):
        open_ballots(KEY, [wide], capacity=CAPACITY, options=OPTIONS)
