"""The organisation's public record: an append-only Merkle log that no office-holder can
rewrite unseen.

- RFC 9162 Merkle hashing, inclusion and consistency proofs (generators and independent verifiers)
- entries as RFC 8785 canonical JSON; personal data only as salted commitments
- checkpoints in the C2SP signed-note format, signed with Ed25519; witness cosignatures
- a storage contract (:class:`Store`) with an in-memory implementation
- a verifier that reports tampering by entry index, and a witness that catches forks

No web framework is imported here; the web application provides the database store.
"""

from communard.record._canonical import NotCanonical, canonical_json, parse_canonical
from communard.record._checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint
from communard.record._client import HttpLogClient, RemoteError
from communard.record._entry import (
    Entry,
    MalformedEntry,
    Queued,
    commit,
    format_time,
    is_commitment,
    new_salt,
    opens,
)
from communard.record._extend import Frontier, verify_extension
from communard.record._hashing import (
    EMPTY_ROOT,
    HASH_SIZE,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
)
from communard.record._keys import KeyFileError, generate_key_files, load_signer, load_verifier
from communard.record._log import Log
from communard.record._note import (
    COSIGNATURE_V1,
    ED25519,
    MalformedNote,
    Note,
    SignatureError,
    Signer,
    Verifier,
    open_note,
    parse_note,
    sign_note,
    signed_by,
)
from communard.record._proofs import (
    InvalidProof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from communard.record._store import MemoryStore, Row, Store
from communard.record._tree import (
    NodeKey,
    NodeSource,
    ProofRangeError,
    consistency_proof,
    frontier_keys,
    inclusion_proof,
    new_nodes,
    root_hash,
    siblings_needed,
)
from communard.record._trust import Trust, UntrustedKey, choose_key, fingerprint
from communard.record._verify import Finding, Report, dumps_report, verify_rows
from communard.record._witness import LogClient, Observation, Witness, WitnessAlert

__all__ = [
    "COSIGNATURE_V1", "ED25519", "EMPTY_ROOT", "HASH_SIZE",
    "Checkpoint", "Entry", "HttpLogClient", "RemoteError", "Finding", "Frontier", "InvalidProof", "KeyFileError", "Log", "LogClient",
    "MalformedEntry", "MalformedNote", "Queued", "MemoryStore", "NodeKey", "NodeSource", "Note",
    "NotCanonical", "Observation", "ProofRangeError", "Report", "Row", "SignatureError",
    "SignedCheckpoint", "Signer", "Store", "Trust", "UntrustedKey", "Verifier", "Witness",
    "WitnessAlert", "choose_key", "fingerprint",
    "canonical_json", "commit", "consistency_proof", "dumps_report", "format_time",
    "frontier_keys", "generate_key_files", "inclusion_proof", "is_commitment", "leaf_hash", "load_signer",
    "load_verifier", "new_nodes", "new_salt", "node_hash", "open_checkpoint", "open_note",
    "opens", "parse_canonical", "parse_note", "root_from_inclusion_proof",
    "root_from_leaf_hashes", "root_hash", "sign_note", "signed_by", "siblings_needed",
    "verify_consistency", "verify_extension", "verify_inclusion", "verify_rows",
]
