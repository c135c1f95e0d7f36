"""Benchmark: validation time of posted graphs of about 1k, 10k and 100k triples (synthetic,
see synthetic.py), with and without ?with=dataset, through POST /validate on the production
server on loopback. Prints the figures (not a test).

    python bench/validate_posted.py [--sizes 1000 10000 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import running_server  # noqa: E402
from synthetic import generate_about  # noqa: E402


def post(port: int, body: bytes, query: str) -> tuple[int, float, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    start = time.perf_counter()
    connection.request("POST", "/validate" + query, body=body,
                       headers={"Content-Type": "application/n-triples", "Accept": "text/turtle"})
    response = connection.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - start
    connection.close()
    return response.status, elapsed, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {"S2S_VALIDATION_TIME_LIMIT_S": "900", "S2S_REQUEST_TIMEOUT_S": "900",
           "S2S_MAX_UPLOAD_BYTES": str(256 * 1024 * 1024)}
    with running_server(env=env) as (port, _):
        post(port, b"<a:b> <a:c> <a:d> .\n", "")  # start the validation worker
        print(f"POST /validate, N-Triples, median of {args.runs} runs (1 run at 100k and over)\n")
        print(f"{'triples':>8} {'bytes':>11} {'alone s':>9} {'with dataset s':>15} {'conforms':>9}")
        for size in args.sizes:
            body = ("\n".join(generate_about(size)) + "\n").encode("utf-8")
            triples = body.count(b"\n")
            runs = 1 if size >= 100000 else args.runs
            figures = []
            verdict = ""
            for query in ("", "?with=dataset"):
                times = []
                for _ in range(runs):
                    status, elapsed, data = post(port, body, query)
                    if status != 200:
                        sys.exit(f"{size}: status {status}: {data[:200]!r}")
                    times.append(elapsed)
                    verdict = "yes" if b"sh:conforms true" in data else "no"
                figures.append(statistics.median(times))
            print(f"{triples:>8} {len(body):>11} {figures[0]:>9.2f} {figures[1]:>15.2f} {verdict:>9}")


if __name__ == "__main__":
    main()
