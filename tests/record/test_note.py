"""Signed notes, keys, checkpoints and cosignatures (communard.record._note, _checkpoint)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from communard.record import (
    COSIGNATURE_V1,
    Checkpoint,
    MalformedNote,
    SignatureError,
    Signer,
    Verifier,
    generate_key_files,
    load_signer,
    load_verifier,
    open_checkpoint,
    open_note,
    parse_note,
    sign_note,
    signed_by,
)
from communard.record._keys import KeyFileError

ROOT = hashlib.sha256(b"root").digest()


def test_checkpoint_note_has_the_c2sp_layout(signer: Signer) -> None:
    """Origin, size, base64 root, blank line, '— name base64(keyid||sig)'."""
    note = Checkpoint(signer.name, 42, ROOT).sign(signer)
    text, sigs = note.split("\n\n")
    assert text.split("\n") == [signer.name, "42", base64.b64encode(ROOT).decode()]
    assert sigs.startswith(f"\u2014 {signer.name} ") and sigs.endswith("\n")
    raw = base64.b64decode(sigs.split()[-1])
    expected_id = hashlib.sha256(
        signer.name.encode() + b"\n\x01" + signer.verifier.public
    ).digest()[:4]
    assert raw[:4] == expected_id and len(raw) == 68
    cp = open_checkpoint(note, signer.verifier)
    assert (cp.size, cp.root_hash) == (42, ROOT)


def test_keys_round_trip_through_their_text_forms(signer: Signer) -> None:
    """Signer and verifier keys parse back to themselves; a wrong key id is refused."""
    assert Signer.parse(signer.text()) == signer
    assert Verifier.parse(signer.verifier.text()) == signer.verifier
    name, _, blob = signer.verifier.text().split("+", 2)
    with pytest.raises(MalformedNote, match="key id"):
        Verifier.parse(f"{name}+00000000+{blob}")


def test_altered_or_foreign_notes_are_rejected(signer: Signer) -> None:
    """A changed byte, another key, or no known signature: the note is refused."""
    note = Checkpoint(signer.name, 42, ROOT).sign(signer)
    with pytest.raises(SignatureError, match="does not verify"):
        open_note(note.replace("42", "43", 1), signer.verifier)
    other = Signer.generate(signer.name)
    with pytest.raises(SignatureError, match="no signature by"):
        open_note(note, other.verifier)
    # An unknown signature is ignored; the known one still has to be there and verify.
    both = sign_note(Checkpoint(signer.name, 1, ROOT).text(), other, signer)
    assert open_note(both, signer.verifier).text.startswith(signer.name)


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("o\n1\nAAAA\n", "no blank line"),
        ("o\n1\n\n\u2014 k AAAA", "end with a newline"),
        ("o\n1\n\n- k AAAAAAAA\n", "em dash"),
        ("o\n1\n\n\u2014 k not*base64\n", "base64"),
        ("o\n1\n\n\u2014 k AAA=\n", "too short"),
        ("o\t1\n\n\u2014 k AAAAAAAA\n", "control character"),
        ("o\n1\n\n\u2014 k+x AAAAAAAA\n", "key name"),
        ("o\n1\n\n", "no signature lines"),
    ],
)
def test_malformed_notes_get_clear_errors(note: str, message: str) -> None:
    """Each way a note can be malformed is reported by name."""
    with pytest.raises(MalformedNote, match=message):
        parse_note(note)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("o\n1\n", "three lines"),
        ("\n1\nAAAA\n", "origin"),
        ("o\n01\n" + base64.b64encode(ROOT).decode() + "\n", "tree size"),
        ("o\n-1\n" + base64.b64encode(ROOT).decode() + "\n", "tree size"),
        ("o\n1\nAAAA\n", "not 32"),
        ("o\n1\n!!\n", "base64"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n", "extension"),
    ],
)
def test_malformed_checkpoints_get_clear_errors(text: str, message: str, signer: Signer) -> None:
    """Checkpoint bodies are parsed strictly, line by line."""
    with pytest.raises(MalformedNote, match=message):
        Checkpoint.parse_text(text)


def test_checkpoint_for_another_origin_is_refused(signer: Signer) -> None:
    """A checkpoint is only accepted for the log it names."""
    note = Checkpoint("elsewhere.example/log", 1, ROOT).sign(signer)
    with pytest.raises(MalformedNote, match="expected"):
        open_checkpoint(note, signer.verifier)


def test_cosignatures_follow_tlog_cosignature_v1(signer: Signer) -> None:
    """Type 0x04 keys sign 'cosignature/v1\\ntime T\\n' + body; timestamp is in the signature."""
    witness = Signer.generate("witness.example/w1", COSIGNATURE_V1)
    text = Checkpoint(signer.name, 3, ROOT).text()
    note = parse_note(sign_note(text, signer, witness, timestamp=1679315147))
    assert signed_by(note, witness.verifier) and signed_by(note, signer.verifier)
    raw = note.signatures[1].signature
    assert int.from_bytes(raw[:8], "big") == 1679315147 and len(raw) == 72
    # Not an ordinary note signature over the text:
    plain = Verifier(witness.name, 1, witness.verifier.public)
    assert not signed_by(note, plain)


def test_key_files_are_private_and_never_overwritten(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Setup writes a 0600 private key and a public key; a second setup is refused."""
    private, public = generate_key_files(tmp_path, "org.example/record")
    assert private.stat().st_mode & 0o777 == 0o600
    assert load_signer(private).verifier == load_verifier(str(public))
    with pytest.raises(KeyFileError, match="already exists"):
        generate_key_files(tmp_path, "org.example/record")
    private.chmod(0o644)
    with pytest.raises(KeyFileError, match="readable by others"):
        load_signer(private)
