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
    Finding,
    HttpLogClient,
    KeyFileError,
    MalformedNote,
    RemoteError,
    SignatureError,
    Trust,
    UntrustedKey,
    Verifier,
    Witness,
    WitnessAlert,
    choose_key,
    dumps_report,
    fingerprint,
    load_verifier,
    open_checkpoint,
    verify_extension,
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
        "The signing key must be given (--key) or pinned (--pin): a replaced key is reported. "
        "Exit status: 0 intact, 1 tampered or key replaced, 2 could not check (or no trusted "
        "key: the message gives the fingerprint to pin).",
    )
    p.add_argument("--server", metavar="URL", help="verify a remote server (no Django needed)")
    _key_options(p, "--key", "KEY", "the organisation's verifier key, a file holding it, or "
                 "its fingerprint (sha256:…); the record's own key is never trusted unasked")
    p.add_argument("--pin", metavar="FILE", type=Path,
                   help="a file pinning the organisation's key: checked on every run, written "
                   "only with --trust-key or --pin-first")
    p.add_argument("--trusted", metavar="FILE", type=Path, action="append", default=[],
                   help="a checkpoint kept elsewhere (e.g. a witness's latest.note); repeatable")
    p.add_argument("--strict", action="store_true",
                   help="also parse every entry as RFC 8785 canonical JSON")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--state", metavar="FILE", type=Path,
                   help="local audit: remember the audited tree and the replayed state in FILE, "
                   "and when FILE holds a tree the current signed log extends, check and replay "
                   "only the entries added since (keep it where the operator cannot write, as "
                   "a pin)")
    p.add_argument("--full", action="store_true",
                   help="with --state: check and replay the whole record, then remember it")
    p.add_argument("--since-last", action="store_true",
                   help="with --state: refuse (exit 2) unless FILE holds a usable earlier audit")
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
    _key_options(p, "--log-key", "VKEY", "the organisation's verifier key (or a file holding "
                 "it) to pin on first use")
    p.add_argument("--name", default="witness.local", help="this witness's key name")
    p.add_argument("--interval", type=float, default=0,
                   help="keep following, checking every this many seconds (default: once)")
    p.set_defaults(handler=cmd_witness)


def _key_options(p: argparse.ArgumentParser, flag: str, metavar: str, help: str) -> None:
    p.add_argument(flag, metavar=metavar, help=help)
    p.add_argument("--trust-key", metavar="FINGERPRINT",
                   help="on first use, pin the key the record presents if it has this "
                   "fingerprint (compare it with the one the organisation publishes)")
    p.add_argument("--pin-first", action="store_true",
                   help="on first use, pin whatever key the record presents (trust on first use)")


def _err(message: str) -> int:
    print(f"communard: {message}", file=sys.stderr)
    return ERROR


def cmd_verify(args: argparse.Namespace) -> int:
    divergences: list[Any] = []
    trusted = []
    for path in args.trusted:
        try:
            trusted.append(path.read_text(encoding="utf-8"))
        except OSError as e:
            return _err(f"cannot read trusted checkpoint {path}: {e.strerror}")
    try:
        if args.server:
            client = HttpLogClient(args.server)
            try:
                presented: Verifier | None = Verifier.parse(client.verifier_key())
            except RemoteError:
                if not args.key:
                    raise
                presented = None  # the key given is checked against the signatures anyway
            trust = _trust(args, presented)
            report, divergences = _verify_server(args, client, trust, trusted)
        else:
            report, trust, divergences = _verify_local(args, trusted)
    except (UntrustedKey, KeyFileError, MalformedNote, RemoteError, StateRefused) as e:
        return _err(str(e))
    if trust.changed:
        report.findings.insert(0, Finding(None, "key", trust.changed))
    if args.json:
        print(dumps_report(report))
    else:
        for finding in report.findings:
            print(finding)
        state = "intact" if report.is_intact else "TAMPERED"
        hidden = f", {report.hidden_bodies} bodies not visible (checked by hash)" \
            if report.hidden_bodies else ""
        print(f"record {state}: {report.size} entries, root {report.root_hash.hex()}, "
              f"{report.checkpoints_checked} checkpoints checked against the key "
              f"{trust.key.name} ({fingerprint(trust.key)}){hidden}")
    for divergence in divergences:
        print(divergence)
    what = "public state" if args.server else "state"
    if args.server and report.size and report.hidden_bodies == report.size:
        print(f"{what}: not replayed: this server shows no entry bodies to the public "
              "(COMMUNARD_RECORD_BODIES); only the log was checked")
    else:
        print(f"{what}: {len(divergences)} divergences from the record" if divergences
              else f"{what}: matches the record")
    return INTACT if report.is_intact and not divergences else TAMPERED


