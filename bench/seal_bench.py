"""Sealed ballots (issue 16): what sealing costs at the cast, and what opening costs at the close.

One run, one machine, the same ballots: 100,000 ballots of 20 candidates (random rankings of
random length, each with a tracking code).

* the cast side: ``seal`` per ballot (libsodium sealed box of the padded ballot), in ballots/s,
  against the plain path of today (the ranking encoded as the JSON the ballot row stores);
* the close: rebuilding the key from 3 of 5 shares, ``open_all`` (open every envelope and
  shuffle with the OS CSPRNG), decoding the plaintexts, and counting them (Scottish STV, 5
  seats), against the plain path (JSON rows decoded and sorted by tracking code, then counted).

The issue's goals: at least 500 casts/s through the whole server (sealing is one part of a
cast: see ``bench/cast_bench.py``), and the close of 100,000 envelopes within 15 s.

No peer is installable to measure against: Helios (a Django app) and Belenios (OCaml) are not
pip packages, and their ballots are ElGamal ciphertexts opened by threshold decryption after a
mixnet or homomorphic tally, a different algorithm; the peer here is the unsealed path.

    .venv/bin/python bench/seal_bench.py [--ballots N] [--candidates C]
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import time

from communard.count import Ballots, count
from communard.sealing import (
    ballot_capacity,
    decode_ballot,
    encode_ballot,
    envelope_size,
    make_poll_key,
    open_all,
    rebuild_key,
    seal,
)

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def tracking_code(rnd: random.Random) -> str:
    chars = "".join(rnd.choice(ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--seats", type=int, default=5)
    args = parser.parse_args()
    n, options = args.ballots, args.candidates
    rnd = random.Random(1871)
    ballots = []
    for _ in range(n):
        ranking = rnd.sample(range(1, options + 1), rnd.randint(1, options))
        ballots.append((tracking_code(rnd), ranking))
    capacity = ballot_capacity(options)
    print(f"{n} ballots of {options} candidates; every envelope {envelope_size(capacity)} bytes "
          f"(plaintext capacity {capacity})")

    # --- cast side -------------------------------------------------------------------------------
    key = make_poll_key("bench-poll", ["ana", "ben", "cy", "dee", "eli"], 3)
    public = key.public.public_key
    t = time.perf_counter()
    plain_rows = [(code, json.dumps(ranking)) for code, ranking in ballots]
    plain_cast = time.perf_counter() - t
    t = time.perf_counter()
    box = [seal(public, encode_ballot(code, ranking, options), capacity=capacity)
           for code, ranking in ballots]
    sealed_cast = time.perf_counter() - t
    print(f"cast:  sealed {n / sealed_cast:,.0f} ballots/s ({sealed_cast / n * 1e6:.1f} µs each); "
          f"plain {n / plain_cast:,.0f} ballots/s; sealed/plain time = {sealed_cast / plain_cast:.1f}")

    # --- close -----------------------------------------------------------------------------------
    shares = secrets.SystemRandom().sample(list(key.shares), 3)
    t = time.perf_counter()
    private = rebuild_key(key.public, shares)
    t_key = time.perf_counter() - t
    t = time.perf_counter()
    opened = open_all(private, box, capacity=capacity)
    t_open = time.perf_counter() - t
    t = time.perf_counter()
    decoded = [decode_ballot(b) for b in opened]
    t_decode = time.perf_counter() - t
    t = time.perf_counter()
    result = count(Ballots.from_rankings([[c - 1 for c in r] for _, r in decoded], options,
                                         seats=args.seats), "scottish-stv", args.seats)
    t_count = time.perf_counter() - t
    sealed_close = t_key + t_open + t_decode + t_count
    assert sorted(decoded) == sorted((c, tuple(r)) for c, r in ballots)
    print(f"close: rebuild key {t_key * 1e3:.1f} ms; open and shuffle {t_open:.2f} s "
          f"({n / t_open:,.0f} ballots/s); decode {t_decode:.2f} s; count {t_count:.2f} s; "
          f"total {sealed_close:.2f} s")

    t = time.perf_counter()
    rows = sorted(plain_rows)
    plain_rankings = [[c - 1 for c in json.loads(r)] for _, r in rows]
    t_plain_read = time.perf_counter() - t
    t = time.perf_counter()
    plain_result = count(Ballots.from_rankings(plain_rankings, options, seats=args.seats),
                         "scottish-stv", args.seats)
    t_plain_count = time.perf_counter() - t
    plain_close = t_plain_read + t_plain_count
    assert plain_result.winners == result.winners  # the order of ballots does not change a count
    print(f"close, plain: read and sort {t_plain_read:.2f} s; count {t_plain_count:.2f} s; total "
          f"{plain_close:.2f} s; sealed/plain = {sealed_close / plain_close:.1f}")
    goal = 15.0 * n / 100_000
    print(f"close within the issue's {goal:.0f} s for {n} envelopes: "
          f"{'yes' if sealed_close <= goal else 'NO'} ({sealed_close:.2f} s)")


if __name__ == "__main__":
    main()
