"""The in-process reference: pyoxigraph in memory, the same N-Triples, the same queries, no
HTTP. Each query is run and its results serialised (SPARQL JSON or N-Triples, as an endpoint
would) again and again for a few seconds; prints JSON figures: load time, peak memory, and
per query p50/p99 in milliseconds. Run in its own process, so that its peak memory is its own.

    python bench/inprocess.py DATA.nt QUERIES.json [--seconds 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import pyoxigraph

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import percentile  # noqa: E402


def timed(store: pyoxigraph.Store, query: str, seconds: float, most: int = 10000) -> list[float]:
    """Run ``query`` repeatedly for about ``seconds``; return the times in milliseconds."""
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(times) < most and (not times or time.perf_counter() < deadline):
        started = time.perf_counter()
        answer = store.query(query)
        if isinstance(answer, pyoxigraph.QueryTriples):
            pyoxigraph.serialize(answer, format=pyoxigraph.RdfFormat.N_TRIPLES)
        elif isinstance(answer, pyoxigraph.QueryBoolean):
            bool(answer)
        else:
            answer.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("queries", type=Path, help="JSON object: name -> query text")
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    started = time.perf_counter()
    store = pyoxigraph.Store()
    store.load(path=str(args.data), format=pyoxigraph.RdfFormat.N_TRIPLES)
    load_s = time.perf_counter() - started
    figures = {}
    for name, query in json.loads(args.queries.read_text(encoding="utf-8")).items():
        times = timed(store, query, args.seconds)
        figures[name] = {"p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99),
                         "runs": len(times)}
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump({"load_s": load_s, "peak_mib": peak_mib, "queries": figures}, sys.stdout)


if __name__ == "__main__":
    main()
