"""Load generator for bench/recall_bench.py: one POST per line of a requests file, over
loopback HTTP/1.1 keep-alive connections, open loop.

A separate process, as ``cast_load.py`` is for the cast bench, so that the client's CPU (on
uvloop, the bench extra, when installed) is its own and measured apart from the server's: in
the bench's own process it shared the interpreter with Django and its database connection.

Request *i* (after the untimed, closed-loop warm-up) is due at ``start + i / rate`` whatever
happened before, and its latency counts from that due time (no coordinated omission).

Input: a file of lines ``path session_key csrf_token [json-body]``. Output: a JSON file with
counts by status, latencies from due time, completion times and sample refusals.

    python bench/recall_load.py --port P --requests FILE --rate 500 --out OUT.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cast_load import Client  # noqa: E402  (after the path is set)

HOST = "127.0.0.1"


def raw_request(port: int, path: str, session: str, csrf: str, body: str = "") -> bytes:
    data = body.encode()
    kind = "Content-Type: application/json\r\n" if data else ""
    return (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{kind}"
        f"Content-Length: {len(data)}\r\n"
        f"Cookie: sessionid={session}; csrftoken={csrf}\r\nX-CSRFToken: {csrf}\r\n\r\n"
    ).encode() + data


async def load(port: int, requests: list[bytes], rate: float, warmup: int, concurrency: int,
               max_seconds: float, timeout: float) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    latencies: list[float] = []
    done_at: list[float] = []
    refusals: list[str] = []
    next_index = 0

    async def connection(end: int, start: float, timed: bool) -> None:
        nonlocal next_index
        client = Client(HOST, port)
        try:
            while next_index < end:
                i = next_index
                next_index += 1
                due = start + (i - warmup) / rate if timed and rate > 0 else time.perf_counter()
                if time.perf_counter() > start + max_seconds:
                    return
                if due > time.perf_counter():
                    await asyncio.sleep(due - time.perf_counter())
                try:
                    async with asyncio.timeout(timeout):
                        status, body = await client.request(requests[i])
                except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, OSError) as e:
                    client.close()
                    status, body = 0, repr(e).encode()
                finished = time.perf_counter()
                if timed:
                    latencies.append(finished - due)
                    done_at.append(finished - start)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if status not in (200, 201) and len(refusals) < 10:
                    refusals.append(f"{status} {body[:200].decode(errors='replace')}")
        finally:
            client.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection(warmup, start, False) for _ in range(8)))
    start = time.perf_counter()
    await asyncio.gather(*(connection(len(requests), start, True) for _ in range(concurrency)))
    return {"statuses": statuses, "latencies": latencies, "done_at": done_at,
            "refusals": refusals, "elapsed": time.perf_counter() - start}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--requests", type=Path, required=True)
    p.add_argument("--rate", type=float, default=500.0, help="per second offered (0: closed)")
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--max-seconds", type=float, default=480.0)
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    lines = [line.split(" ", 3) for line in args.requests.read_text().splitlines() if line]
    requests = [raw_request(args.port, *parts) for parts in lines]
    try:  # the bench extra: less of this process's CPU, on the server's cores
        from uvloop import run as run_loop
    except ImportError:
        run_loop = asyncio.run
    result = run_loop(load(args.port, requests, args.rate, args.warmup, args.concurrency,
                           args.max_seconds, args.timeout))
    args.out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
