"""Vote counting, free of any web framework.

Public API: ballots and their readers, the counting methods, results and their exports, and
apportionment by divisor and largest-remainder methods.
"""

from communard.count.apportionment import (
    Apportionment,
    ApportionmentError,
    ApportionmentMethod,
    apportion,
)
from communard.count.ballots import Ballots
from communard.count.condorcet import pairwise, ranked_pairs, schulze
from communard.count.errors import BallotFileError, CountError, UnknownMethodError
from communard.count.irv import irv
from communard.count.meek import meek_stv
from communard.count.methods import METHODS, count
from communard.count.questions import choose_n, yes_no
from communard.count.readers import parse_blt, parse_csv, parse_json, read_ballots, write_blt
from communard.count.result import Lot, Result, Stage
from communard.count.simple import approval, party_list, plurality
from communard.count.stv import gregory_stv, scottish_stv

__all__ = [
    "METHODS",
    "Apportionment",
    "ApportionmentError",
    "ApportionmentMethod",
    "BallotFileError",
    "Ballots",
    "CountError",
    "Lot",
    "Result",
    "Stage",
    "UnknownMethodError",
    "apportion",
    "approval",
    "choose_n",
    "count",
    "irv",
    "meek_stv",
    "pairwise",
    "party_list",
    "plurality",
    "ranked_pairs",
    "schulze",
    "gregory_stv",
    "parse_blt",
    "parse_csv",
    "parse_json",
    "read_ballots",
    "scottish_stv",
    "write_blt",
    "yes_no",
]
