from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from communard.record import Log, MemoryStore, Signer

ORIGIN = "record.example.org/test"
_SIGNER = Signer.generate(ORIGIN)
_T0 = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)


def make_log(n: int, signer: Signer = _SIGNER) -> Log:
    log = Log(MemoryStore(), signer)
    for i in range(n):
        log.append("test.entry", {"n": i, "who": log.personal(f"member-{i}")},
                   actor="council:1", at=_T0 + timedelta(seconds=i))
    return log


@pytest.fixture(scope="session")
def signer() -> Signer:
    return _SIGNER
