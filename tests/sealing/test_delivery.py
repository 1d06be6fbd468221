"""Shares in transit: sealed to a teller's own key (or the close's), opened only with it."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.public import PrivateKey

from communard.sealing import (
    BadShareText,
    ShareFileError,
    TellerKey,
    check_share,
    make_poll_key,
    open_sealed_share,
    read_teller_key_file,
    rebuild_key,
    seal_share,
    write_teller_key_file,
)

KEY = make_poll_key("poll-8", ["ana", "ben", "cy"], 2)
PASS = b"la-commune-vivra"


def test_each_teller_opens_only_their_own_sealed_share() -> None:
    """Dealt sealed to each teller's key, every share opens with its owner's key alone, and the
    opened shares rebuild the poll's key."""
    keys = {t: TellerKey.generate(t) for t in KEY.public.tellers}
    sealed = {s.teller: seal_share(keys[s.teller].public_key, s) for s in KEY.shares}
    opened = [open_sealed_share(keys[t].private, sealed[t]) for t in KEY.public.tellers]
    assert opened == list(KEY.shares)
    assert bytes(rebuild_key(KEY.public, opened[:2]).public_key) == KEY.public.public_key
    with pytest.raises(BadShareText, match="does not open with this key"):
        open_sealed_share(keys["ana"].private, sealed["ben"])


def test_a_sealed_share_shows_nothing_of_the_share() -> None:
    """The sealed text holds neither the share's bytes nor its text form."""
    share = KEY.shares[0]
    sealed = seal_share(TellerKey.generate("ana").public_key, share)
    for secret in (share.value, share.salt):
        assert base64.urlsafe_b64encode(secret).decode() not in sealed
    assert share.to_text() not in sealed


@given(st.data())
def test_a_damaged_sealed_share_is_refused(data) -> None:
    """A sealed share cut short or with one character changed never opens to a share that
    passes its commitment check as another."""
    key = TellerKey.generate("ana")
    sealed = seal_share(key.public_key, KEY.shares[0])
    cut = data.draw(st.integers(0, len(sealed) - 1))
    pos = data.draw(st.integers(0, len(sealed) - 1))
    swap = data.draw(st.sampled_from("Ab0-_x."))
    for damaged in (sealed[:cut], sealed[:pos] + swap + sealed[pos + 1 :]):
        if damaged == sealed:
            continue
        with pytest.raises(BadShareText):
            open_sealed_share(key.private, damaged)


def test_the_close_can_hold_hand_ins_sealed_to_its_memory_key() -> None:
    """Hand-ins sealed to an ephemeral key open with it and pass their commitment check."""
    close_key = PrivateKey.generate()
    held = [seal_share(bytes(close_key.public_key), s) for s in KEY.shares[1:]]
    for text in held:
        check_share(KEY.public, open_sealed_share(close_key, text))


def test_a_teller_key_file_reads_back_and_names_its_faults(tmp_path: Path) -> None:
    """The key file opens with its passphrase; a wrong one, or a swapped public key in the
    header, is refused naming the file."""
    key = TellerKey.generate("ana")
    path = tmp_path / "ana.key"
    write_teller_key_file(path, key, PASS, strength="interactive")
    back = read_teller_key_file(path, PASS)
    assert (back.teller, back.public_key, bytes(back.private)) == (
        key.teller, key.public_key, bytes(key.private))
    assert bytes(key.private).hex() not in repr(key) and bytes(key.private) not in path.read_bytes()
    with pytest.raises(ShareFileError, match=f"^{path}: wrong passphrase$"):
        read_teller_key_file(path, b"another-passphrase")
    other = base64.b64encode(TellerKey.generate("x").public_key).decode()
    text = path.read_text()
    public_line = next(line for line in text.splitlines() if line.startswith("public: "))
    path.unlink()
    path.write_text(text.replace(public_line, f"public: {other}"))
    with pytest.raises(ShareFileError, match="altered"):
        read_teller_key_file(path, PASS)
