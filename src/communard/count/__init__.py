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
from communard.count.errors import BallotFileError, CountError, UnknownMethodError
from communard.count.readers import parse_blt, parse_csv, parse_json, read_ballots, write_blt
from communard.count.result import Lot, Result, Stage
from communard.count.stv import gregory_stv, scottish_stv

__all__ = [
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
    "gregory_stv",
    "parse_blt",
    "parse_csv",
    "parse_json",
    "read_ballots",
    "scottish_stv",
    "write_blt",
]
