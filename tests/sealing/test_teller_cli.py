"""``communard teller``: keep a share in a file, check it, hand it in; every fault named, exit 2."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from communard.cli import main
from communard.sealing import TellerShare, check_share, make_poll_key

KEY = make_poll_key("poll-5", ["ana", "ben", "cy"], 2)
SHARE = KEY.shares[0]


@pytest.fixture
def passfile(tmp_path: Path) -> Path:
    path = tmp_path / "pass"
    path.write_text("commune-de-paris\n")
    return path


def _keep(tmp_path: Path, passfile: Path, monkeypatch, text: str) -> tuple[int, Path]:
    monkeypatch.setattr("sys.stdin", io.StringIO(text + "\n"))
    path = tmp_path / "ana.share"
    code = main(["teller", "keep", str(path), "--strength", "interactive",
                 "--passphrase-file", str(passfile)])
    return code, path


def test_kept_checked_and_handed_in_the_share_is_the_one_shown(tmp_path, passfile, monkeypatch, capsys) -> None:
    """keep, check, hand-in: the hand-in form is accepted against the poll's commitments."""
    code, path = _keep(tmp_path, passfile, monkeypatch, SHARE.to_text())
    assert code == 0
    out = capsys.readouterr().out
    assert SHARE.commitment().digest in out and SHARE.to_text() not in out
    assert SHARE.to_text().encode() not in path.read_bytes()

    assert main(["teller", "check", str(path), "--passphrase-file", str(passfile)]) == 0
    out = capsys.readouterr().out
    assert "teller: ana" in out and "poll: poll-5" in out and SHARE.to_text() not in out

    assert main(["teller", "hand-in", str(path), "--passphrase-file", str(passfile)]) == 0
    handed = TellerShare.from_text(capsys.readouterr().out)
    check_share(KEY.public, handed)
    assert handed == SHARE


