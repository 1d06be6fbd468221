"""``communard verify`` and ``communard witness``: check the public record.

Checking a remote server uses only ``communard.record`` and the standard library: Django is
imported only by ``verify`` without ``--server``, which reads the local database.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from communard.record import (
    HttpLogClient,
    KeyFileError,
    MalformedNote,
    RemoteError,
    Verifier,
    Witness,
    WitnessAlert,
    dumps_report,
    load_verifier,
    verify_rows,
)

INTACT, TAMPERED, ERROR = 0, 1, 2


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "verify",
        help="recompute the record from its entries and report any tampering by index",
        description="Recompute the whole Merkle log from the stored entries (the local database, "
        "or a server's public endpoints with --server), check it against the organisation's "
        "signed checkpoints, and check every entry's kind and body against their declaration. "
        "Exit status: 0 intact, 1 tampered, 2 could not check.",
    )
    p.add_argument("--server", metavar="URL", help="verify a remote server (no Django needed)")
    p.add_argument("--key", metavar="VKEY", help="the organisation's verifier key, or a file "
                   "holding it (default: the local key; for --server, asked of the server)")
    p.add_argument("--trusted", metavar="FILE", type=Path, action="append", default=[],
                   help="a checkpoint kept elsewhere (e.g. a witness's latest.note); repeatable")
    p.add_argument("--strict", action="store_true",
                   help="also parse every entry as RFC 8785 canonical JSON")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser(
        "witness",
        help="follow a server's record, co-sign its checkpoints, alert on forks and rewrites",
        description="Fetch the server's latest checkpoint, check its signature and its "
        "consistency with the last checkpoint this witness kept, co-sign and store it. "
        "Exit status: 0 consistent, 1 fork or rewrite (message on stderr), 2 could not check.",
    )
    p.add_argument("url", help="the server's base URL, e.g. https://union.example.org")
    p.add_argument("--state", required=True, type=Path, metavar="DIR",
                   help="directory for this witness's key and the checkpoints it keeps")
    p.add_argument("--log-key", metavar="VKEY",
                   help="the organisation's verifier key to pin on first use (recommended; "
                   "otherwise the server's own answer is trusted once)")
    p.add_argument("--name", default="witness.local", help="this witness's key name")
    p.add_argument("--interval", type=float, default=0,
                   help="keep following, checking every this many seconds (default: once)")
    p.set_defaults(handler=cmd_witness)


def _err(message: str) -> int:
    print(f"communard: {message}", file=sys.stderr)
    return ERROR


def cmd_verify(args: argparse.Namespace) -> int:
    trusted = []
    for path in args.trusted:
        try:
            trusted.append(path.read_text(encoding="utf-8"))
        except OSError as e:
            return _err(f"cannot read trusted checkpoint {path}: {e.strerror}")
    try:
        key = load_verifier(args.key) if args.key else None
        if args.server:
            client = HttpLogClient(args.server)
            if key is None:
                key = Verifier.parse(client.verifier_key())
                print(f"warning: trusting the key the server gave: {key.text()}", file=sys.stderr)
            latest = client.latest_checkpoint()
            report = verify_rows(client.rows(), key, client.checkpoint_at,
                                 latest_checkpoint=latest, trusted=trusted, strict=args.strict,
                                 check_kinds=True)
        else:
            report = _verify_local(key, trusted, args.strict)
    except (KeyFileError, MalformedNote, RemoteError) as e:
        return _err(str(e))
    if args.json:
        print(dumps_report(report))
    else:
        for finding in report.findings:
            print(finding)
        state = "intact" if report.is_intact else "TAMPERED"
        hidden = f", {report.hidden_bodies} bodies not visible (checked by hash)" \
            if report.hidden_bodies else ""
        print(f"record {state}: {report.size} entries, root {report.root_hash.hex()}, "
              f"{report.checkpoints_checked} signed checkpoints checked{hidden}")
    return INTACT if report.is_intact else TAMPERED


def _verify_local(key: Verifier | None, trusted: list[str], strict: bool) -> Any:
    from communard.cli.web_cmd import setup_django

    setup_django()
    from communard.web.records import services
    from communard.web.records.store import DatabaseStore, queued_count

    store = DatabaseStore()
    waiting = queued_count()
    if waiting:
        print(f"note: {waiting} entries written by actions are queued, not yet sealed into the "
              "tree, and are not covered by this check (`communard seal` seals them)",
              file=sys.stderr)
    return verify_rows(store.rows(), key or services.verifier(), store.checkpoint_at,
                       latest_checkpoint=store.latest_checkpoint(), trusted=trusted,
                       strict=strict, check_kinds=True)


def cmd_witness(args: argparse.Namespace) -> int:
    client = HttpLogClient(args.url)
    try:
        witness = Witness(args.state, name=args.name)
        if args.log_key:
            witness.pin_log_key(load_verifier(args.log_key))
        elif witness.log_key() is None:
            key = Verifier.parse(client.verifier_key())
            print(f"warning: pinning the key the server gave: {key.text()}", file=sys.stderr)
            witness.pin_log_key(key)
    except WitnessAlert as e:
        print(f"ALERT: {e}", file=sys.stderr)
        return TAMPERED
    except (KeyFileError, MalformedNote, RemoteError, OSError) as e:
        return _err(str(e))
    while True:
        try:
            seen = witness.observe(client)
        except WitnessAlert as e:
            print(f"ALERT: {e}", file=sys.stderr)
            return TAMPERED
        except RemoteError as e:
            if not args.interval:
                return _err(str(e))
            print(f"communard: {e} (will retry)", file=sys.stderr)
        else:
            what = "new" if seen.new else "unchanged"
            print(f"consistent: {seen.size} entries ({what}); co-signed as {witness.verifier.name}")
        if not args.interval:
            return INTACT
        time.sleep(args.interval)
