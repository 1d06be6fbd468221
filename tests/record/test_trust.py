"""Which key a verifier trusts: given or pinned, never the record's own unasked
(communard.record._trust)."""

from __future__ import annotations

from pathlib import Path

import pytest

from communard.record import Signer, UntrustedKey, choose_key, fingerprint

KEY = Signer.generate("union.example.org/record").verifier
SWAPPED = Signer.generate("union.example.org/record").verifier


def test_fingerprints_differ_for_keys_of_one_name() -> None:
    """The fingerprint covers the key itself, not only its name (and not only the 4-byte id)."""
    assert fingerprint(KEY) != fingerprint(SWAPPED)
    assert fingerprint(KEY).startswith("sha256:") and len(fingerprint(KEY)) == 7 + 64


def test_nothing_given_or_pinned_is_refused_with_the_fingerprint() -> None:
    """Without --key or a pin, the record's own key is not trusted; the refusal says how."""
    with pytest.raises(UntrustedKey, match=fingerprint(KEY)) as refused:
        choose_key(KEY)
    assert "--trust-key" in str(refused.value) and "--key" in str(refused.value)
    with pytest.raises(UntrustedKey, match="no signing key"):
        choose_key(None)


def test_a_given_key_or_fingerprint_is_trusted_and_a_different_one_is_reported() -> None:
    """--key as the key itself or as its fingerprint; a record presenting another key is
    reported as changed, naming the new key's fingerprint."""
    assert choose_key(KEY, given=KEY.text()).changed is None
    assert choose_key(KEY, given=fingerprint(KEY)).key == KEY
    assert choose_key(None, given=KEY.text()).key == KEY
    swapped = choose_key(SWAPPED, given=fingerprint(KEY))
    assert swapped.changed is not None and fingerprint(SWAPPED) in swapped.changed
    swapped = choose_key(SWAPPED, given=KEY.text())
    assert swapped.key == KEY and swapped.changed is not None
    assert fingerprint(KEY) in swapped.changed and fingerprint(SWAPPED) in swapped.changed


def test_a_pin_is_written_only_when_asked_and_then_enforced(tmp_path: Path) -> None:
    """--pin alone refuses; --trust-key pins the named key only; --pin-first pins; a pinned
    key that the record no longer presents is reported; re-pinning is by hand."""
    pin = tmp_path / "d" / "record.pin"
    with pytest.raises(UntrustedKey, match=fingerprint(KEY)):
        choose_key(KEY, pin=pin)
    assert not pin.exists()
    wrong = choose_key(KEY, pin=pin, trust=fingerprint(SWAPPED))
    assert wrong.changed is not None and not pin.exists()
    first = choose_key(KEY, pin=pin, trust=fingerprint(KEY).upper().replace("SHA256", "sha256"))
    assert first.pinned == pin and pin.read_text() == KEY.text() + "\n"
    assert choose_key(KEY, pin=pin).changed is None
    later = choose_key(SWAPPED, pin=pin)
    assert later.key == KEY and later.changed is not None and fingerprint(SWAPPED) in later.changed
    with pytest.raises(UntrustedKey, match="by hand"):
        choose_key(SWAPPED, pin=pin, trust=fingerprint(SWAPPED))
    other = tmp_path / "tofu.pin"
    assert choose_key(SWAPPED, pin=other, pin_first=True).pinned == other
    assert choose_key(KEY, pin=other).changed is not None


def test_pinning_flags_need_a_pin_file_and_a_fingerprint() -> None:
    """--trust-key and --pin-first without --pin, or a --trust-key that is no fingerprint."""
    with pytest.raises(UntrustedKey, match="--pin"):
        choose_key(KEY, trust=fingerprint(KEY))
    with pytest.raises(UntrustedKey, match="--pin"):
        choose_key(KEY, pin_first=True)
    with pytest.raises(UntrustedKey, match="not a fingerprint"):
        choose_key(KEY, trust="deadbeef", pin=Path("x"))
