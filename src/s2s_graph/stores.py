"""Where SPARQL runs: one small interface over the stores a release can be served from.

- ``OxigraphStore``: Oxigraph embedded, in memory (loaded from the validated build) or on
  disk (the store ``build`` writes, opened read-only, so start-up does not grow with size);
- ``RemoteStore``: any SPARQL 1.1 endpoint that already holds the graph (Virtuoso, Fuseki,
  GraphDB, QLever...), spoken to over the SPARQL 1.1 Protocol.

Internal queries (``select``, ``construct``) come from our own code and run directly. User
queries (``answer``) run under the time and row limits: in killable worker processes for
Oxigraph (or, for a query whose shape has cost little, in the server worker's own thread:
``s2s_graph.query_costs``), under an HTTP time-out for a remote store. Results are always
serialised by Oxigraph, so every backend answers in exactly the same formats. No Flask here.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import threading
import time
import urllib.parse
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import pyoxigraph
from rdflib import Graph
from rdflib.namespace import XSD
from rdflib.plugins.stores.memory import SimpleMemory

from s2s_graph.answers import QueryAnswer, write_answer
from s2s_graph.errors import (
    Busy,
    LoadError,
    QueryError,
    RemoteStoreError,
    RemoteStoreTimeout,
    TimeLimitExceeded,
    UnsupportedFormat,
)
from s2s_graph.query_costs import QueryCosts
from s2s_graph.slots import Slots, cores
from s2s_graph.sources import to_rdflib
from s2s_graph.sparql import (
    QueryResult,
    QueryState,
    answer_query,
    check_query,
    materialise,
    names_dataset,
    query_form,
    query_shape,
    query_state,
    query_state_from_file,
    query_state_from_path,
    run_query,
    timed_answer_query,
)
from s2s_graph.workers import ProcessLocalPool


class InlineWatch(Protocol):
    """What answers for a thread whose query runs past its time limit
    (``s2s_graph.web.inline_watch``)."""

    def watching(self, time_limit_s: float) -> AbstractContextManager:
        """Watch the calling thread's query for ``time_limit_s``."""


class GraphStore(Protocol):
    """What the rest of the code needs from a store."""

    kind: str

    def select(self, query: str) -> list[tuple]:
        """Run an internal SELECT; return rows of rdflib terms (None where unbound)."""

    def select_values(self, query: str) -> list[tuple]:
        """Run an internal SELECT; return rows of plain values (``plain_value``): for long
        results read only to be ordered or counted, as rdflib terms cost more than the query."""

    def construct(self, query: str) -> Graph:
        """Run an internal CONSTRUCT or DESCRIBE; return the graph."""

    def answer(self, query: str, format_name: str, default_graph_uris: tuple[str, ...],
               named_graph_uris: tuple[str, ...], max_rows: int, page_rows: int,
               prefixes: dict[str, str], time_limit_s: float, wait_s: float,
               abandoned=None) -> QueryAnswer:
        """Run a user's query, already checked (``check_query``), under the limits; serialise
        it in ``format_name``. Where the store can, it stops once ``abandoned()`` says the
        client has gone."""

    def prepare(self, watch: InlineWatch | None = None) -> None:
        """Start what the store needs before the first query (worker processes). With
        ``watch`` (a server worker's), user queries known to be cheap may run in the calling
        thread, under that watch."""

    def guard_with(self, guard) -> None:
        """Run the store's worker processes (if any) under the sandbox guard."""

    def connections(self) -> tuple[tuple[str, int], ...]:
        """Return the (host, port) pairs the store connects to (none for an embedded one)."""

    def close(self) -> None:
        """Let go of processes and files."""


def _rows(result: QueryResult) -> list[tuple]:
    return [tuple(to_rdflib(t) if t is not None else None for t in row) for row in result.rows]


