"""``communard teller``: a teller keeps their share of a poll's key, and hands it in at the close.

Framework-free: imports only ``communard.sealing``, and runs on the teller's own machine. The
share is never written in the clear: ``init`` makes the teller's delivery key (shares are dealt
sealed to it), ``keep`` seals a share under the teller's passphrase at once
(Argon2id, XChaCha20-Poly1305; ``docs/sealing.md``), ``check`` proves the file and passphrase
without showing the share, and ``hand-in`` prints it only when the close asks for it.
Bad input (a wrong passphrase, a truncated or altered file, a mangled share) prints one line
naming the file and what is wrong, and exits 2.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from communard.sealing import (
    DEFAULT_STRENGTH,
    STRENGTHS,
    SealingError,
    TellerKey,
    TellerShare,
    open_sealed_share,
    public_text,
    read_share_file,
    read_teller_key_file,
    write_share_file,
    write_teller_key_file,
)

BAD_INPUT = 2


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "teller",
        help="keep your share of a poll's key (as a teller), and hand it in at the close",
        description="A teller's share of a secret poll's key, kept in a file encrypted under "
        "the teller's own passphrase. Exit status: 0 done, 2 bad input (message on stderr).",
    )
    actions = p.add_subparsers(dest="teller_action", metavar="ACTION", required=True)

    init = _action(
        actions, "init", cmd_init, "the new key file",
        help="make your delivery key: the organisation seals your shares to its public half",
        description="Make an X25519 key pair, write it to FILE encrypted under a passphrase "
        "you choose, and print its public half for you to register as your teller key. Shares "
        "dealt to you are then sealed to it, so the organisation never holds them in the clear. "
        "Never overwrites a file.",
    )
    init.add_argument("--teller", required=True, help="your name as a teller (as the poll lists it)")
    _strength_option(init)
    keep = _action(
        actions, "keep", cmd_keep, "the new share file",
        help="seal the share you were given into a new file under your passphrase",
        description="Read the share given to you (pasted at the prompt, not echoed, or one line "
        "on standard input) — as shown once, or sealed to your delivery key with --key — and "
        "write it to FILE encrypted under your passphrase. Never overwrites a file. Prints the "
        "share's public commitment: compare it with the one the record shows for you.",
    )
    keep.add_argument("--key", type=Path, metavar="KEYFILE",
                      help="the share is sealed to your delivery key in KEYFILE (same passphrase)")
    _strength_option(keep)
    _action(
        actions, "check", cmd_check, "your share file",
        help="open a share file and show whose share it is, never the share itself",
        description="Open FILE with your passphrase and print the poll, the teller, the "
        "share's index and its public commitment (compare it with the record's).",
    )
    _action(
        actions, "hand-in", cmd_hand_in, "your share file",
        help="print the hand-in form of your share, for the poll's close",
        description="Open FILE with your passphrase and print your share's hand-in form on "
        "standard output, to paste into the poll's close page. Only at the close: whoever "
        "reads it holds your share.",
    )


def _action(
    actions: Any, name: str, handler: Callable[[argparse.Namespace], int], file_help: str,
    **texts: str,
) -> argparse.ArgumentParser:
    """One ``teller`` action: a FILE argument, the passphrase option, a refusing handler."""
    p: argparse.ArgumentParser = actions.add_parser(name, **texts)
    p.add_argument("file", type=Path, help=file_help)
    p.add_argument("--passphrase-file", type=Path, metavar="PATH",
                   help="read the passphrase from the first line of PATH instead of asking "
                   "(for scripts; keep that file as safe as the passphrase)")
    p.set_defaults(handler=_refusing(handler))
    return p


def _strength_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strength", choices=sorted(STRENGTHS), default=DEFAULT_STRENGTH,
                   help=f"Argon2id work factor (default: {DEFAULT_STRENGTH})")


def cmd_init(args: argparse.Namespace) -> int:
    key = TellerKey.generate(args.teller)
    passphrase = _passphrase(args.passphrase_file, confirm=True)
    write_teller_key_file(args.file, key, passphrase, strength=args.strength)
    print(f"made the delivery key of teller {key.teller!r} in {args.file}")
    print(f"public key (register it as your teller key): {public_text(key.public_key)}")
    return 0


def cmd_keep(args: argparse.Namespace) -> int:
    text = _read_share_text()
    if args.key is not None:
        passphrase = _passphrase(args.passphrase_file)
        key = read_teller_key_file(args.key, passphrase)
        # Only this key's private half opens a share sealed to it: that is what makes it the
        # teller's. The names need not match: a poll names its tellers by the record's
        # commitments, made at its opening, long after the teller chose a name for their key.
        share = open_sealed_share(key.private, text)
    else:
        share = TellerShare.from_text(text)
        passphrase = _passphrase(args.passphrase_file, confirm=True)
    write_share_file(args.file, share, passphrase, strength=args.strength)
    print(f"kept the share of teller {share.teller!r} for poll {share.poll!r} in {args.file}")
    print(f"its commitment (compare with the record's): {share.commitment().digest}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    share = read_share_file(args.file, _passphrase(args.passphrase_file))
    print(f"poll: {share.poll}")
    print(f"teller: {share.teller}")
    print(f"share: {share.index} (any {share.threshold} tellers open the poll)")
    print(f"commitment: {share.commitment().digest}")
    return 0


def cmd_hand_in(args: argparse.Namespace) -> int:
    share = read_share_file(args.file, _passphrase(args.passphrase_file))
    print(f"hand-in form of teller {share.teller!r} for poll {share.poll!r}; paste it into the "
          "close page only:", file=sys.stderr)
    print(share.to_text())
    return 0


def _read_share_text() -> str:
    if sys.stdin.isatty():
        # Not echoed, so the share never shows on the screen or in the terminal's scrollback.
        return getpass.getpass("paste the share you were given, then Enter: ")
    line = sys.stdin.readline()
    if not line.strip():
        raise SealingError("standard input: no share given (expected one line)")
    return line


def _passphrase(path: Path | None, *, confirm: bool = False) -> bytes:
    if path is not None:
        try:
            with path.open("rb") as f:
                first = f.readline(4096)
        except OSError as exc:
            raise SealingError(f"{path}: cannot be read: {exc.strerror}") from None
        passphrase = first.rstrip(b"\r\n")
        if not passphrase:
            raise SealingError(f"{path}: line 1: no passphrase")
        return passphrase
    text = getpass.getpass("passphrase: ")
    if confirm and getpass.getpass("the same passphrase again: ") != text:
        raise SealingError("the two passphrases differ; nothing was written")
    return text.encode("utf-8")


def _refusing(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run ``action``; a refusal is one line on stderr and exit 2, never a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            return action(args)
        except SealingError as exc:
            print(f"communard teller: {exc}", file=sys.stderr)
            return BAD_INPUT

    return run
