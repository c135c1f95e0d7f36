"""Load test: 16 concurrent clients for 60 s against the production server (gunicorn, the
default limits) on loopback, running a mix of SPARQL queries, dereferences, downloads and
validations. Prints requests per second and p50/p99/max latency per kind, and the errors,
which must be zero. Bounded: it stops itself at --seconds.

    python bench/load.py [--clients 16] [--seconds 60]
"""

from __future__ import annotations

import argparse
import http.client
import random
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, percentile, request, running_server  # noqa: E402
from s2s_graph.examples import load_examples  # noqa: E402

MINIMAL = (ROOT / "shapes" / "examples" / "valid" / "minimal.ttl").read_bytes()
THINGS = ["organisation/essex-police", "organisation/home-office", "report/safe-to-share",
          "recommendation/safe-to-share/1", "response/safe-to-share/west-yorkshire-police",
          "organisation/mayors-office-for-policing-and-crime", "action/safe-to-share/3"]
# (kind, weight, request maker)
MIX = [
    ("query", 35, lambda rng, examples: (
        "GET", "/sparql?query=" + urllib.parse.quote(rng.choice(examples).text),
        {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}, None)),
    ("dereference html", 20, lambda rng, _: (
        "GET", "/doc/" + rng.choice(THINGS), {"Accept": "text/html"}, None)),
    ("dereference turtle", 20, lambda rng, _: (
        "GET", "/doc/" + rng.choice(THINGS), {"Accept": "text/turtle"}, None)),
    ("303", 5, lambda rng, _: ("GET", "/id/" + rng.choice(THINGS), {}, None)),
    ("download", 10, lambda rng, _: (
        "GET", "/download/dataset." + rng.choice(["ttl", "nt", "jsonld", "rdf"]),
        {"Accept-Encoding": rng.choice(["gzip", "identity"])}, None)),
    ("validation", 10, lambda rng, _: (
        "POST", "/validate" + rng.choice(["", "?with=dataset"]),
        {"Content-Type": "text/turtle", "Accept": "text/turtle"}, MINIMAL)),
]


def client(port: int, seed: int, deadline: float, examples, results, lock) -> None:
    rng = random.Random(seed)
    kinds = [k for k, w, _ in MIX for _ in range(w)]
    makers = {k: m for k, _, m in MIX}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while time.monotonic() < deadline:
        kind = rng.choice(kinds)
        method, path, headers, body = makers[kind](rng, examples)
        start = time.perf_counter()
        try:
            status = request(connection, method, path, headers, body)
            ok = status in (200, 303)
        except (OSError, http.client.HTTPException):
            status, ok = 0, False
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        elapsed = time.perf_counter() - start
        with lock:
            results[kind].append((elapsed, ok, status))
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    examples = load_examples()
    with running_server(args.workers) as (port, startup):
        results: dict[str, list] = defaultdict(list)
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client, args=(port, n, deadline, examples, results, lock))
                   for n in range(args.clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    total = sum(len(v) for v in results.values())
    errors = sum(1 for v in results.values() for _, ok, _ in v if not ok)
    print(f"server up in {startup:.2f} s; {args.clients} clients for {wall:.0f} s, "
          f"gunicorn {args.workers} workers, default limits\n")
    print(f"{'kind':<20} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'errors':>6}")
    for kind, _, _ in MIX:
        rows = results[kind]
        if not rows:
            continue
        times = [t for t, _, _ in rows]
        bad = [s for _, ok, s in rows if not ok]
        print(f"{kind:<20} {len(rows):>8} {len(rows) / wall:>8.1f} "
              f"{percentile(times, 0.5) * 1000:>8.1f} {percentile(times, 0.99) * 1000:>8.1f} "
              f"{max(times) * 1000:>8.1f} {len(bad):>6}" + (f"  statuses {sorted(set(bad))}" if bad else ""))
    print(f"{'all':<20} {total:>8} {total / wall:>8.1f} {'':>8} {'':>8} {'':>8} {errors:>6}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
