"""The in-process reference: pyoxigraph in memory, the same N-Triples, the same queries, no
HTTP. Each query is run and its results serialised (SPARQL JSON or N-Triples, as an endpoint
would) again and again for a few seconds; prints JSON figures: load time, peak memory, and
per query p50/p99 in milliseconds. Run in its own process, so that its peak memory is its own.
Each query runs in a child forked after the load (sharing the store), which is killed after
``--cap`` seconds: at 3M triples some queries take pyoxigraph many minutes, and Oxigraph
cannot be interrupted in process. Those are listed under "over_cap".

    python bench/inprocess.py DATA.nt QUERIES.json [--seconds 2] [--cap 60]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import select
import signal
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


def in_child(store: pyoxigraph.Store, query: str, seconds: float, cap_s: float) -> dict | None:
    """Time ``query`` in a forked child; None if it gives no answer within ``cap_s``."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: time, report, and leave without running the parent's cleanup
        os.close(reader)
        times = timed(store, query, seconds)
        figures = {"p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99),
                   "runs": len(times)}
        os.write(writer, json.dumps(figures).encode())
        os._exit(0)
    os.close(writer)
    ready, _, _ = select.select([reader], [], [], cap_s)
    figures = None
    if ready:
        with os.fdopen(reader, "rb") as pipe:
            figures = json.loads(pipe.read() or b"null")
    else:
        os.close(reader)
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("queries", type=Path, help="JSON object: name -> query text")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--cap", type=float, default=60.0,
                        help="longest wait for one query's first answer, in seconds")
    args = parser.parse_args()
    started = time.perf_counter()
    store = pyoxigraph.Store()
    store.load(path=str(args.data), format=pyoxigraph.RdfFormat.N_TRIPLES)
    load_s = time.perf_counter() - started
    figures, over_cap = {}, []
    for name, query in json.loads(args.queries.read_text(encoding="utf-8")).items():
        found = in_child(store, query, args.seconds, args.cap + args.seconds)
        if found is None:
            over_cap.append(name)
        else:
            figures[name] = found
    peak_mib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    json.dump({"load_s": load_s, "peak_mib": peak_mib, "queries": figures,
               "over_cap": over_cap, "cap_s": args.cap}, sys.stdout)


if __name__ == "__main__":
    main()
