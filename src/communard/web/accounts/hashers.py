from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class RecordedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2, without Django's silent rehash at sign-in when its parameters change.

    Every stored hash is committed to on the record (``accounts.guard.credential``), and
    ``verify`` reports a hash that differs from its last commitment. A rehash at sign-in would
    change the hash unrecorded, so new parameters apply when the holder next sets a password.
    The algorithm name stays ``argon2``: existing hashes verify unchanged.
    """

    def must_update(self, encoded: str) -> bool:
        return False
