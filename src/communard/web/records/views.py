"""Read-only public surfaces of the record: a small HTTP API (for verifiers and witnesses) and
pages to browse entries and see one with its inclusion proof."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from communard.record import ProofRangeError, leaf_hash
from communard.web.core.params import BadParameter, query_int
from communard.web.records import services
from communard.web.records.models import Entry
from communard.web.records.store import DatabaseStore

MAX_PAGE = 1000


def reads_record(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A GET-only view of the record that first seals what actions have queued, so whoever
    looks sees every committed entry in the tree (a sealer already at work is left to it)."""

    @require_GET
    @functools.wraps(view)
    def sealed_first(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.seal(wait=False)
        return view(request, *args, **kwargs)

    return sealed_first


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def bodies_visible(request: HttpRequest) -> bool:
    """Who may read entry bodies: ``COMMUNARD_RECORD_BODIES`` = "public" or "members" (default).
    Hashes and checkpoints are always public."""
    policy = getattr(settings, "COMMUNARD_RECORD_BODIES", "members")
    return policy == "public" or bool(request.user.is_authenticated)


@require_GET
def api_key(request: HttpRequest) -> HttpResponse:
    return HttpResponse(services.verifier().text() + "\n", content_type="text/plain")


@reads_record
def api_checkpoint(request: HttpRequest) -> HttpResponse:
    store = DatabaseStore()
    try:
        size = query_int(request, "size") if "size" in request.GET else None
    except BadParameter as e:
        return _bad(str(e))
    note = services.log().latest_checkpoint() if size is None else store.checkpoint_at(size)
    if note is None:
        return _bad(f"no signed checkpoint for size {size}", 404)
    return HttpResponse(note, content_type="text/plain; charset=utf-8")


@reads_record
def api_entries(request: HttpRequest) -> JsonResponse:
    try:
        start = query_int(request, "start", 0)
        limit = query_int(request, "limit", 100)
    except BadParameter as e:
        return _bad(str(e))
    if not 1 <= limit <= MAX_PAGE:
        return _bad(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
    size = DatabaseStore().size()
    if start > size:
        return _bad(f"start {start} is past the end of the log ({size} entries)")
    show = bodies_visible(request)
    rows = Entry.objects.filter(index__gte=start, index__lt=start + limit).order_by("index")
    entries = [
        {"index": e.index, "leaf_hash": _b64(bytes(e.leaf_hash)), "data": e.data if show else None}
        for e in rows
    ]
    return JsonResponse({"size": size, "start": start, "entries": entries})


@reads_record
def api_inclusion(request: HttpRequest) -> JsonResponse:
    try:
        index = query_int(request, "index")
        size = query_int(request, "size", DatabaseStore().size())
        log = services.log()
        proof = log.inclusion_proof(index, size)
    except (BadParameter, ProofRangeError) as e:
        return _bad(str(e))
    leaf = log.store.node_hashes([(0, index)])[(0, index)]
    return JsonResponse({"index": index, "size": size, "leaf_hash": _b64(leaf),
                         "root_hash": _b64(log.root_hash(size)), "proof": [_b64(h) for h in proof]})


@reads_record
def api_consistency(request: HttpRequest) -> JsonResponse:
    try:
        old = query_int(request, "old")
        new = query_int(request, "new", DatabaseStore().size())
        _check_nontrivial(old, new)
        proof = services.log().consistency_proof(old, new)
    except (BadParameter, ProofRangeError) as e:
        return _bad(str(e))
    return JsonResponse({"old": old, "new": new, "proof": [_b64(h) for h in proof]})


def _check_nontrivial(old: int, new: int) -> None:
    """Refuse the two sizes for which RFC 9162 defines no proof to send (docs/record/record.md).

    PROOF(m, D[n]) exists for 0 < m < n (§2.1.4.1), and a verifier fails an empty proof at once
    (§2.1.4.2, step 1): answering 200 with an empty list hands a strict client a proof it must
    reject. The two cases need no proof: every tree extends the empty one, and a tree extends
    itself when the two signed roots agree, which the client compares without asking."""
    if old == 0:
        raise BadParameter("query parameter 'old' must be at least 1: every tree extends the "
                           "empty tree, so there is no consistency proof from size 0 (RFC 9162 "
                           "§2.1.4.1)")
    if old == new:
        raise BadParameter(f"query parameters 'old' and 'new' are both {old}: a tree extends "
                           "itself when the roots agree, so there is no consistency proof to "
                           "send; compare the checkpoints' root hashes (RFC 9162 §2.1.4.1)")


@reads_record
def record_page(request: HttpRequest) -> HttpResponse:
    try:
        start = query_int(request, "start", 0)
    except BadParameter as e:
        return _bad(str(e))
    size = DatabaseStore().size()
    page = 50
    first = start if request.GET.get("start") else max(size - page, 0)
    entries = list(Entry.objects.filter(index__gte=first, index__lt=first + page)
                   .order_by("-index"))
    context: dict[str, Any] = {
        "size": size,
        "entries": [(e, bytes(e.leaf_hash).hex()) for e in entries],
        "show_bodies": bodies_visible(request),
        "older": max(first - page, 0) if first > 0 else None,
        "newer": first + page if first + page < size else None,
        "checkpoint": services.log().latest_checkpoint(),
        "key": services.verifier().text(),
    }
    return render(request, "records/record.html", context)


@reads_record
def entry_page(request: HttpRequest, index: int) -> HttpResponse:
    try:
        entry = Entry.objects.get(index=index)
    except Entry.DoesNotExist:
        raise Http404(f"no entry {index} in the record") from None
    log = services.log()
    size = log.size()
    proof = log.inclusion_proof(index, size)
    data = entry.data.encode("utf-8")
    context = {
        "entry": entry,
        "size": size,
        "leaf_hash": bytes(entry.leaf_hash).hex(),
        "hash_matches": leaf_hash(data) == bytes(entry.leaf_hash),
        "proof": [h.hex() for h in proof],
        "root_hash": log.root_hash(size).hex(),
        "show_bodies": bodies_visible(request),
        "checkpoint": log.latest_checkpoint(),
    }
    return render(request, "records/entry.html", context)
