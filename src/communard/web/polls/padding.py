"""Answers to a secret ballot's POST all of one length (docs/sealing.md, "the operator's
channels"): a proxy's access log (nginx's default ``combined`` format) keeps each response's
size beside the voter's address and time, and anyone watching the TLS stream sees it; a page
listing the chosen options would tell a short ranking, or a short label, from a long one."""

from __future__ import annotations

from django.http import HttpResponse


def as_long_as(response: HttpResponse, widest: HttpResponse) -> HttpResponse:
    """``response`` padded with spaces after the page to the length of ``widest`` (the same
    page rendered with every option chosen)."""
    gap = len(widest.content) - len(response.content)
    if gap > 0:
        response.content = response.content + b" " * gap
    return response
