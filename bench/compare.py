"""Benchmark: our production server against its peers, on the same data and the same queries,
in one run on this machine (a script that prints figures, not a test).

For the real dataset and synthetic data of about 30k, 300k and 3M triples (our vocabulary,
deterministic from --seed, built and validated by `s2s-graph build` like the real data):

- ours: `s2s-graph serve` (gunicorn, production settings and limits, the built release
  loaded into memory: S2S_STORE=built), over HTTP with wrk at concurrency 1 and 8; every query of the mix cold (each request a distinct
  text, so no cache helps) and repeated (the same text, as dashboards and example links ask);
  plus dereferences of /doc/ pages in HTML and Turtle; start-up time and peak memory (PSS of
  the whole process tree), over the whole run and, on a fresh server, over the mix sent one
  query at a time as the in-process reference runs it; throughput with 1 and 2 gunicorn workers; and the queries cold
  from the on-disk store (S2S_STORE=disk), with its start-up time and peak memory;
- the references, on the same N-Triples and queries: a minimal Flask + pyoxigraph endpoint
  under gunicorn (bench/minimal_endpoint.py), up beside ours, each of its runs right after
  ours of the same query, mode and concurrency; rdflib-endpoint (PyPI), Virtuoso (Debian's
  virtuoso-opensource-7-bin, bulk-loaded), and pyoxigraph in process (bench/inprocess.py).
  Before each run, the servers are let settle (until their CPU is idle).

Prints each figure as it comes, a table per size, the ratios the targets are stated in, and
writes the tables to --out. Only 127.0.0.1 is contacted.

    bench/install-bench-tools   # wrk, Virtuoso (Debian); rdflib-endpoint (PyPI)
    python bench/compare.py [--sizes real,30k,300k,3M] [--seconds 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import loadgen  # noqa: E402
from harness import ROOT, MemorySampler, free_port, running, settle  # noqa: E402
from loadgen import Figures, Workload, sparql_path  # noqa: E402
from s2s_graph.examples import load_examples  # noqa: E402
from s2s_graph.feedback import Feedback  # noqa: E402
from s2s_graph.settings import Settings  # noqa: E402
from synthetic import generate_about  # noqa: E402

BASE = "https://w3id.org/safe-to-share/"
SIZES = {"real": 0, "30k": 30_000, "300k": 300_000, "3M": 3_000_000}
SEQUENTIAL = "ours (built release in memory), the mix once, one query at a time"
JSON_RESULTS = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
S2S = "PREFIX s2s: <https://w3id.org/safe-to-share/def/s2s#>\n"
# Two questions over every report, so that the synthetic sizes weigh on them (the examples
# ask about the real report only).
SCALE_QUERIES = {
    "scale: no reply, all reports": S2S + (
        "SELECT ?report ?body WHERE { ?duty s2s:responsibleBody ?body ; s2s:concerns ?report ;"
        " s2s:role s2s:respond . FILTER NOT EXISTS { ?r s2s:respondent ?body ; "
        "s2s:respondsTo ?report ; s2s:status ?s FILTER (?s != s2s:noReply) } }"),
    "scale: response rate per report": S2S + (
        "SELECT ?report (COUNT(?r) AS ?responses) (SUM(IF(?s = s2s:published, 1, 0)) AS "
        "?published) WHERE { ?r s2s:respondsTo ?report ; s2s:status ?s } GROUP BY ?report "
        "ORDER BY ?report LIMIT 100"),
}


@dataclass
class Dataset:
    size: str
    project: Path
    release: Path
    triples: int
    build_s: float | None
    build_peak_mib: float | None
    bodies: list[str]

    @property
    def ntriples(self) -> Path:
        return self.release / "dataset.nt"


@dataclass
class Result:
    system: str
    workload: str
    mode: str  # cold | repeated
    concurrency: int
    figures: Figures  # of one run, or the median of ``runs``
    runs: tuple[Figures, ...] = ()  # each round's, where the cell was run several times


@dataclass
class SizeReport:
    dataset: Dataset
    results: list[Result] = field(default_factory=list)
    startup: dict[str, float] = field(default_factory=dict)
    peak_mib: dict[str, float] = field(default_factory=dict)
    inprocess: dict = field(default_factory=dict)
    floor_ms: float = math.nan
    workers: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def get(self, system: str, workload: str, mode: str, concurrency: int) -> Figures | None:
        return next((r.figures for r in self.results if (r.system, r.workload, r.mode,
                     r.concurrency) == (system, workload, mode, concurrency)), None)


def say(text: str) -> None:
    print(text, flush=True)


# --- data ---------------------------------------------------------------------------------

def prepare(size: str, work: Path, seed: int) -> Dataset:
    """Return the dataset of ``size``, built into a release (reused while its sources are
    unchanged: the synthetic data is kept, the vocabulary, shapes and facts are recopied)."""
    if size == "real":
        project = ROOT
    else:
        project = work / f"project-{size}-seed{seed}"
        synthetic = project / "data" / "synthetic.ttl"
        kept = work / f"synthetic-{size}-seed{seed}.ttl"
        if synthetic.is_file():
            os.replace(synthetic, kept)  # hundreds of MB at 3M: moved, not read
        shutil.rmtree(project, ignore_errors=True)
        for folder in ("ontology", "shapes", "data"):
            shutil.copytree(ROOT / folder, project / folder)
        if not kept.is_file():
            kept.write_text("\n".join(generate_about(SIZES[size], seed=seed)) + "\n",
                            encoding="utf-8")
        os.replace(kept, synthetic)
    release = work / f"release-{size}-seed{seed}"
    fingerprint = sources_fingerprint(project)
    stamp = work / f"release-{size}-seed{seed}.sources"
    build_s = peak = None
    if not ((release / "release.json").is_file() and stamp.is_file()
            and stamp.read_text(encoding="utf-8") == fingerprint):
        say(f"[{size}] building and validating the release (s2s-graph build)...")
        shutil.rmtree(release, ignore_errors=True)
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "s2s_graph", "--project-root",
                                    str(project), "build", "--out", str(release)])
        sampler = MemorySampler(process.pid, interval_s=1.0)
        sampler.start()
        code = process.wait()
        sampler.stop()
        if code != 0:
            sys.exit(f"[{size}] the build failed (exit {code}); the synthetic data must keep "
                     "our shapes")
        build_s, peak = time.perf_counter() - started, sampler.peak_kib / 1024
        stamp.write_text(fingerprint, encoding="utf-8")
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    bodies = sorted({m.group(1) for m in re.finditer(
        rb"^<" + re.escape(BASE.encode()) + rb"id/organisation/([^>]+)>",
        (release / "dataset.nt").read_bytes(), re.MULTILINE)})
    return Dataset(size, project, release, manifest["triples"], build_s, peak,
                   [b.decode() for b in bodies])


def sources_fingerprint(project: Path) -> str:
    """A digest of the project's Turtle sources: a release is rebuilt when they change."""
    digest = hashlib.sha256()
    for path in sorted(p for folder in ("ontology", "shapes", "data")
                       for p in (project / folder).rglob("*.ttl")):
        digest.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def query_mix(dataset: Dataset) -> dict[str, str]:
    """The mix: the query page's examples, the scale questions, an entity lookup, ASK {}."""
    mix = {e.slug: f"BASE <{BASE}>\n{e.text}" for e in load_examples(BASE)}
    mix.update(SCALE_QUERIES)
    mix["entity lookup"] = lookup(dataset.bodies[len(dataset.bodies) // 2])
    mix["ASK {} (HTTP floor)"] = "ASK {}"
    return mix


def lookup(body: str) -> str:
    return f"SELECT ?p ?o WHERE {{ <{BASE}id/organisation/{body}> ?p ?o }}"


def workloads(dataset: Dataset, mix: dict[str, str], endpoint: str = "/sparql",
              pages: bool = True) -> list[Workload]:
    found = []
    for name, text in mix.items():
        accept = NTRIPLES if re.search(r"^\s*(DESCRIBE|CONSTRUCT)", text, re.M) else JSON_RESULTS
        if name == "entity lookup":  # cold lookups go round the bodies
            paths = (sparql_path(text, endpoint),)
            cold_paths = tuple(sparql_path(lookup(b), endpoint) for b in dataset.bodies[:200])
            found.append(Workload(name, paths, accept, True))
            found.append(Workload(name + " (cold set)", cold_paths, accept, True))
            continue
        found.append(Workload(name, (sparql_path(text, endpoint),), accept, True))
    if pages:
        docs = tuple(f"/doc/organisation/{b}" for b in dataset.bodies[:200])
        found.append(Workload("dereference as HTML", docs, "text/html", False))
        found.append(Workload("dereference as Turtle", docs, "text/turtle", False))
    return found


# --- systems ------------------------------------------------------------------------------

def serve_ours(dataset: Dataset, workers: int = 2, store: str = "built"):
    port = free_port()
    env = {"S2S_STORE": store, "S2S_DIST_DIR": str(dataset.release),
           "S2S_WORKERS": str(workers)}
    command = [sys.executable, "-m", "s2s_graph", "--project-root", str(dataset.project),
               "serve", "--port", str(port)]
    return running(command, port, "/sparql?query=ASK%7B%7D", env=env)


def serve_minimal(dataset: Dataset):
    """The minimal endpoint has no time limit of its own: gunicorn's worker timeout, set to
    our query time limit, ends a runaway query as ours does (a query that takes minutes at
    3M would otherwise hold both workers through the cells after it), and ``--preload``
    has the replacement worker forked with the data already loaded, as ours is."""
    port = free_port()
    limit = str(int(Settings.query_time_limit_s))
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
               "--timeout", limit, "--preload", "--chdir", str(HERE), "--log-level", "warning",
               "minimal_endpoint:app"]
    return running(command, port, "/sparql?query=ASK%7B%7D",
                   env={"S2S_BENCH_DATA": str(dataset.ntriples)})


def serve_rdflib_endpoint(dataset: Dataset):
    port = free_port()
    command = [shutil.which("rdflib-endpoint") or "rdflib-endpoint", "serve",
               str(dataset.ntriples), "--host", "127.0.0.1", "--port", str(port)]
    return running(command, port, "/?query=ASK%7B%7D", timeout_s=3600)


class VirtuosoServer:
    """Virtuoso with the dataset bulk-loaded, as a context manager like ``running``."""

    def __init__(self, dataset: Dataset, folder: Path):
        self.dataset = dataset
        self.folder = folder

    def __enter__(self):
        import virtuoso

        started = time.perf_counter()
        self._context = virtuoso.running_virtuoso(self.folder, memory_mb=2048)
        server = self._context.__enter__()
        copy = self.folder / "data" / "dataset.nt"
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(self.dataset.ntriples, copy)
        server.bulk_load(copy, f"{BASE}id/dataset/benchmark")
        sampler = MemorySampler(server.process.pid)
        sampler.start()
        self.running = _Remote(server.http_port, time.perf_counter() - started, sampler)
        return self.running

    def __exit__(self, *exc):
        self.running.sampler.stop()
        self._context.__exit__(*exc)
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class _Remote:
    port: int
    startup_s: float
    sampler: MemorySampler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def peak_mib(self) -> float:
        return self.sampler.peak_kib / 1024


def in_process(dataset: Dataset, mix: dict[str, str], seconds: float, cap_s: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as queries:
        json.dump(mix, queries)
    try:
        done = subprocess.run([sys.executable, str(HERE / "inprocess.py"),
                               str(dataset.ntriples), queries.name, "--seconds", str(seconds),
                               "--cap", str(cap_s)],
                              capture_output=True, text=True, check=True)
    finally:
        os.unlink(queries.name)
    return json.loads(done.stdout)


# --- measuring ----------------------------------------------------------------------------

@dataclass
class Target:
    """A server under measure: its name in the report, its address, the process tree to let
    settle between runs (none: not ours to watch), and whether it serves our pages."""

    system: str
    url: str
    pid: int | None = None
    pages: bool = False
    sampler: MemorySampler | None = None  # sampling its memory only while it is measured


def measure(report: SizeReport, targets: list[Target], work: list[Workload], modes: list[str],
            concurrencies: list[int], seconds: float, feedback: Feedback,
            timeout_s: float = 30.0, rounds: int = 1) -> None:
    """Run each workload, in each mode, at each concurrency, on each target in turn,
    ``rounds`` times over; a cell's figures are the medians of its rounds.

    The targets' runs of one cell follow each other within seconds, so that their ratio
    compares like with like on a machine whose load drifts: run apart by half an hour, the
    same server's figures differed by half. Even so, one 2 s run is a poor sample here: the
    same code made 975 and 1,473 cold requests/s of one query in two benchmarks on one day.
    So the targets that are compared are run in turn several times, and the ratio is taken
    of their medians. Each target is let settle before every run, so that a slow query
    another target (or the last run) left running does not weigh on it."""
    cells = len(work) * len(modes) * len(concurrencies) * len(targets)
    advance = feedback.step(f"[{report.dataset.size}] " + " and ".join(t.system for t in targets),
                            total=cells * rounds)
    for workload in work:
        for mode in modes:
            taking = [t for t in targets if not _skipped(t, workload, mode)]
            advance((len(targets) - len(taking)) * len(concurrencies) * rounds)
            for target in taking:
                if target.system != "rdflib-endpoint":  # warm up (caches, connections)
                    _settle(targets, timeout_s)
                    _measuring(target, targets)
                    _warm_up(target, workload, mode, timeout_s)
            runs: dict[tuple[str, int], list[Figures]] = {}
            for _ in range(rounds):
                for concurrency in concurrencies:
                    for target in taking:
                        _settle(targets, timeout_s)
                        _measuring(target, targets)
                        runs.setdefault((target.system, concurrency), []).append(
                            _measure_one(target, workload, mode, concurrency, seconds,
                                         timeout_s))
                        advance(1)
            for (system, concurrency), figures in runs.items():
                report.results.append(Result(system, workload.name, mode, concurrency,
                                             median_figures(figures),
                                             tuple(figures) if rounds > 1 else ()))
    for target in targets:
        if target.sampler is not None:
            target.sampler.resume()


def _skipped(target: Target, workload: Workload, mode: str) -> bool:
    return mode == "repeated" and workload.name.endswith("(cold set)") or (
        not workload.query and not target.pages)


def _measuring(target: Target, targets: list[Target]) -> None:
    """Sample the memory of ``target`` only, while it is under load."""
    for other in targets:
        if other.sampler is not None and other is not target:
            other.sampler.pause()
    if target.sampler is not None:
        target.sampler.resume()


def median_figures(runs: list[Figures]) -> Figures:
    """One cell's figures from its runs: the median of each (throughput, p50, p99), and every
    error of any run, so that a cell is only ``ok`` if all its runs were."""
    if len(runs) == 1:
        return runs[0]
    middle = sorted(runs, key=lambda f: f.rps)[len(runs) // 2]
    return Figures(requests=middle.requests, seconds=middle.seconds,
                   rps=statistics.median(f.rps for f in runs),
                   p50_ms=statistics.median(f.p50_ms for f in runs),
                   p99_ms=statistics.median(f.p99_ms for f in runs),
                   errors=sum(f.errors for f in runs))


WARM_UP_ROUNDS = 10  # at most, of 1 s each


def _warm_up(target: Target, workload: Workload, mode: str, timeout_s: float) -> None:
    """Send the workload for 1 s; repeated, and with more than one path, send it again until
    one second has asked each path four times over (each server worker, then, has answered
    each path before). One path is answered, and kept, within the first second.

    At 300k, organisation pages (each with a distinct URL, so none from a cache) took 22 ms
    at p50 in fresh server workers, and 6.7 ms once each worker had rendered each once.
    The first renders of 200 pages in two workers took longer than one second of warm-up,
    and a repeated run of pages measured mostly those, not the cached answers it names:
    four 2 s runs in a row made 75, 169, 1,074 and 2,750 requests/s."""
    rounds = WARM_UP_ROUNDS if mode == "repeated" and len(workload.paths) > 1 else 1
    for _ in range(rounds):
        figures = loadgen.run(target.url, workload, cold=mode == "cold", concurrency=8,
                              seconds=1, timeout_s=timeout_s)
        if figures.requests >= 4 * len(workload.paths) * max(1, round(figures.seconds)):
            return


def _settle(targets: list[Target], timeout_s: float) -> None:
    for target in targets:
        if target.pid is not None:
            settle(target.pid, timeout_s)


def _measure_one(target: Target, workload: Workload, mode: str, concurrency: int,
                 seconds: float, timeout_s: float) -> Figures:
    figures = loadgen.run(target.url, workload, cold=mode == "cold", concurrency=concurrency,
                          seconds=seconds, timeout_s=timeout_s)
    if figures.requests == 0:  # too slow for any answer within the run
        figures = loadgen.once(target.url, workload, timeout_s, cold=mode == "cold")
    flag = "" if figures.ok else f"  ({figures.errors} errors)"
    say(f"  {target.system:16} {mode:8} c={concurrency}  {workload.name:40} "
        f"{figures.rps:9.1f} req/s  p50 {figures.p50_ms:8.2f} ms  "
        f"p99 {figures.p99_ms:8.2f} ms{flag}")
    return figures


def probe_one_by_one(report: SizeReport, dataset: Dataset, work: list[Workload], cap_s: float,
                     feedback: Feedback) -> None:
    """Time one cold request per query on rdflib-endpoint (c=1): at the synthetic sizes its
    engine takes seconds to minutes a query, so a wrk run would only queue work. The server
    is restarted after an answer that did not come within ``cap_s``, so that the request
    still running does not delay the next. Its engine holds the interpreter lock, so more
    connections would not add throughput."""
    advance = feedback.step(f"[{dataset.size}] rdflib-endpoint, one request each",
                            total=len(work))
    context = server = None
    try:
        for workload in work:
            if server is None:
                context = serve_rdflib_endpoint(dataset)
                server = context.__enter__()
                report.startup.setdefault("rdflib-endpoint", server.startup_s)
            figures = loadgen.once(server.url, workload, cap_s, cold=True)
            report.results.append(Result("rdflib-endpoint", workload.name, "cold", 1, figures))
            say(f"  {'rdflib-endpoint':16} cold     c=1  {workload.name:40} "
                + (f"{figures.p50_ms:9.1f} ms (one request)" if figures.ok
                   else f"no answer within {cap_s:g} s"))
            report.peak_mib["rdflib-endpoint"] = max(report.peak_mib.get("rdflib-endpoint", 0),
                                                     server.peak_mib)
            if not figures.ok:
                context.__exit__(None, None, None)
                context = server = None
            advance(1)
    finally:
        if context is not None:
            context.__exit__(None, None, None)
    report.notes.append("rdflib-endpoint: one cold request per query at c=1 (see "
                        "probe_one_by_one); its figures stand in the c=8 columns.")


def run_size(size: str, args, feedback: Feedback) -> SizeReport:
    dataset = prepare(size, args.work, args.seed)
    report = SizeReport(dataset)
    if dataset.build_s is not None:
        say(f"[{size}] built {dataset.triples} triples in {dataset.build_s:.1f} s, "
            f"peak {dataset.build_peak_mib:.0f} MiB")
    mix = query_mix(dataset)
    say(f"[{size}] {dataset.triples} triples; pyoxigraph in process...")
    report.inprocess = in_process(dataset, mix, args.inprocess_seconds, args.slow_cap)
    if report.inprocess.get("over_cap"):
        report.notes.append(f"pyoxigraph in process: no answer within {args.slow_cap:g} s for "
                            + ", ".join(report.inprocess["over_cap"]))
    report.peak_mib["pyoxigraph in process"] = report.inprocess["peak_mib"]
    report.startup["pyoxigraph in process (load)"] = report.inprocess["load_s"]
    ours = workloads(dataset, mix)
    queries_only = [w for w in ours if w.query]
    concurrencies = [1, 8]

    # Ours and the minimal endpoint are up together, and each cell is run on one, then
    # the other (``measure``).
    with serve_ours(dataset) as server, serve_minimal(dataset) as minimal:
        report.startup["ours (built release in memory)"] = server.startup_s
        report.startup["minimal Flask + pyoxigraph"] = minimal.startup_s
        pair = [Target("ours", server.url, server.process.pid, pages=True,
                       sampler=server.sampler),
                Target("minimal", minimal.url, minimal.process.pid, sampler=minimal.sampler)]
        # Cold, where the bound on overhead is tightest, each cell is run several times.
        measure(report, pair, ours, ["cold"], concurrencies, args.seconds, feedback,
                rounds=args.rounds)
        measure(report, pair, ours, ["repeated"], concurrencies, args.seconds, feedback)
        if args.rounds > 1:
            report.notes.append(
                f"ours and the minimal endpoint, cold: each figure is the median of "
                f"{args.rounds} runs, the two taking turns (measure); the column 'each round' "
                "gives the lowest and highest ratio of one round's pair of runs at c=8")
        report.peak_mib["ours (built release in memory)"] = server.peak_mib
        report.peak_mib["minimal Flask + pyoxigraph"] = minimal.peak_mib
    with serve_ours(dataset) as server:
        # The in-process reference runs one query at a time; this is the same load on ours.
        for workload in queries_only:
            loadgen.once(server.url, workload, 30.0)
        report.peak_mib[SEQUENTIAL] = server.peak_mib
    floor = report.get("ours", "ASK {} (HTTP floor)", "cold", 1)
    report.floor_ms = floor.p50_ms if floor else math.nan
    with serve_ours(dataset, store="disk") as server:
        report.startup["ours (on-disk store)"] = server.startup_s
        measure(report, [Target("ours disk", server.url, server.process.pid)], queries_only,
                ["cold"], [8], args.seconds, feedback)
        report.peak_mib["ours (on-disk store)"] = server.peak_mib

    if size in args.workers_at:
        for workers in (1, 2):
            with serve_ours(dataset, workers) as server:
                measure(report, [Target(f"ours {workers}w", server.url, server.process.pid)],
                        queries_only, ["repeated"], [8], args.seconds, feedback)
        report.workers = worker_scaling(report, [w.name for w in queries_only])

    if "rdflib-endpoint" not in args.skip:
        peer = workloads(dataset, mix, endpoint="/", pages=False)
        if size == "real":
            with serve_rdflib_endpoint(dataset) as server:
                report.startup["rdflib-endpoint"] = server.startup_s
                measure(report, [Target("rdflib-endpoint", server.url, server.process.pid)],
                        peer, ["cold"], concurrencies, args.seconds, feedback,
                        timeout_s=args.slow_cap)
                report.peak_mib["rdflib-endpoint"] = server.peak_mib
        else:
            probe_one_by_one(report, dataset, peer, args.slow_cap, feedback)

    if "virtuoso" not in args.skip:
        import virtuoso

        if virtuoso.available():
            with VirtuosoServer(dataset, args.work / f"virtuoso-{size}") as server:
                report.startup["Virtuoso (start + bulk load)"] = server.startup_s
                measure(report, [Target("virtuoso", server.url, server.sampler.pid)],
                        queries_only, ["cold", "repeated"], concurrencies, args.seconds,
                        feedback)
                report.peak_mib["Virtuoso"] = server.peak_mib
        else:
            report.notes.append("Virtuoso is not installed (bench/install-bench-tools); "
                                "its figures are missing.")
    return report


# --- reporting ----------------------------------------------------------------------------

OVERHEAD_BOUND = 0.7  # the least share of the minimal endpoint's throughput to keep, cold
MIN_REQUESTS = 10  # fewer in a run: it timed one computation, not a server's throughput


def worker_scaling(report: SizeReport, names: list[str]) -> dict[int, float]:
    """The geometric mean throughput of 1 and 2 workers on the repeated mix, over the queries
    both answered at least ``MIN_REQUESTS`` times. A query near its time limit is answered
    in one run and not in the other, or once, by its first computation, before the cache
    holds it; counted on one side only, it moved the ratio by a factor of three."""
    both = []
    for name in names:
        one = report.get("ours 1w", name, "repeated", 8)
        two = report.get("ours 2w", name, "repeated", 8)
        if all(f is not None and f.ok and f.requests >= MIN_REQUESTS for f in (one, two)):
            both.append((one.rps, two.rps))
    if not both:
        return {}
    return {workers: statistics.geometric_mean(pair[workers - 1] for pair in both)
            for workers in (1, 2)}

def ratio(ours: Figures | None, other: Figures | None) -> float:
    if ours is None or other is None or not other.rps:
        return math.nan
    if not other.ok:  # it answered nothing in time: count one request in the run
        return ours.rps / (1 / other.seconds) if other.seconds else math.nan
    return ours.rps / other.rps


def mix_ratio(report: SizeReport, other: str, mode: str = "cold") -> float:
    """Ours over ``other`` on the whole query mix at c=8, each query asked equally often.

    One round of the mix takes the sum of each query's time, 1/rps, so the mix's throughput
    is n / sum(1/rps). A query ``other`` answered none of in its run counts as one request in
    the run, which is more than it made. Where ``other`` has no c=8 figure, its c=1 figure
    stands in, as in the table."""
    ours_s, other_s = 0.0, 0.0
    for name in dict.fromkeys(r.workload for r in report.results if r.system == "ours"):
        mine = report.get("ours", name, mode, 8)
        theirs = report.get(other, name, mode, 8) or report.get(other, name, mode, 1)
        if mine is None or not mine.rps or theirs is None:
            continue
        rate = theirs.rps if theirs.ok else 1 / theirs.seconds if theirs.seconds else 0
        if not rate:
            continue
        ours_s += 1 / mine.rps
        other_s += 1 / rate
    return other_s / ours_s if ours_s else math.nan


def fmt(value: float, digits: int = 1) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else \
        f"{value:,.{digits}f}"


def table(report: SizeReport) -> str:
    d = report.dataset
    lines = [f"## {d.size}: {d.triples:,} triples", ""]
    if d.build_s is not None:
        lines.append(f"- build (load, validate every triple, write the release): "
                     f"{d.build_s:.1f} s, peak {d.build_peak_mib:.0f} MiB")
    lines.append(f"- HTTP floor (ASK {{}} on our server, cold, c=1): p50 {report.floor_ms:.2f} ms")
    minimal_floor = report.get("minimal", "ASK {} (HTTP floor)", "cold", 1)
    if minimal_floor is not None:
        checked = [_within_bound(report, n, "minimal") for n in _names(report)]
        checked = [w for w in checked if w is not None]
        lines.append(f"- HTTP floor of the minimal endpoint: p50 {minimal_floor.p50_ms:.2f} ms; "
                     f"its cold p50 at c=1 is within 1.3 × pyoxigraph + that floor on "
                     f"{sum(checked)} of {len(checked)} queries")
    for name, seconds in report.startup.items():
        lines.append(f"- start-up, {name}: {seconds:.2f} s")
    for name, mib in report.peak_mib.items():
        lines.append(f"- peak memory, {name}: {mib:.0f} MiB")
    if report.workers:
        lines.append(f"- ours, repeated mix at c=8, geometric mean throughput over the queries "
                     f"answered {MIN_REQUESTS} times or more by both: 1 worker "
                     f"{report.workers.get(1, 0):.0f} req/s, 2 workers "
                     f"{report.workers.get(2, 0):.0f} req/s "
                     f"(x{report.workers.get(2, 0) / max(report.workers.get(1, 1), 1e-9):.2f})")
    for other, mode in (("rdflib-endpoint", "cold"), ("minimal", "cold"),
                        ("virtuoso", "repeated")):
        mixed = mix_ratio(report, other, mode)
        if not math.isnan(mixed):
            lines.append(f"- ours/{other} on the whole mix, {mode}, c=8, each query an equal "
                         f"share: {mixed:,.2f}")
    lines += [f"- note: {n}" for n in report.notes]
    lines += ["", "| query | ours cold c=1 p50 ms | pyoxigraph p50 ms | ≤1.3×pyox+floor | "
              "ours cold c=8 req/s | p99 ms | minimal cold c=8 | ours/minimal cold | "
              "each round | "
              "rdflib-endpoint c=8 | ours/rdflib-ep | ours repeated c=8 req/s | p99 ms | "
              "minimal repeated c=8 | ours/minimal repeated | Virtuoso repeated c=8 | "
              "ours/Virtuoso | ours on-disk cold c=8 |", "|" + "---|" * 18]
    names = list(dict.fromkeys(r.workload for r in report.results if r.system == "ours"))
    for name in names:
        cold1 = report.get("ours", name, "cold", 1)
        cold8 = report.get("ours", name, "cold", 8)
        rep8 = report.get("ours", name, "repeated", 8)
        pyox = report.inprocess.get("queries", {}).get(name.replace(" (cold set)", ""))
        within = {None: "-", True: "yes", False: "no"}[_within_bound(report, name)]
        minimal8 = report.get("minimal", name, "cold", 8)
        minimal_rep = report.get("minimal", name, "repeated", 8)
        rdflib8 = report.get("rdflib-endpoint", name, "cold", 8) or \
            report.get("rdflib-endpoint", name, "cold", 1)
        virtuoso8 = report.get("virtuoso", name, "repeated", 8)
        disk8 = report.get("ours disk", name, "cold", 8)
        lines.append("| " + " | ".join([
            name, fmt(cold1.p50_ms if cold1 else math.nan, 2),
            fmt(pyox["p50_ms"] if pyox else math.nan, 2), within,
            fmt(cold8.rps if cold8 else math.nan), fmt(cold8.p99_ms if cold8 else math.nan),
            fmt(minimal8.rps if minimal8 else math.nan), fmt(ratio(cold8, minimal8), 2),
            _round_range(report, name),
            fmt(rdflib8.rps if rdflib8 and rdflib8.ok else math.nan)
            + ("" if not rdflib8 or rdflib8.ok else " (none in time)"),
            fmt(ratio(cold8, rdflib8), 1), fmt(rep8.rps if rep8 else math.nan),
            fmt(rep8.p99_ms if rep8 else math.nan),
            fmt(minimal_rep.rps if minimal_rep else math.nan),
            fmt(ratio(rep8, minimal_rep), 2), fmt(virtuoso8.rps if virtuoso8 else math.nan),
            fmt(ratio(rep8, virtuoso8), 2),
            fmt(disk8.rps if disk8 else math.nan)]) + " |")
    errors = [r for r in report.results if not r.figures.ok and r.system != "rdflib-endpoint"]
    if errors:
        lines += ["", "Runs with errors: " + "; ".join(
            f"{r.system} {r.workload} {r.mode} c={r.concurrency}: {r.figures.errors}"
            for r in errors)]
    return "\n".join(lines) + "\n"


def _round_range(report: SizeReport, name: str) -> str:
    """The lowest and highest ratio of ours to the minimal endpoint in one round, cold, c=8."""
    mine = next((r.runs for r in report.results
                 if (r.system, r.workload, r.mode, r.concurrency) == ("ours", name, "cold", 8)), ())
    theirs = next((r.runs for r in report.results if (r.system, r.workload, r.mode,
                   r.concurrency) == ("minimal", name, "cold", 8)), ())
    ratios = [ratio(a, b) for a, b in zip(mine, theirs)]
    ratios = [r for r in ratios if not math.isnan(r)]
    return f"{min(ratios):.2f}–{max(ratios):.2f}" if ratios else "-"


def summary(report: SizeReport) -> str:
    """One line: the targets at this size."""
    names = [n for n in dict.fromkeys(r.workload for r in report.results if r.system == "ours")
             if report.get("minimal", n, "cold", 8)]

    def ratios(other: str, mode: str) -> list[float]:
        found = [ratio(report.get("ours", n, mode, 8), report.get(other, n, mode, 8)
                       or report.get(other, n, mode, 1)) for n in names]
        return [r for r in found if not math.isnan(r)]

    def worst(other: str, mode: str) -> float:
        return min(ratios(other, mode), default=math.nan)

    cold = ratios("minimal", "cold")

    within = [_within_bound(report, n) for n in names]
    within = [w for w in within if w is not None]
    # The same bound for the minimal endpoint, against its own floor: what a request of each
    # query costs over HTTP beyond ASK {} (a longer request, a longer answer) counts in it.
    reference = [_within_bound(report, n, "minimal") for n in _names(report)]
    reference = [w for w in reference if w is not None]
    pyox = report.peak_mib.get("pyoxigraph in process", math.nan)
    loaded = report.peak_mib.get("ours (built release in memory)", math.nan) / pyox
    sequential = report.peak_mib.get(SEQUENTIAL, math.nan) / pyox
    return (f"{report.dataset.size}: ours/minimal cold at least {OVERHEAD_BOUND} on "
            f"{sum(r >= OVERHEAD_BOUND for r in cold)}/{len(cold)} queries, "
            f"worst cold {fmt(worst('minimal', 'cold'), 2)}"
            f", repeated {fmt(worst('minimal', 'repeated'), 2)}; "
            f"ours/rdflib-endpoint worst cold {fmt(worst('rdflib-endpoint', 'cold'), 1)}, "
            f"on the whole mix {fmt(mix_ratio(report, 'rdflib-endpoint'), 1)}; "
            f"ours/Virtuoso worst repeated {fmt(worst('virtuoso', 'repeated'), 2)}; "
            f"cold p50 within 1.3 x pyoxigraph + floor: {sum(within)}/{len(within)} "
            f"(the minimal endpoint, with its own floor: {sum(reference)}/{len(reference)}); "
            f"peak memory ours/pyoxigraph {fmt(sequential, 2)} one query at a time, "
            f"{fmt(loaded, 2)} over the whole run")


def _names(report: SizeReport) -> list[str]:
    return list(dict.fromkeys(r.workload for r in report.results if r.system == "ours"))


def _within_bound(report: SizeReport, name: str, system: str = "ours") -> bool | None:
    """Whether ``system``'s cold p50 at c=1 is within 1.3 times pyoxigraph's in process plus
    its own HTTP floor, its p50 for ``ASK {}`` (None where a figure is missing)."""
    cold1 = report.get(system, name, "cold", 1)
    pyox = report.inprocess.get("queries", {}).get(name.replace(" (cold set)", ""))
    floor = report.get(system, "ASK {} (HTTP floor)", "cold", 1)
    if cold1 is None or pyox is None or floor is None:
        return None
    return cold1.p50_ms <= pyox["p50_ms"] * 1.3 + floor.p50_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="real,30k,300k,3M")
    parser.add_argument("--seconds", type=float, default=3.0, help="per wrk run")
    parser.add_argument("--inprocess-seconds", type=float, default=1.0)
    parser.add_argument("--slow-cap", type=float, default=60.0,
                        help="longest wait for one answer from rdflib-endpoint, and for "
                             "one query of pyoxigraph in process")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each cell on ours and the minimal endpoint, in turn; "
                             "the medians are compared")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", default="", help="comma-separated: rdflib-endpoint,virtuoso")
    parser.add_argument("--workers-at", default="real,300k",
                        help="sizes at which to compare 1 and 2 gunicorn workers")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "s2s-bench")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "compare.md")
    args = parser.parse_args()
    args.skip = set(filter(None, args.skip.split(",")))
    args.workers_at = set(filter(None, args.workers_at.split(",")))
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown sizes {unknown}; choose from {', '.join(SIZES)}")
    if not loadgen.available():
        sys.exit("wrk is missing: run bench/install-bench-tools")
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    sections, lines = [], []
    with Feedback(unit="runs") as feedback:
        for size in sizes:
            report = run_size(size, args, feedback)
            sections.append(table(report))
            lines.append(summary(report))
            say(sections[-1])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    args.out.write_text(f"# s2s-graph against its peers ({stamp}, {os.cpu_count()} cores, "
                        f"wrk {args.seconds:g} s per run)\n\n" + "\n".join(sections)
                        + "\n## Summary\n\n" + "\n".join(f"- {line}" for line in lines) + "\n",
                        encoding="utf-8")
    say(f"Benchmarked {len(sizes)} sizes in {(time.perf_counter() - started) / 60:.1f} min; "
        f"table in {args.out}. " + " | ".join(lines))


if __name__ == "__main__":
    main()
