"""Benchmark: time and peak memory of `s2s-graph build` and `s2s-graph validate` on the
project's data. Each run is a fresh process; prints the figures (not a test).

    python bench/build_and_validate.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(command: str) -> None:
    """Run one command in this process and print its stage timings and peak memory as JSON."""
    from s2s_graph.dumps import write_dumps
    from s2s_graph.namespaces import Vocabulary
    from s2s_graph.published import PublishedGraph
    from s2s_graph.settings import Settings
    from s2s_graph.sources import load_sources
    from s2s_graph.validation import validate_graph

    settings = Settings(project_root=ROOT)
    timings = {}
    start = time.perf_counter()
    sources = load_sources(settings)
    timings["load"] = time.perf_counter() - start
    mark = time.perf_counter()
    report = validate_graph(sources.data, sources.shapes, sources.ontology)
    timings["validate"] = time.perf_counter() - mark
    assert report.conforms
    if command == "build":
        mark = time.perf_counter()
        published = PublishedGraph.from_sources(sources, Vocabulary(settings.base_iri))
        timings["publish"] = time.perf_counter() - mark
        mark = time.perf_counter()
        with tempfile.TemporaryDirectory() as out:
            write_dumps(published, Path(out) / "dist")
        timings["write"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"timings": timings, "peak_mib": peak_mib, "triples": len(sources.data)
                      + len(sources.ontology)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", choices=["build", "validate"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print(f"python {sys.version.split()[0]}, {args.runs} fresh processes per command")
    for command in ("validate", "build"):
        runs = []
        for _ in range(args.runs):
            wall = time.perf_counter()
            out = subprocess.run([sys.executable, __file__, "--child", command], check=True,
                                 capture_output=True, text=True).stdout
            result = json.loads(out)
            result["process_s"] = time.perf_counter() - wall
            runs.append(result)
        stages = runs[0]["timings"].keys()
        print(f"\n{command} ({runs[0]['triples']} triples)")
        for stage in stages:
            values = [r["timings"][stage] for r in runs]
            print(f"  {stage:<9} median {statistics.median(values):6.3f} s   "
                  f"min {min(values):6.3f} s")
        process = [r["process_s"] for r in runs]
        print(f"  {'process':<9} median {statistics.median(process):6.3f} s   (with interpreter "
              "start and imports)")
        print(f"  peak RSS  {max(r['peak_mib'] for r in runs):6.1f} MiB")


if __name__ == "__main__":
    main()
