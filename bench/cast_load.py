"""Load generator for bench/cast_bench.py: casts one ballot per voter over loopback HTTP/1.1.

A separate process: asyncio streams (on uvloop, the bench extra, when installed) and a minimal
keep-alive HTTP/1.1 client, so that the client costs little CPU next to the server on a small
machine (0.25 ms per ballot on uvloop, 0.35 ms on asyncio's own loop).

Open loop by default: request *i* is due at ``start + i / rate`` whatever happened before, and its
latency is measured from that due time (so a stalled server shows up in the latency instead of
silently slowing the client down — no coordinated omission). ``--rate 0`` is a closed loop: every
connection sends its next ballot as soon as the previous answer arrives.

Input: a voters file, one ``session_key csrf_token`` per line. Output: a JSON file with counts by
status, latencies, the tracking codes returned, per-second completions and sample refusals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from typing import Any


class Client:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.connects = 0

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.connects += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send one request; returns (status, body). Raises on a broken connection."""
        if self.writer is None:
            await self._connect()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body


def build_request(host: str, port: int, election: int, session: str, csrf: str,
                  ranking: list[int]) -> bytes:
    body = json.dumps({"ranking": ranking}).encode()
    return (
        f"POST /api/elections/{election}/ballots HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Cookie: sessionid={session}; csrftoken={csrf}\r\n"
        f"X-CSRFToken: {csrf}\r\n"
        "\r\n"
    ).encode() + body


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    with open(args.voters, encoding="ascii") as f:
        voters = [line.split() for line in f if line.strip()]
    rng.shuffle(voters)
    n = len(voters)
    candidates = list(range(1, args.candidates + 1))

    def ranking() -> list[int]:
        # A random ranking of a random number (1…all) of the candidates.
        return rng.sample(candidates, rng.randint(1, len(candidates)))

    requests = [
        build_request(args.host, args.port, args.election, s, c, ranking()) for s, c in voters
    ]
    statuses: dict[str, int] = {}
    latencies: list[float] = []  # from due time to answer (open loop) or send to answer
    service: list[float] = []  # from send to answer
    codes: list[str] = []
    refusals: list[str] = []
    done_at: list[float] = []
    retries = 0
    broken = 0
    timed_ok = 0
    next_index = 0
    warm = min(args.warmup, n)

    async def connection(end: int, rate: float, start: float, timed: bool) -> None:
        nonlocal next_index, retries, broken, timed_ok
        client = Client(args.host, args.port)
        deadline = start + args.max_seconds
        try:
            while next_index < end:
                i = next_index
                next_index += 1
                due = start + (i - warm) / rate if rate > 0 else time.perf_counter()
                if due > deadline or time.perf_counter() > deadline:
                    return  # a bounded run: voters not reached are reported as not sent
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                sent = time.perf_counter()
                status, body = 0, b""
                for attempt in range(2):
                    try:
                        # A kept-alive connection the server closed while idle fails before any
                        # answer: such a request never reached the view, so one retry is safe
                        # (and if it did reach it, the retry is refused as a second vote and
                        # shows up below as an error and a count mismatch).
                        reused = client.writer is not None
                        async with asyncio.timeout(args.timeout):
                            status, body = await client.request(requests[i])
                        break
                    except TimeoutError:  # before OSError, of which it is a subclass
                        client.close()
                        status, body = -1, b"client timeout"
                        break
                    except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
                        client.close()
                        if attempt == 0 and reused:
                            retries += 1
                            continue
                        status, body = 0, repr(exc).encode()
                        break
                end_time = time.perf_counter()
                if timed:
                    latencies.append(end_time - due)
                    service.append(end_time - sent)
                    done_at.append(end_time - start)
                key = str(status)
                statuses[key] = statuses.get(key, 0) + 1
                if status == 201:
                    codes.append(json.loads(body)["tracking_code"])
                    timed_ok += timed
                else:
                    if status <= 0:
                        broken += 1
                    if len(refusals) < 20:
                        refusals.append(f"{status} {body[:300].decode(errors='replace')}")
        finally:
            client.close()

    # Warm-up, untimed: the first voters, closed loop, so that every server thread has opened
    # its database connection and prepared its statements before the clock starts (a running
    # server has). Their ballots count in every check of stored, marked and sealed ballots.
    await asyncio.gather(*(connection(warm, 0, time.perf_counter(), False)
                           for _ in range(args.concurrency)))
    start = time.perf_counter()
    await asyncio.gather(*(connection(n, args.rate, start, True)
                           for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - start
    return {
        "voters": n,
        "start": start,  # time.perf_counter(): one clock for every process on the machine
        "warmup": warm,
        "timed_ok": timed_ok,  # 201 answers after the warm-up
        "sent": sum(statuses.values()),
        "elapsed": elapsed,
        "statuses": statuses,
        "latencies": latencies,
        "service": service,
        "done_at": done_at,
        "codes": codes,
        "refusals": refusals,
        "retries": retries,
        "broken": broken,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--election", type=int, required=True)
    p.add_argument("--voters", required=True, help="file of 'session_key csrf_token' lines")
    p.add_argument("--candidates", type=int, required=True)
    p.add_argument("--rate", type=float, default=500.0, help="ballots/s offered (0: closed loop)")
    p.add_argument("--concurrency", type=int, default=64, help="keep-alive connections")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    p.add_argument("--max-seconds", type=float, default=480.0, help="stop sending after this")
    p.add_argument("--warmup", type=int, default=0,
                   help="this many voters first, closed loop and untimed")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load generator only talks to loopback")
    try:  # the bench extra: a quarter less of this process's CPU, on the server's cores
        from uvloop import run as run_loop
    except ImportError:
        run_loop = asyncio.run
    result = run_loop(run(args))
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
