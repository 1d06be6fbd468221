"""A client for a Communard server's public record endpoints, on the standard library only
(``communard verify --server`` and ``communard witness`` must not need Django)."""

from __future__ import annotations

import base64
import binascii
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

from communard.record._store import Row

PAGE = 1000


class RemoteError(RuntimeError):
    """The server could not be reached or answered something that is not the record API."""


class HttpLogClient:
    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.site = base_url.rstrip("/")
        self.base = self.site + "/record/api/"
        self.timeout = timeout

    def _get(self, path: str, **params: int) -> bytes:
        return self._open(self.base + path + ("?" + urllib.parse.urlencode(params) if params
                                               else ""))

    def fetch(self, path: str) -> bytes:
        """Any other public page of the site (``path`` from its root), e.g. a ballot box."""
        return self._open(self.url(path))

    def url(self, path: str) -> str:
        return self.site + path

    def _open(self, url: str) -> bytes:
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as resp:
                body: bytes = resp.read()
                return body
        except urllib.error.HTTPError as e:
            detail = e.read()[:300].decode("utf-8", "replace")
            raise RemoteError(f"{url}: HTTP {e.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as e:
            raise RemoteError(f"{url}: {getattr(e, 'reason', e)}") from None

    def _json(self, path: str, **params: int) -> Any:
        try:
            return json.loads(self._get(path, **params))
        except json.JSONDecodeError:
            raise RemoteError(f"{self.base}{path}: the answer is not JSON") from None

    def verifier_key(self) -> str:
        return self._get("key").decode("utf-8").strip()

    def latest_checkpoint(self) -> str:
        try:
            return self._get("checkpoint").decode("utf-8")
        except UnicodeDecodeError:
            raise RemoteError("the checkpoint is not UTF-8") from None

    def checkpoint_at(self, size: int) -> str | None:
        try:
            return self._get("checkpoint", size=size).decode("utf-8")
        except RemoteError:
            return None

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        # RFC 9162 defines no proof from size 0 or between equal sizes, and the server refuses
        # to send one; the proof is empty, and verify_consistency checks those cases itself.
        if old_size == 0 or old_size == new_size:
            return []
        answer = self._json("proof/consistency", old=old_size, new=new_size)
        return _hashes(answer, "proof")

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return _hashes(self._json("proof/inclusion", index=index, size=size), "proof")

    def rows(self) -> Iterator[Row]:
        start = 0
        while True:
            page = self._json("entries", start=start, limit=PAGE)
            entries = page.get("entries") if isinstance(page, dict) else None
            if not isinstance(entries, list):
                raise RemoteError("entries answer has no 'entries' list")
            for e in entries:
                try:
                    data = e["data"]
                    yield Row(int(e["index"]), None if data is None else data.encode("utf-8"),
                              base64.b64decode(e["leaf_hash"], validate=True))
                except (KeyError, TypeError, ValueError, binascii.Error):
                    raise RemoteError(f"malformed entry in the page starting at {start}") from None
            if len(entries) < PAGE:
                return
            start += len(entries)


def _hashes(answer: Any, key: str) -> list[bytes]:
    try:
        return [base64.b64decode(h, validate=True) for h in answer[key]]
    except (KeyError, TypeError, binascii.Error):
        raise RemoteError(f"the answer has no list of base64 hashes under {key!r}") from None