# How a numeric literal's text becomes a number, by datatype.
_NUMBERS: dict[str, type] = {
    **{str(XSD[name]): int for name in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte")},
    str(XSD.decimal): Decimal, str(XSD.double): float, str(XSD.float): float}


def plain_value(term) -> str | int | float | Decimal | None:
    """An Oxigraph term as a plain value: a number for a numeric literal, else the text of
    the IRI, blank node or literal (its language and datatype dropped); None if unbound."""
    if term is None:
        return None
    if isinstance(term, pyoxigraph.Literal):
        number = _NUMBERS.get(term.datatype.value)
        if number is not None:
            try:
                return number(term.value)
            except (ValueError, ArithmeticError):  # ill-typed: kept as its text
                pass
    return term.value


def _values(result: QueryResult) -> list[tuple]:
    return [tuple(plain_value(t) for t in row) for row in result.rows]


TSV = pyoxigraph.QueryResultsFormat.TSV
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'",
            "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), text)


def _tsv_value(cell: str) -> str | int | float | Decimal | None:
    """``plain_value`` of one term as SPARQL TSV writes it (Turtle syntax; numbers bare)."""
    if not cell:
        return None
    first = cell[0]
    if first == "<":
        return cell[1:-1]
    if first == '"':
        end = cell.rindex('"')
        text = cell[1:end]
        if "\\" in text:
            text = _unescape(text)
        if cell.startswith("^^", end + 1):
            number = _NUMBERS.get(cell[end + 4:-1])
            if number is not None:
                try:
                    return number(text)
                except (ValueError, ArithmeticError):  # ill-typed: kept as its text
                    pass
        return text
    if first == "_":
        return cell[2:]
    if cell in ("true", "false"):
        return cell
    try:
        return float(cell) if "e" in cell or "E" in cell else \
            Decimal(cell) if "." in cell else int(cell)
    except (ValueError, ArithmeticError):
        return cell


def _solutions_values(result: pyoxigraph.QuerySolutions) -> list[tuple]:
    """Read a SELECT result as rows of plain values, through Oxigraph's TSV writer: at 336k
    rows, making an Oxigraph term of each value and reading it took twice as long as the
    query itself; splitting the text takes a quarter of that."""
    lines = result.serialize(format=TSV).decode("utf-8").split("\n")
    return [tuple(map(_tsv_value, line.split("\t"))) for line in lines[1:-1]]


def _graph(result: QueryResult) -> Graph:
    """Read triples into an rdflib graph for pages. SimpleMemory (no named graphs, which a
    page never needs) adds triples 2.6 times faster than rdflib's default store, and most
    terms repeat, so each is converted once: a document with 2,000 triples took 62 ms."""
    graph = Graph(store=SimpleMemory())
    terms: dict = {}

    def term(node):
        found = terms.get(node)
        if found is None:
            found = terms[node] = to_rdflib(node)
        return found

    for triple in result.triples:
        graph.add((term(triple.subject), term(triple.predicate), term(triple.object)))
    return graph


class OxigraphStore:
    """Oxigraph embedded: in memory, or on disk opened read-only (once per process).

    In memory, the store is loaded once in the process that creates this object; server
    workers forked from it share it, and so do their query workers, the first ones and those
    that replace one that was killed, all forked by a spawner each server worker forks when
    it starts (``prepare``). Only where that fork is not safe (a process that already runs
    threads) do query workers load their own copy from the N-Quads file.
    """

    def __init__(self, base_iri: str, *, memory: pyoxigraph.Store | None = None,
                 path: str | None = None, pool: ProcessLocalPool | None = None,
                 slots: Slots | None = None):
        self.kind = "memory" if memory is not None else "disk"
        self.base_iri = base_iri
        self.path = path
        self._memory = memory
        self.pool = pool if pool is not None else ProcessLocalPool(0, query_state, (base_iri,))
        self._opened: tuple[int, pyoxigraph.Store] | None = None
        self._lock = threading.Lock()
        self.costs = QueryCosts()
        self._slots = slots  # for long queries, shared with the processes forked from here
        self._watch: tuple[int, InlineWatch] | None = None  # set in a server worker
        # What a query run in this process reads, made once for the in-memory store.
        self._memory_state = QueryState(memory, base_iri) if memory is not None else None

    @classmethod
    def in_memory(cls, base_iri: str, nquads_path: str, workers: int = 2) -> OxigraphStore:
        """Load an N-Quads file (named graphs kept) into memory, here."""
        store = pyoxigraph.Store()
        store.load(path=nquads_path, format=pyoxigraph.RdfFormat.N_QUADS)
        return cls(base_iri, memory=store, pool=ProcessLocalPool(
            workers, query_state_from_file, (base_iri, nquads_path)), slots=Slots(cores()))

    @classmethod
    def on_disk(cls, base_iri: str, path: str, workers: int = 2) -> OxigraphStore:
        """Open an on-disk store read-only (in each process that queries it)."""
        return cls(base_iri, path=path, pool=ProcessLocalPool(
            workers, query_state_from_path, (base_iri, path)), slots=Slots(cores()))

    @classmethod
    def wrapping(cls, base_iri: str, store: pyoxigraph.Store) -> OxigraphStore:
        """Wrap an in-memory store for internal queries only (no query workers)."""
        return cls(base_iri, memory=store)

    @property
    def store(self) -> pyoxigraph.Store:
        """The Oxigraph store of this process (an on-disk one is opened after any fork)."""
        if self._memory is not None:
            return self._memory
        with self._lock:
            if self._opened is None or self._opened[0] != os.getpid():
                self._opened = (os.getpid(), pyoxigraph.Store.read_only(self.path))
            return self._opened[1]

    def select(self, query: str) -> list[tuple]:
        return _rows(run_query(self.store, query, self.base_iri, checked=True))

    def select_values(self, query: str) -> list[tuple]:
        return run_query(self.store, query, self.base_iri, checked=True, then=_solutions_values)

    def construct(self, query: str) -> Graph:
        return _graph(run_query(self.store, query, self.base_iri, checked=True))

    def answer(self, query, format_name, default_graph_uris, named_graph_uris, max_rows,
               page_rows, prefixes, time_limit_s, wait_s, abandoned=None) -> QueryAnswer:
        """Run the query here if its shape has lately been cheap and a watch is set, else in
        a query worker, after taking a slot if its shape has lately been long (the wait counts
        against its time limit); note what it cost either way."""
        args = (query, format_name, default_graph_uris, named_graph_uris, max_rows, page_rows,
                prefixes)
        key = (query_shape(query), format_name, default_graph_uris, named_graph_uris, max_rows)
        watch = self._watch
        if watch is not None and watch[0] == os.getpid() and self.costs.cheap(key):
            started = time.perf_counter()
            with watch[1].watching(time_limit_s):
                answer = answer_query(self._memory_state or QueryState(self.store, self.base_iri),
                                      *args, cheap=True)
            # In memory, a query's work is its CPU time: the wall time in a server thread
            # also counts its waits for the interpreter lock while the other threads answer
            # their requests, and under load that sent cheap shapes to the query workers.
            # On disk, a query may wait for the disk too, and that counts.
            self.costs.record(key, answer.cost_s if self._memory is not None
                              else time.perf_counter() - started)
            return answer
        started = time.perf_counter()
        try:
            if self._slots is not None and self.costs.maybe_long(key):
                with self._slots.held(min(wait_s, time_limit_s / 2), abandoned) as waited:
                    answer, seconds = self.pool.get().run(
                        "The query", timed_answer_query, args,
                        time_limit_s=time_limit_s - waited, wait_s=wait_s, abandoned=abandoned)
            else:
                answer, seconds = self.pool.get().run(
                    "The query", timed_answer_query, args, time_limit_s=time_limit_s,
                    wait_s=wait_s, abandoned=abandoned)
        except TimeLimitExceeded as error:
            self.costs.record(key, time_limit_s)  # at least that long
            # the request's limit, of which the wait for a slot took part
            raise TimeLimitExceeded(error.what, time_limit_s) from None
        except (QueryError, UnsupportedFormat):
            # It could not run: its shape costs what saying so took, and the next query of
            # it is told at once rather than after waiting for a slot.
            self.costs.record(key, time.perf_counter() - started)
            raise
        self.costs.record(key, seconds)
        return answer

    def prepare(self, watch: InlineWatch | None = None) -> None:
        """Start the query workers; in memory, forked from here so that they share the store
        (called where no other thread runs yet: a server worker that has just started)."""
        if watch is not None:
            self._watch = (os.getpid(), watch)
        if self._memory is not None:
            memory, base = self._memory, self.base_iri
            self.pool.prepare_by_fork(lambda: QueryState(memory, base))
        else:
            self.pool.get()

    def guard_with(self, guard) -> None:
        self.pool.guard = guard

    def connections(self) -> tuple[tuple[str, int], ...]:
        return ()

    def close(self) -> None:
        self.pool.close()
        if self._slots is not None:
            self._slots.close()


@dataclass(frozen=True)
class _Endpoint:
    scheme: str
    host: str
    port: int
    path: str


class RemoteStore:
    """A SPARQL 1.1 endpoint elsewhere that already holds the release's graphs.

    Queries go by POST as a form (SPARQL 1.1 Protocol §2.1.2, which every server takes;
    Virtuoso 7.2 hangs on an ``application/sparql-query`` body) with a time-out; results come back as
    SPARQL JSON or N-Triples and are re-serialised here, so answers do not depend on the
    remote server's own writers. Down is 502, slow is 504, never a hang.
    """

    kind = "remote"

    def __init__(self, endpoint: str, base_iri: str, graphs: tuple[str, ...], *,
                 timeout_s: float = 30.0, concurrency: int = 8):
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL of a SPARQL endpoint: {endpoint!r}")
        self.endpoint = endpoint
        self._target = _Endpoint(parts.scheme, parts.hostname,
                                 parts.port or (443 if parts.scheme == "https" else 80),
                                 (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        self.base_iri = base_iri
        self.graphs = graphs
        # The release's own dataset: the union of its graphs as the default graph, and its
        # graphs as the named ones, as the embedded stores answer (whatever else the remote
        # store holds stays out of the answers).
        self._dataset = tuple(("default-graph-uri", g) for g in graphs) + tuple(
            ("named-graph-uri", g) for g in graphs)
        self.timeout_s = timeout_s
        self._parser = pyoxigraph.Store()  # empty: parses and runs at once
        self._slots = threading.BoundedSemaphore(concurrency)

    @property
    def address(self) -> tuple[str, int]:
        return self._target.host, self._target.port

    def _post(self, query: str, accept: str, timeout_s: float,
              dataset: tuple[tuple[str, str], ...] = ()) -> bytes:
        """POST a query and its dataset as a form; return the body.

        :raises RemoteStoreError: the store is down or failed (502).
        :raises RemoteStoreTimeout: the store did not answer in time (504).
        """
        target = self._target
        connection_type = http.client.HTTPSConnection if target.scheme == "https" \
            else http.client.HTTPConnection
        connection = connection_type(target.host, target.port, timeout=timeout_s)
        form = urllib.parse.urlencode((("query", query), *dataset)).encode("ascii")
        try:
            connection.request("POST", target.path, body=form,
                               headers={"Content-Type": "application/x-www-form-urlencoded",
                                        "Accept": accept})
            response = connection.getresponse()
            body = response.read()
        except (socket.timeout, TimeoutError):
            raise RemoteStoreTimeout(f"the SPARQL store at {self.endpoint} did not answer "
                                     f"within {timeout_s:g} s") from None
        except OSError as error:
            raise RemoteStoreError(f"the SPARQL store at {self.endpoint} cannot be reached "
                                   f"({error.strerror or error})") from None
        finally:
            connection.close()
        if response.status == 400:
            raise QueryError(f"the SPARQL store refused the query: "
                             f"{body.decode('utf-8', 'replace').strip()[:500]}")
        if response.status != 200:
            raise RemoteStoreError(f"the SPARQL store at {self.endpoint} answered "
                                   f"{response.status} {response.reason}")
        if response.getheader("X-SQL-State"):
            # Virtuoso's "anytime" answers: partial results, cut at its own time limit.
            raise RemoteStoreTimeout(f"the SPARQL store at {self.endpoint} gave only part of "
                                     f"the answer ({response.getheader('X-SQL-Message', '')})")
        return body

    def _fetch(self, query: str, form: str, timeout_s: float,
               dataset: tuple[tuple[str, str], ...] = ()):
        """Send a checked query with BASE set; return its answer parsed by Oxigraph
        (``QueryBoolean``, ``QuerySolutions``, or a list of triples).

        With no dataset given (by the protocol or by ``FROM`` in the query), the query runs
        on the release's own dataset.
        """
        check_query(query)
        # Parsed here first, so that a mistake is reported with line and column as the
        # embedded stores report it, whatever the remote store's own messages are like.
        run_query(self._parser, query, self.base_iri, then=lambda result: None)
        if not dataset and not names_dataset(query):
            dataset = self._dataset
        text = f"BASE <{self.base_iri}>\n{query}"
        if form == "graph":
            body = self._post(text, "application/n-triples", timeout_s, dataset)
            try:
                return list(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.N_TRIPLES))
            except SyntaxError as error:
                raise RemoteStoreError(f"the SPARQL store answered something that is not "
                                       f"N-Triples: {error}") from None
        body = self._post(text, "application/sparql-results+json", timeout_s, dataset)
        try:
            return pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.JSON)
        except SyntaxError as error:
            raise RemoteStoreError(f"the SPARQL store answered something that is not SPARQL "
                                   f"JSON results: {error}") from None

    def _run(self, query: str, form: str, timeout_s: float) -> QueryResult:
        return materialise(self._fetch(query, form, timeout_s))

    def select(self, query: str) -> list[tuple]:
        return _rows(self._run(query, "select", self.timeout_s))

    def select_values(self, query: str) -> list[tuple]:
        return _values(self._run(query, "select", self.timeout_s))

    def construct(self, query: str) -> Graph:
        return _graph(self._run(query, "graph", self.timeout_s))

    def answer(self, query, format_name, default_graph_uris, named_graph_uris, max_rows,
               page_rows, prefixes, time_limit_s, wait_s, abandoned=None) -> QueryAnswer:
        # ``abandoned`` is not asked: the HTTP time-out bounds the wait.
        if not self._slots.acquire(timeout=wait_s):
            raise Busy("every connection to the SPARQL store is busy; try again in a few seconds")
        dataset = tuple(("default-graph-uri", u) for u in default_graph_uris) + tuple(
            ("named-graph-uri", u) for u in named_graph_uris)
        started = time.perf_counter()
        try:
            result = self._fetch(query, query_form(query), time_limit_s, dataset)
        finally:
            self._slots.release()
        answer = write_answer(result, format_name, max_rows, page_rows, prefixes)
        return answer.costing(time.perf_counter() - started)

    def prepare(self, watch: InlineWatch | None = None) -> None:
        pass

    def check_holds(self, graph_triples: dict[str, int]) -> None:
        """Check that the store holds the release: as many triples in each of its graphs.

        :raises LoadError: it holds something else (push the release with ``build --push``).
        :raises RemoteStoreError, RemoteStoreTimeout: it cannot be asked.
        """
        for graph, expected in graph_triples.items():
            rows = self._run(f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}",
                             "select", self.timeout_s).rows
            found = int(rows[0][0].value) if rows and rows[0][0] is not None else 0
            if found != expected:
                raise LoadError(self.endpoint, f"the SPARQL store holds {found} triples in "
                                f"<{graph}>, where the release has {expected}; push the "
                                f"release with `s2s-graph build --push`")

    def guard_with(self, guard) -> None:
        pass

    def connections(self) -> tuple[tuple[str, int], ...]:
        return (self.address,)

    def close(self) -> None:
        pass

