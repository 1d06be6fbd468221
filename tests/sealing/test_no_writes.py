"""Nothing in the key's life touches the disk: making, splitting, sealing, rebuilding, opening."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from communard.sealing import (
    ballot_capacity,
    encode_ballot,
    make_poll_key,
    open_ballots,
    open_sealed_share,
    rebuild_key,
    seal,
    seal_share,
)
from communard.sealing._delivery import TellerKey

_watching: list[list[tuple[str, tuple[object, ...]]]] = []


def _hook(event: str, args: tuple[object, ...]) -> None:
    # An audit hook cannot be removed, so it records only while a test is watching.
    if not _watching:
        return
    if event == "open":
        mode = args[1] if len(args) > 1 else "r"
        flags = args[2] if len(args) > 2 else 0
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & 0o3)  # O_WRONLY | O_RDWR
        if writes:
            _watching[-1].append((event, args))
    elif event in {"os.rename", "os.link", "os.symlink", "shutil.copyfile", "os.truncate"}:
        _watching[-1].append((event, args))


sys.addaudithook(_hook)


@contextmanager
def _writes() -> Iterator[list[tuple[str, tuple[object, ...]]]]:
    seen: list[tuple[str, tuple[object, ...]]] = []
    _watching.append(seen)
    try:
        yield seen
    finally:
        _watching.pop()


def test_a_polls_whole_key_life_opens_no_file_for_writing() -> None:
    """make_poll_key, dealing sealed shares, sealing ballots, rebuilding and opening the box:
    no file is opened for writing, renamed or linked."""
    with _writes() as seen:
        key = make_poll_key("poll-0", ["ana", "ben", "cy"], 2)
        tellers = {t: TellerKey.generate(t) for t in key.public.tellers}
        dealt = [seal_share(tellers[s.teller].public_key, s) for s in key.shares]
        shares = [open_sealed_share(tellers[t].private, d) for t, d in zip(key.public.tellers, dealt, strict=True)]
        capacity = ballot_capacity(4)
        box = [seal(key.public.public_key, encode_ballot(f"AAAA-AAAA-AAAA-000{i}", [i + 1], 4),
                    capacity=capacity) for i in range(4)]
        private = rebuild_key(key.public, shares[1:])
        assert len(open_ballots(private, box, capacity=capacity, options=4)) == 4
    assert seen == []


def test_the_watch_sees_a_write() -> None:
    """The watch itself works: a plain file write is seen (so the test above can fail)."""
    import tempfile

    with _writes() as seen, tempfile.TemporaryFile("w+b") as f:
        f.write(b"x")
    assert seen
