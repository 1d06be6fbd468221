"""Vote counting, free of any web framework.

Public API (re-exported here): apportionment by divisor and largest-remainder methods.
"""

from communard.count.apportionment import (
    Apportionment,
    ApportionmentError,
    ApportionmentMethod,
    apportion,
)

__all__ = ["Apportionment", "ApportionmentError", "ApportionmentMethod", "apportion"]
