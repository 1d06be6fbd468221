"""Sealed ballots: the secret ballot against whoever holds the database (issue 16).

- :func:`make_poll_key` makes a poll's X25519 key pair and splits its private half t-of-n among
  the tellers (Shamir over a 16-byte seed), with a public commitment per share;
  :func:`rebuild_key` rebuilds it in memory from at least t shares that match their commitments
- :func:`seal` puts one ballot in a fixed-size envelope (libsodium's sealed box);
  :func:`open_all` opens a whole box and returns the ballots in a CSPRNG-shuffled order;
  :func:`open_ballots` also decodes and checks them; :func:`box_digest` names a box's envelopes
- :func:`encode_ballot` / :func:`decode_ballot`: the canonical plaintext (tracking code and
  ranking), and :func:`ballot_capacity`, the poll's envelope size from its number of options
- :func:`write_share_file` / :func:`read_share_file`: a teller's share at rest, encrypted under
  their passphrase (Argon2id, XChaCha20-Poly1305)
- :func:`public_key_body` / :func:`public_key_from_body`: the public key and commitments as the
  record holds them
- :func:`seal_share` / :func:`open_sealed_share`: a share in transit, sealed to a teller's own
  delivery key (:class:`TellerKey`) or to the close's in-memory key, never in the clear

No web framework is imported here; the schemes are described in ``docs/sealing.md``.
"""

from communard.sealing._at_rest import (
    DEFAULT_STRENGTH,
    STRENGTHS,
    protect_share,
    read_share_file,
    unprotect_share,
    write_share_file,
)
from communard.sealing._ballot import (
    TRACKING_CODE_LENGTH,
    ballot_capacity,
    decode_ballot,
    encode_ballot,
)
from communard.sealing._box import box_digest, open_ballots
from communard.sealing._delivery import (
    TellerKey,
    open_sealed_share,
    public_text,
    read_teller_key_file,
    seal_share,
    write_teller_key_file,
)
from communard.sealing._envelope import ENVELOPE_VERSION, envelope_size, open_all, seal
from communard.sealing._keys import (
    PublicPollKey,
    ShareCommitment,
    SplitPollKey,
    TellerShare,
    check_share,
    make_poll_key,
    rebuild_key,
)
from communard.sealing._record_body import public_key_body, public_key_from_body
from communard.sealing.errors import (
    BadShareText,
    BallotRefused,
    EnvelopeRefused,
    SealingError,
    ShareFileError,
    ShareRefused,
    TooFewShares,
)

__all__ = [
    "DEFAULT_STRENGTH",
    "ENVELOPE_VERSION",
    "STRENGTHS",
    "TRACKING_CODE_LENGTH",
    "BadShareText",
    "BallotRefused",
    "EnvelopeRefused",
    "PublicPollKey",
    "SealingError",
    "ShareCommitment",
    "ShareFileError",
    "ShareRefused",
    "SplitPollKey",
    "TellerKey",
    "TellerShare",
    "TooFewShares",
    "ballot_capacity",
    "box_digest",
    "check_share",
    "decode_ballot",
    "encode_ballot",
    "envelope_size",
    "make_poll_key",
    "open_all",
    "open_ballots",
    "open_sealed_share",
    "protect_share",
    "public_key_body",
    "public_key_from_body",
    "public_text",
    "read_share_file",
    "read_teller_key_file",
    "rebuild_key",
    "seal",
    "seal_share",
    "unprotect_share",
    "write_share_file",
    "write_teller_key_file",
]
