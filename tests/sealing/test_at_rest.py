"""A teller's share at rest: encrypted under their passphrase, and every damage named."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communard.sealing import (
    SealingError,
    ShareFileError,
    make_poll_key,
    protect_share,
    read_share_file,
    unprotect_share,
    write_share_file,
)

PASS = b"paris-1871-commune"
KEY = make_poll_key("poll-3", ["ana", "ben", "cy"], 2)
SHARE = KEY.shares[1]
# The weakest named work factor keeps the suite quick; the command's default is "moderate".
TEXT = protect_share(SHARE, PASS, strength="interactive")


def test_a_kept_share_reads_back(tmp_path: Path) -> None:
    """Written and read with the same passphrase, the share is the one given."""
    path = tmp_path / "share"
    write_share_file(path, SHARE, PASS, strength="interactive")
    assert read_share_file(path, PASS) == SHARE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_file_never_holds_the_share_in_the_clear(tmp_path: Path) -> None:
    """Neither the share's bytes nor its text form appear in the file, in any encoding."""
    import base64

    path = tmp_path / "share"
    write_share_file(path, SHARE, PASS, strength="interactive")
    raw = path.read_bytes()
    for secret in (SHARE.value, SHARE.salt):
        for form in (secret, secret.hex().encode(), base64.b64encode(secret),
                     base64.urlsafe_b64encode(secret)):
            assert form not in raw
    assert SHARE.to_text().encode() not in raw


def test_a_wrong_passphrase_is_named() -> None:
    """A wrong passphrase says so, naming the file."""
    with pytest.raises(ShareFileError, match="^ana.share: wrong passphrase$"):
        unprotect_share(TEXT, b"not-the-passphrase", source="ana.share")


@settings(max_examples=25)
@given(st.data())
def test_a_truncated_file_is_refused_naming_the_file(data) -> None:
    """A file cut anywhere is refused with the file's name, never read as a share."""
    cut = data.draw(st.integers(0, len(TEXT) - 1))
    with pytest.raises(ShareFileError) as refused:
        unprotect_share(TEXT[:cut], PASS, source="ana.share")
    assert str(refused.value).startswith("ana.share: ")


@settings(max_examples=25)
@given(st.data())
def test_an_altered_character_is_refused_naming_the_file(data) -> None:
    """Any one character changed (header or sealed share) makes the file refuse to open."""
    pos = data.draw(st.integers(0, len(TEXT) - 2))  # the last character is the final newline
    swap = data.draw(st.sampled_from("aZ0+/= :x"))
    if swap == TEXT[pos]:
        return
    altered = TEXT[:pos] + swap + TEXT[pos + 1 :]
    with pytest.raises(ShareFileError) as refused:
        unprotect_share(altered, PASS, source="ana.share")
    assert str(refused.value).startswith("ana.share: ")


def test_an_altered_sealed_share_is_told_from_a_wrong_passphrase() -> None:
    """With the right passphrase, damage to the sealed share is reported as alteration."""
    lines = TEXT.split("\n")
    sealed = lines[6]
    lines[6] = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(ShareFileError, match="passphrase is right but the file was altered"):
        unprotect_share("\n".join(lines), PASS, source="ana.share")


def test_a_header_naming_another_teller_is_refused() -> None:
    """Renaming the teller in the header (to hand in as someone else) breaks the file."""
    altered = TEXT.replace("teller: ben", "teller: ana")
    with pytest.raises(ShareFileError, match="altered"):
        unprotect_share(altered, PASS, source="ana.share")


def test_a_weaker_work_factor_in_the_header_is_refused() -> None:
    """An unknown work factor is refused by name, before any key is derived."""
    altered = TEXT.replace("argon2id interactive", "argon2id feeble")
    with pytest.raises(ShareFileError, match="line 4 \\(kdf\\)"):
        unprotect_share(altered, PASS, source="ana.share")


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    """Keeping a share where a file already is refuses, and leaves that file as it was."""
    path = tmp_path / "share"
    path.write_text("mine")
    with pytest.raises(ShareFileError, match="never overwritten"):
        write_share_file(path, SHARE, PASS, strength="interactive")
    assert path.read_text() == "mine"


def test_a_missing_or_foreign_file_is_named(tmp_path: Path) -> None:
    """No file, a binary file, another kind of file: each refused with the path."""
    with pytest.raises(ShareFileError, match="cannot be read"):
        read_share_file(tmp_path / "absent", PASS)
    (tmp_path / "bin").write_bytes(b"\xff\xfe")
    with pytest.raises(ShareFileError, match="not UTF-8"):
        read_share_file(tmp_path / "bin", PASS)
    (tmp_path / "toml").write_text("[x]\n")
    with pytest.raises(ShareFileError, match="line 1: not a teller's share file"):
        read_share_file(tmp_path / "toml", PASS)


def test_a_short_passphrase_is_refused() -> None:
    """A passphrase under eight characters protects nothing: refused."""
    with pytest.raises(SealingError, match="at least 8"):
        protect_share(SHARE, b"short", strength="interactive")
