"""`communard verify` trusts only a key it was given or has pinned, and a swapped key (the
signing key replaced, every checkpoint re-signed) is reported, not called intact; entries whose
kind or body are not declared are refused at the door and reported by index (real database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from communard.cli import main
from communard.record import (
    MalformedEntry,
    Queued,
    Signer,
    fingerprint,
    open_checkpoint,
    sign_note,
)
from communard.record.kinds import BALLOT_CAST, MEMBER_ADMITTED
from communard.web.records import services
from communard.web.records.models import Checkpoint, Entry, QueuedEntry
from communard.web.records.store import enqueue
from tests.web.tampering import guards_lifted


@pytest.fixture
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's own signing key file, so that swapping it touches no other test."""
    path = tmp_path / "keys" / "signing.key"
    monkeypatch.setattr(services, "key_path", lambda: path)
    monkeypatch.setattr(services, "_signer", None)
    yield path


def fill(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            services.append(BALLOT_CAST, {"federation": "t", "election": i}, actor="voter")
        services.seal()


def swap_key(path: Path) -> Signer:
    """What an operator who owns the database does: a new key of the same name, and every
    stored checkpoint re-signed with it (the write-once guards lifted, as the tables' owner
    can), so the record is consistent with the new key."""
    old = services.signer()
    new = Signer.generate(old.name)
    with guards_lifted():
        for cp in Checkpoint.objects.all():
            text = open_checkpoint(cp.note, old.verifier).note.text
            Checkpoint.objects.filter(pk=cp.pk).update(note=sign_note(text, new))
    path.write_text(new.text() + "\n", encoding="utf-8")
    path.with_suffix(".vkey").write_text(new.verifier.text() + "\n", encoding="utf-8")
    services._signer = None  # the server would load the new key on its next start
    return new


@pytest.mark.django_db
def test_verify_without_a_key_refuses_and_prints_the_fingerprint(
    own_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --key and no --pin: exit 2, naming the key's fingerprint and how to pin it."""
    fill(3)
    assert main(["verify"]) == 2
    err = capsys.readouterr().err
    fp = fingerprint(services.verifier())
    assert fp in err and "--trust-key" in err and "--pin" in err
    assert "intact" not in err


@pytest.mark.django_db
def test_verify_pins_on_first_use_only_when_asked(
    own_key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--pin FILE alone refuses; --trust-key with another fingerprint pins nothing; the right
    fingerprint pins; later runs need only --pin."""
    fill(3)
    pin = tmp_path / "auditor" / "record.pin"
    fp = fingerprint(services.verifier())
    assert main(["verify", "--pin", str(pin)]) == 2
    assert not pin.exists()
    other = fingerprint(Signer.generate("x.example/log").verifier)
    assert main(["verify", "--pin", str(pin), "--trust-key", other]) == 1
    assert not pin.exists()
    capsys.readouterr()
    assert main(["verify", "--pin", str(pin), "--trust-key", fp]) == 0
    assert pin.read_text().strip() == services.verifier().text()
    assert "record intact" in capsys.readouterr().out
    assert main(["verify", "--pin", str(pin)]) == 0
    assert main(["verify", "--key", fp]) == 0


@pytest.mark.django_db
def test_verify_after_a_key_swap_fails_naming_the_key(
    own_key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After the key is replaced and every checkpoint re-signed, verify against the pinned key
    (or the fingerprint given) exits 1 naming both keys; only the new key's own view passes."""
    fill(5)
    pin = tmp_path / "record.pin"
    old_fp = fingerprint(services.verifier())
    assert main(["verify", "--pin", str(pin), "--pin-first"]) == 0
    new = swap_key(own_key)
    new_fp = fingerprint(new.verifier)
    capsys.readouterr()
    assert main(["verify", "--pin", str(pin)]) == 1
    out = capsys.readouterr().out
    assert "record: key:" in out and new_fp in out and old_fp in out
    assert "record intact" not in out and "TAMPERED" in out
    assert main(["verify", "--key", old_fp]) == 1
    assert new_fp in capsys.readouterr().out
    assert main(["verify", "--key", new_fp]) == 0  # the swap is consistent: only a pin sees it
    # Pinning again over an existing pin is done by hand, never by a flag.
    assert main(["verify", "--pin", str(pin), "--trust-key", new_fp]) == 2
    assert old_fp in capsys.readouterr().err


@pytest.mark.django_db
def test_undeclared_or_malformed_entries_are_refused_at_the_door(own_key: Path) -> None:
    """services.append refuses an undeclared kind or a body that does not match, and the
    action's transaction writes nothing."""
    typo: Any = "ballot.casted"  # what a string kind would let through
    with pytest.raises(MalformedEntry, match="not declared"), transaction.atomic():
        services.append(typo, {"federation": "t", "election": 1})
    with pytest.raises(MalformedEntry, match=r"\$\.member"), transaction.atomic():
        services.append(MEMBER_ADMITTED, {"federation": "t", "member": "12345",
                                          "council": "w1", "on": "2024-06-01"})
    assert not QueuedEntry.objects.exists() and not Entry.objects.exists()


@pytest.mark.django_db
def test_verify_reports_an_entry_no_action_could_write_by_its_index(
    own_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An entry queued behind the door's back (plain code, not an action) with an undeclared
    kind or a wrong body is signed into the tree, and verify still reports it by index."""
    fill(2)
    with transaction.atomic():
        enqueue(Queued.of("test.entry", {"n": 1}))
        enqueue(Queued.of("ballot.cast", {"federation": "t", "election": "3"}))
    services.seal()
    fill(1)
    capsys.readouterr()
    assert main(["verify", "--key", fingerprint(services.verifier())]) == 1
    out = capsys.readouterr().out
    assert "entry 2: kind: entry kind 'test.entry' is not declared" in out
    assert "entry 3: kind: ballot.cast (version 1) body: Expected `int`, got `str` - at " \
           "`$.election`" in out
    assert "entry 4" not in out


@pytest.mark.django_db(transaction=True)
def test_verify_server_and_witness_refuse_an_unpinned_key_and_catch_a_swap(  # type: ignore[no-untyped-def]
    own_key: Path, tmp_path: Path, live_server, capsys: pytest.CaptureFixture[str]
) -> None:
    """Over HTTP: the server's own key is not trusted unasked (verify and witness print its
    fingerprint), is pinned when named, and a swap fails both, naming the new key."""
    fill(4)
    fp = fingerprint(services.verifier())
    url = live_server.url
    pin, state = tmp_path / "server.pin", tmp_path / "witness"
    assert main(["verify", "--server", url]) == 2
    assert fp in capsys.readouterr().err
    assert main(["witness", url, "--state", str(state)]) == 2
    assert fp in capsys.readouterr().err and not (state / "log.vkey").exists()
    assert main(["verify", "--server", url, "--pin", str(pin), "--trust-key", fp]) == 0
    assert main(["witness", url, "--state", str(state), "--trust-key", fp]) == 0
    assert main(["witness", url, "--state", str(state)]) == 0
    new = swap_key(own_key)
    capsys.readouterr()
    assert main(["verify", "--server", url, "--pin", str(pin)]) == 1
    assert fingerprint(new.verifier) in capsys.readouterr().out
    assert main(["witness", url, "--state", str(state)]) == 1
    assert "not signed by the log's key" in capsys.readouterr().err