def _trust(args: argparse.Namespace, presented: Verifier | None) -> Trust:
    trust = choose_key(presented, given=args.key, pin=args.pin, trust=args.trust_key,
                       pin_first=args.pin_first)
    if trust.pinned is not None:
        print(f"pinned {trust.key.name} ({fingerprint(trust.key)}) in {trust.pinned}",
              file=sys.stderr)
    return trust


def _verify_server(args: argparse.Namespace, client: HttpLogClient, trust: Trust,
                   trusted: list[str]) -> tuple[Any, list[Any]]:
    """The server's log checked against the trusted key, and the public state it publishes
    compared with a replay of the entry bodies it shows (``cli/public_audit.py``)."""
    from communard.cli.public_audit import audit_public
    from communard.web.records.replay import Replay  # the replay's reader; no Django in it

    replay = Replay()
    report = verify_rows(replay.reading(client.rows()), trust.key, client.checkpoint_at,
                         latest_checkpoint=client.latest_checkpoint(), trusted=trusted,
                         strict=args.strict, check_kinds=True)
    if report.size and report.hidden_bodies == report.size:
        return report, []
    return report, audit_public(replay.by_kind, client)


class StateRefused(RuntimeError):
    """``--since-last`` without a usable state file, or a state file that cannot be read."""


def _verify_local(args: argparse.Namespace, trusted: list[str]) -> tuple[Any, Trust, list[Any]]:
    from communard.cli.web_cmd import setup_django

    setup_django()
    from communard.web.records import audit, services
    from communard.web.records.store import DatabaseStore, queued_count

    # The installation's own key, read but never made here: an installation that has recorded
    # nothing yet has none to offer.
    trust = _trust(args, services.verifier() if services.key_path().exists() else None)
    store = DatabaseStore()
    waiting = queued_count()
    if waiting:
        print(f"note: {waiting} entries written by actions are queued, not yet sealed into the "
              "tree, and are not covered by this check (`communard seal` seals them)",
              file=sys.stderr)
    key = fingerprint(trust.key)
    latest = store.latest_checkpoint()
    kept = _kept_state(args, key)
    report: Any = None
    replay: Any = None
    fork: list[Finding] = []
    signed_fork: list[Finding] = []
    if kept is not None and latest is not None:
        extension, frontier = verify_extension(kept.frontier, kept.reading(store.rows(kept.size)),
                                               trust.key, latest)
        if extension.is_intact:
            kept.frontier = frontier
            report, replay = extension, kept
            print(f"incremental: checked and replayed the {kept.read_now} entries after the "
                  f"audited tree of {kept.size - kept.read_now} ({args.state})", file=sys.stderr)
        else:
            signed_fork = _signed_fork(kept, store, trust.key, args.state)
            fork = signed_fork or [f for f in extension.findings if f.problem == "fork"]
            print(f"note: {args.state} does not fit the current log; checking and replaying "
                  "the whole record (the state file is kept as it is)", file=sys.stderr)
    if report is None:
        replay = _fresh_replay(key)
        report = verify_rows(replay.reading(store.rows()), trust.key, store.checkpoint_at,
                             latest_checkpoint=latest, trusted=trusted, strict=args.strict,
                             check_kinds=True)
        if report.is_intact or signed_fork:
            # Else the full check names what changed, which explains the mismatch better.
            report.findings[:0] = fork
        replay.frontier = _audited_frontier(store, report)
    divergences = audit.run(replay)
    if args.state and report.is_intact and not fork and replay.size == report.size:
        replay.save(args.state)
    return report, trust, divergences


