"""Every counting method by name, and :func:`count`, the one entry point the CLI and app use."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from communard.count.apportionment import ApportionmentMethod
from communard.count.ballots import Ballots
from communard.count.condorcet import ranked_pairs, schulze
from communard.count.errors import UnknownMethodError
from communard.count.irv import irv
from communard.count.meek import meek_stv
from communard.count.questions import choose_n, yes_no
from communard.count.result import Result
from communard.count.simple import approval, party_list, plurality
from communard.count.stv import gregory_stv, scottish_stv

Method = Callable[..., Result]

METHODS: dict[str, Method] = {
    "scottish-stv": scottish_stv,
    "gregory-stv": gregory_stv,
    "meek-stv": meek_stv,
    "irv": irv,
    "schulze": schulze,
    "ranked-pairs": ranked_pairs,
    "plurality": plurality,
    "approval": approval,
    "choose-n": choose_n,
    "yes-no": yes_no,
    **{m.value: partial(party_list, method=m.value) for m in ApportionmentMethod},
}


def count(ballots: Ballots, method: str, seats: int | None = None, *, seed: int = 0) -> Result:
    """Count ``ballots`` by the named ``method`` (see :data:`METHODS`)."""
    try:
        fn = METHODS[method]
    except KeyError:
        raise UnknownMethodError(
            f"unknown method {method!r}; choose one of: {', '.join(METHODS)}"
        ) from None
    return fn(ballots, seats, seed=seed)
