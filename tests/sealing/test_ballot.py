"""The plaintext ballot: canonical, bounded by the poll's options, and refused when it is not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communard.sealing import BallotRefused, ballot_capacity, decode_ballot, encode_ballot
from tests.strategies import sealed_ballots


@given(st.integers(1, 120).flatmap(lambda n: st.tuples(st.just(n), sealed_ballots(n))))
def test_a_ballot_reads_back_and_fits_its_poll(case) -> None:
    """Every ballot of a poll decodes to itself and is at most the poll's capacity."""
    options, (code, ranking) = case
    data = encode_ballot(code, ranking, options)
    assert decode_ballot(data) == (code, tuple(ranking))
    assert len(data) <= ballot_capacity(options)


@given(st.integers(1, 120))
def test_the_full_ranking_fills_the_capacity_exactly(options: int) -> None:
    """The capacity is no larger than needed: the longest ballot fills it."""
    ranking = list(range(options, 0, -1))
    assert len(encode_ballot("ABCD-EFGH-JKMN-PQRS", ranking, options)) == ballot_capacity(options)


@pytest.mark.parametrize(
    ("code", "ranking", "problem"),
    [
        ("ABCD-EFGH-JKMN-PQR", [1], "tracking code"),
        ("ABCD-EFGH-JKMN-PQRS", [0], "preference 1"),
        ("ABCD-EFGH-JKMN-PQRS", [1, 4], "preference 2: 4 is not an option 1–3"),
        ("ABCD-EFGH-JKMN-PQRS", [2, 2], "ranked twice"),
        ("ABCD-EFGH-JKMN-PQRS", [True], "preference 1"),
    ],
)
def test_a_ballot_that_does_not_fit_is_refused(code: str, ranking: list[int], problem: str) -> None:
    """A malformed code, an option out of range or repeated: refused naming the preference."""
    with pytest.raises(BallotRefused, match=problem):
        encode_ballot(code, ranking, 3)


@pytest.mark.parametrize(
    "data",
    [b"ABCD-EFGH-JKMN-PQRS 1", b"ABCD-EFGH-JKMN-PQRS\n1  2", b"ABCD-EFGH-JKMN-PQRS\n01",
     b"ABCD-EFGH-JKMN-PQRS\n1 1", b"\xff", b"ABCD-EFGH-JKMN-PQRS\n1 "],
)
def test_a_non_canonical_plaintext_is_refused(data: bytes) -> None:
    """Only the canonical form opens as a ballot: one ballot, one byte string."""
    with pytest.raises(BallotRefused):
        decode_ballot(data)