def _signed_fork(kept: Any, store: Any, key: Verifier, path: Path) -> list[Finding]:
    """Two roots for one size under one key: the organisation's checkpoint for the audited
    size against the root the auditor kept (the strongest evidence of a fork there is)."""
    note = store.checkpoint_at(kept.size)
    if note is None or kept.size == 0:
        return []
    try:
        signed = open_checkpoint(note, key).checkpoint
    except (MalformedNote, SignatureError):
        return []  # the full check reports the checkpoint itself
    if signed.root_hash == kept.frontier.root():
        return []
    return [Finding(None, "fork", f"the organisation signed root {signed.root_hash.hex()} for "
                    f"size {kept.size}, and the tree audited at that size ({path}) had root "
                    f"{kept.frontier.root().hex()}: the log does not extend the tree audited "
                    f"at size {kept.size}; two histories under one key")]


def _fresh_replay(key: str) -> Any:
    from communard.web.records.replay import Replay

    return Replay(key=key)


def _kept_state(args: argparse.Namespace, key: str) -> Any:
    """The replay kept in ``--state`` when it may be used: same key, not ``--full``."""
    from communard.web.records.replay import StateFileError, load

    if args.state is None:
        if args.since_last or args.full:
            raise StateRefused("--since-last and --full need --state FILE")
        return None
    if args.full:
        return None
    if args.trusted or args.strict:
        # Checkpoints kept elsewhere, and --strict's parse, are checks of the whole log.
        if args.since_last:
            raise StateRefused("--trusted and --strict check the whole record; --since-last "
                               "checks only what was added")
        print("note: --trusted and --strict check the whole record; not continuing from "
              f"{args.state}", file=sys.stderr)
        return None
    if not args.state.exists():
        if args.since_last:
            raise StateRefused(f"{args.state}: no earlier audit to continue from (run once "
                               "without --since-last to make it)")
        return None
    try:
        kept = load(args.state)
    except StateFileError as e:
        raise StateRefused(str(e)) from None
    if kept.key != key:
        if args.since_last:
            raise StateRefused(f"{args.state}: audited a record signed by {kept.key}, not {key}")
        print(f"note: {args.state} audited a record signed by another key ({kept.key}); "
              "checking and replaying the whole record", file=sys.stderr)
        return None
    return kept


def _audited_frontier(store: Any, report: Any) -> Any:
    """The frontier of the tree just verified, from the store's nodes, kept only if it gives
    the root the verifier computed from every leaf (else an empty one: nothing to continue)."""
    from communard.record import Frontier, frontier_keys

    keys = frontier_keys(report.size)
    try:
        stored = store.node_hashes(keys)
        frontier = Frontier(report.size, tuple(bytes(stored[k]) for k in keys))
    except (KeyError, ValueError):
        return Frontier(0)
    return frontier if frontier.root() == report.root_hash else Frontier(0)


def cmd_witness(args: argparse.Namespace) -> int:
    client = HttpLogClient(args.url)
    try:
        witness = Witness(args.state, name=args.name)
        if args.log_key:
            witness.pin_log_key(load_verifier(args.log_key))
        elif witness.log_key() is None:
            # First use: the key the server presents is pinned only if asked for by name.
            trust = choose_key(Verifier.parse(client.verifier_key()), pin=args.state / "log.vkey",
                               trust=args.trust_key, pin_first=args.pin_first,
                               how_to_pin=f"communard witness {args.url} --state {args.state} "
                               "--trust-key {fingerprint}")
            if trust.changed:
                print(f"ALERT: {trust.changed}", file=sys.stderr)
                return TAMPERED
            print(f"pinned the log key {trust.key.name} ({fingerprint(trust.key)})",
                  file=sys.stderr)
    except WitnessAlert as e:
        print(f"ALERT: {e}", file=sys.stderr)
        return TAMPERED
    except (KeyFileError, MalformedNote, RemoteError, OSError, UntrustedKey) as e:
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