def test_a_wrong_passphrase_is_named_with_the_file(tmp_path, passfile, monkeypatch, capsys) -> None:
    """hand-in with another passphrase: exit 2, the file and 'wrong passphrase', no share."""
    _, path = _keep(tmp_path, passfile, monkeypatch, SHARE.to_text())
    capsys.readouterr()
    other = tmp_path / "other"
    other.write_text("not-my-passphrase\n")
    assert main(["teller", "hand-in", str(path), "--passphrase-file", str(other)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"communard teller: {path}: wrong passphrase\n"
    assert captured.out == ""


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda b: b[: len(b) // 2], "cut short"),
        (lambda b: b[:-10] + (b"A" if b[-10:-9] != b"A" else b"B") + b[-9:], "altered"),
        (lambda b: b.replace(b"teller: ana", b"teller: ben"), "altered"),
    ],
)
def test_a_truncated_or_altered_file_is_named(tmp_path, passfile, monkeypatch, capsys, damage, problem) -> None:
    """A share file cut in half, or with a byte of its sealed share or header changed: exit 2,
    with the file and what is wrong."""
    _, path = _keep(tmp_path, passfile, monkeypatch, SHARE.to_text())
    capsys.readouterr()
    path.write_bytes(damage(path.read_bytes()))
    assert main(["teller", "hand-in", str(path), "--passphrase-file", str(passfile)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"communard teller: {path}: ") and problem in err


def test_a_mangled_share_is_refused_and_nothing_is_written(tmp_path, passfile, monkeypatch, capsys) -> None:
    """A share pasted with a character missing: exit 2, and no file is left behind."""
    code, path = _keep(tmp_path, passfile, monkeypatch, SHARE.to_text()[:-3])
    assert code == 2
    assert "cut short or altered" in capsys.readouterr().err
    assert not path.exists()


def test_keep_never_overwrites_a_file(tmp_path, passfile, monkeypatch, capsys) -> None:
    """Keeping a second share in the same file is refused, and the first stays readable."""
    _keep(tmp_path, passfile, monkeypatch, SHARE.to_text())
    code, path = _keep(tmp_path, passfile, monkeypatch, KEY.shares[1].to_text())
    assert code == 2 and "never overwritten" in capsys.readouterr().err
    assert main(["teller", "check", str(path), "--passphrase-file", str(passfile)]) == 0
    assert "teller: ana" in capsys.readouterr().out


def test_a_missing_share_file_is_named(tmp_path, passfile, capsys) -> None:
    """A path with no file: exit 2 naming it."""
    missing = tmp_path / "nowhere.share"
    assert main(["teller", "check", str(missing), "--passphrase-file", str(passfile)]) == 2
    assert capsys.readouterr().err.startswith(f"communard teller: {missing}: cannot be read")


def test_a_share_sealed_to_the_tellers_key_is_kept(tmp_path, passfile, monkeypatch, capsys) -> None:
    """init makes a key; a share sealed to its public half is kept, and hands in as dealt."""
    from communard.sealing import seal_share

    keyfile = tmp_path / "ana.key"
    assert main(["teller", "init", str(keyfile), "--teller", "ana", "--strength", "interactive",
                 "--passphrase-file", str(passfile)]) == 0
    out = capsys.readouterr().out
    public = base64.b64decode(out.split("register it as your teller key): ")[1].strip())
    monkeypatch.setattr("sys.stdin", io.StringIO(seal_share(public, SHARE) + "\n"))
    path = tmp_path / "ana.share"
    assert main(["teller", "keep", str(path), "--key", str(keyfile), "--strength", "interactive",
                 "--passphrase-file", str(passfile)]) == 0
    capsys.readouterr()
    assert main(["teller", "hand-in", str(path), "--passphrase-file", str(passfile)]) == 0
    assert TellerShare.from_text(capsys.readouterr().out) == SHARE


def test_another_tellers_sealed_share_is_refused(tmp_path, passfile, monkeypatch, capsys) -> None:
    """A share sealed to ben's key cannot be kept with ana's: exit 2, nothing written."""
    from communard.sealing import TellerKey, seal_share, write_teller_key_file

    keyfile = tmp_path / "ana.key"
    write_teller_key_file(keyfile, TellerKey.generate("ana"), b"commune-de-paris",
                          strength="interactive")
    monkeypatch.setattr("sys.stdin", io.StringIO(
        seal_share(TellerKey.generate("ben").public_key, KEY.shares[1]) + "\n"))
    path = tmp_path / "ana.share"
    assert main(["teller", "keep", str(path), "--key", str(keyfile), "--strength", "interactive",
                 "--passphrase-file", str(passfile)]) == 2
    assert "does not open with this key" in capsys.readouterr().err
    assert not path.exists()


def test_a_share_sealed_to_my_key_is_kept_under_the_polls_name_for_me(tmp_path, passfile, monkeypatch, capsys) -> None:
    """A poll names its tellers by the record's commitments, made at its opening, long after
    the teller named their key: a share sealed to ana's key is ana's whatever name it carries
    (only her key opens it), and keep prints that name to compare with the poll's page. (The
    name check this replaces refused every share a real poll dealt.)"""
    from communard.sealing import TellerKey, seal_share, write_teller_key_file

    key = TellerKey.generate("ana")
    keyfile = tmp_path / "ana.key"
    write_teller_key_file(keyfile, key, b"commune-de-paris", strength="interactive")
    monkeypatch.setattr("sys.stdin", io.StringIO(seal_share(key.public_key, KEY.shares[1]) + "\n"))
    path = tmp_path / "ana.share"
    assert main(["teller", "keep", str(path), "--key", str(keyfile), "--strength", "interactive",
                 "--passphrase-file", str(passfile)]) == 0
    assert f"kept the share of teller {KEY.shares[1].teller!r}" in capsys.readouterr().out
    assert main(["teller", "hand-in", str(path), "--passphrase-file", str(passfile)]) == 0
    assert TellerShare.from_text(capsys.readouterr().out) == KEY.shares[1]
