"""The ``communard`` command: everything an operator does, one subcommand each.

Each subcommand lives in its own module with a ``register(subparsers)`` function, so the
framework-free commands (``count``, ``verify`` of a remote server) never import Django.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from communard import __version__
from communard.cli import count_cmd, record_cmd, teller_cmd, web_cmd

MODULES = (web_cmd, count_cmd, record_cmd, teller_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="communard",
        description="Run an organisation as a council democracy: councils, delegates, elections "
        "and a tamper-evident public record.",
    )
    parser.add_argument("--version", action="version", version=f"communard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a message, never a bare traceback
        if os.environ.get("COMMUNARD_DEBUG"):
            raise
        print(f"communard {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("(set COMMUNARD_DEBUG=1 to see the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
