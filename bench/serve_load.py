"""Benchmark: start `s2s-graph serve` (gunicorn, production settings) on loopback and measure
requests per second and p50/p99 latency for typical queries and dereferences.

Bounded: each scenario stops after --requests requests or --seconds seconds, whichever comes
first; only 127.0.0.1 is contacted. Prints a table (not a test).

    python bench/serve_load.py [--concurrency 8] [--requests 400] [--seconds 15]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import percentile, running_server  # noqa: E402

S2S = "PREFIX s2s: <https://w3id.org/safe-to-share/def/s2s#>\n"
SCENARIOS = [
    ("ASK {} (HTTP floor)", "/sparql?query=" + urllib.parse.quote("ASK {}"),
     "application/sparql-results+json"),
    ("entity lookup", "/sparql?query=" + urllib.parse.quote(
        "SELECT ?p ?o WHERE { <id/organisation/essex-police> ?p ?o }"),
     "application/sparql-results+json"),
    ("forces that did not reply", "/sparql?query=" + urllib.parse.quote(
        S2S + "SELECT ?force WHERE { ?force a s2s:TerritorialPoliceForce . ?r s2s:respondent "
        "?force ; s2s:status s2s:noReply }"), "application/sparql-results+json"),
    ("response rate by kind", "/sparql?query=" + urllib.parse.quote(
        S2S + "SELECT ?kind (COUNT(?r) AS ?n) WHERE { ?r s2s:respondent ?b ; s2s:status ?s . "
        "?b a ?kind } GROUP BY ?kind"), "application/sparql-results+json"),
    ("dereference as Turtle", "/doc/organisation/essex-police", "text/turtle"),
    ("dereference as HTML", "/doc/organisation/essex-police", "text/html"),
    ("report document as Turtle", "/doc/report/safe-to-share", "text/turtle"),
    ("303 from /id/", "/id/organisation/essex-police", "text/turtle"),
    ("download dataset.nt", "/download/dataset.nt", "application/n-triples"),
]


def run_scenario(port: int, path: str, accept: str, concurrency: int, requests: int,
                 seconds: float) -> tuple[list[float], int, float]:
    """Run one scenario; return latencies (s), errors, and wall time."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    remaining = [requests]

    def worker() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if remaining[0] <= 0 or time.monotonic() > deadline:
                    break
                remaining[0] -= 1
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Accept": accept})
                response = connection.getresponse()
                response.read()
                ok = response.status in (200, 303)
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1
        connection.close()

    wall = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with running_server(args.workers) as (port, startup):
        print(f"server up in {startup:.2f} s (gunicorn, {args.workers} "
              f"workers); concurrency {args.concurrency}, up to {args.requests} requests or "
              f"{args.seconds:.0f} s per scenario\n")
        print(f"{'scenario':<30} {'requests':>8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'errors':>6}")
        for name, path, accept in SCENARIOS:
            run_scenario(port, path, accept, 2, 20, 5)  # warm-up
            latencies, errors, wall = run_scenario(port, path, accept, args.concurrency,
                                                   args.requests, args.seconds)
            print(f"{name:<30} {len(latencies):>8} {len(latencies) / wall:>9.1f} "
                  f"{statistics.median(latencies) * 1000:>8.2f} "
                  f"{percentile(latencies, 0.99) * 1000:>8.2f} {errors:>6}")


if __name__ == "__main__":
    main()
