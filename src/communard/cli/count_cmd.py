"""``communard count``: count a ballot file (BLT, CSV or JSON) and print the result.

Framework-free: imports only ``communard.count``. Errors in the file or the request print one
clear line on stderr (``FILE:LINE: problem``) and exit 2, never a traceback. Large files report
progress on stderr so that ``--format json`` on stdout stays clean.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

LARGE_FILE = 5_000_000  # bytes; above this, progress goes to stderr


def register(sub: Any) -> None:
    from communard.count.methods import METHODS

    p: argparse.ArgumentParser = sub.add_parser(
        "count",
        help="count a ballot file (BLT, CSV, JSON)",
        description="Count a ballot file and print the result with its full count sheet.",
    )
    p.add_argument("file", help="ballot file: .blt, .csv or .json")
    p.add_argument(
        "--method",
        default="scottish-stv",
        choices=sorted(METHODS),
        help="counting method (default: scottish-stv)",
    )
    p.add_argument(
        "--seats",
        type=int,
        default=None,
        help="seats to fill (default: as the file says; 1 for single-winner methods)",
    )
    p.add_argument(
        "--format",
        dest="fmt",
        default="table",
        choices=("table", "json", "csv"),
        help="output format (default: table)",
    )
    p.add_argument(
        "--chart",
        metavar="OUT.svg",
        default=None,
        help="also draw the stages to this image file (svg, png, pdf)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for ties the rules leave to lot; recorded with the result",
    )
    p.add_argument(
        "--input-format",
        choices=("blt", "csv", "json"),
        default=None,
        help="ballot file format (default: from the file's suffix)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from communard.count import BallotFileError, CountError, count, read_ballots

    path = Path(args.file)
    large = path.is_file() and path.stat().st_size > LARGE_FILE
    try:
        t0 = time.perf_counter()
        if large:
            _progress(f"reading {path} ({path.stat().st_size / 1e6:.0f} MB)…")
        ballots = read_ballots(path, args.input_format)
        if large:
            _progress(
                f"read {ballots.total:,} ballots ({ballots.rankings.shape[0]:,} rankings) in "
                f"{time.perf_counter() - t0:.2f} s; counting by {args.method}…"
            )
        t1 = time.perf_counter()
        seats = args.seats
        if seats is None and args.method in ("irv", "schulze", "ranked-pairs"):
            seats = 1
        result = count(ballots, args.method, seats, seed=args.seed)
        if large:
            _progress(f"counted in {time.perf_counter() - t1:.2f} s ({len(result.stages)} stages)")
    except BallotFileError as e:  # already FILE:LINE: problem
        print(f"communard count: {e}", file=sys.stderr)
        return 2
    except CountError as e:  # the file is well formed but cannot be counted as asked
        print(f"communard count: {path}: {e}", file=sys.stderr)
        return 2
    if args.fmt == "json":
        sys.stdout.write(result.to_json() + "\n")
    elif args.fmt == "csv":
        sys.stdout.write(result.to_csv())
    else:
        sys.stdout.write(result.to_table())
    if args.chart:
        try:
            result.chart(args.chart)
        except (OSError, ValueError) as e:
            print(f"communard count: cannot write the chart {args.chart}: {e}", file=sys.stderr)
            return 2
    return 0


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
