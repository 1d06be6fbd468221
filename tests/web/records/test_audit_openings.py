"""``records.audit.openings``: the same genuine openings whether it probes the table in chunks
(a few commitments) or scans it once (many: a server-side cursor on PostgreSQL); an edited
opening opens nothing either way (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from communard.record.kinds import BALLOT_CAST
from communard.web.records import audit, services
from tests.web.tampering import guards_lifted

pytestmark = pytest.mark.django_db


def test_openings_by_scan_and_by_chunks_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thirty values committed, one opening edited by SQL, one commitment never made: both
    ways open the other twenty-nine to their values and nothing else."""
    with transaction.atomic():
        made = {services.personal(f"member-{i}"): f"member-{i}" for i in range(30)}
        # On PostgreSQL the openings are written with the transaction's next entry.
        services.append(BALLOT_CAST, {"federation": "t", "election": 1})
    edited = next(iter(made))
    with guards_lifted(), connection.cursor() as cursor:
        cursor.execute("UPDATE records_opening SET value = %s WHERE commitment = %s",
                       ["someone else", edited])
    asked = [*made, "commit:" + "0" * 64, None]
    expected = {c: v for c, v in made.items() if c != edited}
    assert audit.openings(asked, chunk=7) == expected  # 30 under SCAN_OVER: chunks of 7
    monkeypatch.setattr(audit, "SCAN_OVER", 0)
    assert audit.openings(asked) == expected  # one scan of the table
