"""Write a query's answer in the format asked for, with Oxigraph's writers, under the row limit.

Solutions never become Python objects on the way, which would cost more than the query itself
on long answers: they are first written as SPARQL TSV (one line per row; terms in N-Triples
syntax, so nothing is lost), and triples for N-Triples or a web page as canonical N-Triples
(one line per triple). The row limit cuts those lines while they are written, which also
stops the query, and Oxigraph's own parsers and writers turn what is kept into the format
asked for. Oxigraph's other RDF writers take only Python triples, so for those the triples
of the result are counted as they come, without the N-Triples step. Solutions that need no
cutting (no row limit, or the query's own LIMIT is within it) are written straight in the
format asked for: the TSV step took a third of the time of a 100-row answer. So may be any
other whose whole answer is too short to hold more rows than the limit (``try_straight``):
each format spends a least number of bytes on a row (``MIN_ROW_BYTES``). Only the rows a web
page shows become rdflib terms. No Flask here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph

from s2s_graph.errors import UnsupportedFormat
from s2s_graph.formats import RDF_FORMAT_BY_NAME, RESULTS_FORMAT_BY_NAME
from s2s_graph.sources import to_rdflib

TSV = pyoxigraph.QueryResultsFormat.TSV
N_TRIPLES = pyoxigraph.RdfFormat.N_TRIPLES
# The fewest bytes Oxigraph's writers spend on one solution, one with no value bound:
# "{}," in JSON, "<result></result>" in XML, a line end in CSV (tested against the writers).
MIN_ROW_BYTES = {pyoxigraph.QueryResultsFormat.JSON: 3, pyoxigraph.QueryResultsFormat.XML: 17,
                 pyoxigraph.QueryResultsFormat.CSV: 2}


class AnswerTooLong(Exception):
    """The answer written straight grew long enough to hold more rows than the limit; it
    has to be written again through TSV, which counts them (``write_answer``)."""


@dataclass(frozen=True)
class QueryAnswer:
    """What a query worker sends back: the serialised result (``body``), or for a web page
    (format "html") its first rows as rdflib terms; ``total`` rows in all, and whether the
    row limit cut them. ``kind`` is "select", "ask" or "graph" (CONSTRUCT, DESCRIBE).
    ``cost_s``: the work it took, in CPU seconds where it ran, or the wait for a remote store
    (what keeping it in a cache would save; ``s2s_graph.caching``)."""

    kind: str
    body: bytes | None
    variables: tuple[str, ...]
    rows: tuple[tuple, ...]
    total: int
    boolean: bool | None
    truncated: bool
    cost_s: float = field(default=0.0, compare=False)

    def costing(self, seconds: float) -> QueryAnswer:
        """This answer, noted as having cost ``seconds`` (made directly: ``dataclasses.replace``
        reads the fields anew each time, and this runs for every query)."""
        return QueryAnswer(self.kind, self.body, self.variables, self.rows, self.total,
                           self.boolean, self.truncated, seconds)


def kind_of(result) -> str:
    """Return "select", "ask" or "graph" for an Oxigraph result."""
    if isinstance(result, pyoxigraph.QueryBoolean):
        return "ask"
    if isinstance(result, pyoxigraph.QuerySolutions):
        return "select"
    return "graph"


def default_format(kind: str) -> str:
    """Return the format name used when none is asked for."""
    return "turtle" if kind == "graph" else "json"


def check_format(kind: str, format_name: str) -> None:
    """:raises UnsupportedFormat: the format does not fit this kind of result."""
    names = RDF_FORMAT_BY_NAME if kind == "graph" else RESULTS_FORMAT_BY_NAME
    if format_name != "html" and format_name not in names:
        what = "CONSTRUCT and DESCRIBE" if kind == "graph" else "SELECT and ASK"
        raise UnsupportedFormat(f"{what} results can be written as {', '.join(names)}, "
                                f"not {format_name!r}")


def write_answer(result, format_name: str, max_rows: int | None, page_rows: int,
                 prefixes: dict[str, str], within_limit: bool = False,
                 try_straight: bool = False) -> QueryAnswer:
    """Write an Oxigraph result (``QueryBoolean``, ``QuerySolutions``, or ``QueryTriples`` or
    any iterable of triples) in ``format_name``, keeping at most ``max_rows`` rows or triples.
    ``within_limit`` says that the query cannot give more than ``max_rows`` solutions (its own
    ``LIMIT`` is lower; ``s2s_graph.sparql.row_bound``). ``try_straight``: write solutions
    straight in the format asked for while they are too few bytes to pass the limit, and
    stop with AnswerTooLong once they are not (for cheap queries, which cost little to run
    again).

    Reading the result runs the query (Oxigraph evaluates lazily), so errors of evaluation
    are raised from here.

    :raises UnsupportedFormat: the format does not fit this kind of result.
    :raises AnswerTooLong: see ``try_straight``.
    """
    kind = kind_of(result)
    check_format(kind, format_name)
    if kind == "ask":
        boolean = bool(result)
        body = None if format_name == "html" else \
            result.serialize(format=RESULTS_FORMAT_BY_NAME[format_name].oxigraph)
        return QueryAnswer("ask", body, (), (), 0, boolean, False)
    if kind == "select":
        variables = tuple(v.value for v in result.variables)
        fmt = RESULTS_FORMAT_BY_NAME[format_name].oxigraph if format_name != "html" else TSV
        if fmt != TSV and (max_rows is None or within_limit):
            return QueryAnswer("select", result.serialize(format=fmt), variables, (), None,
                               None, False)
        if fmt != TSV and try_straight:
            body = _shorter_than(lambda sink: result.serialize(sink, format=fmt),
                                 max_rows * MIN_ROW_BYTES[fmt])
            if body is None:
                raise AnswerTooLong
            return QueryAnswer("select", body, variables, (), None, None, False)
        tsv, lines, truncated = _first_lines(
            lambda sink: result.serialize(sink, format=TSV),
            None if max_rows is None else max_rows + 1)  # the header is a line too
        if format_name == "html":
            rows = _page(pyoxigraph.parse_query_results(tsv, format=TSV), page_rows,
                         lambda s: tuple(s[v] for v in variables))
            return QueryAnswer("select", None, variables, rows, lines - 1, None, truncated)
        body = tsv if fmt == TSV else \
            pyoxigraph.parse_query_results(tsv, format=TSV).serialize(format=fmt)
        return QueryAnswer("select", body, variables, (), lines - 1, None, truncated)
    fmt = None if format_name == "html" else RDF_FORMAT_BY_NAME[format_name].oxigraph
    if fmt not in (None, N_TRIPLES):
        # Any other writer takes triples one by one, as the result gives them: counting
        # them on the way costs less than writing and parsing them as N-Triples first.
        kept = list(islice(result, max_rows + 1)) if max_rows is not None else list(result)
        truncated = max_rows is not None and len(kept) > max_rows
        if truncated:
            kept.pop()
        return QueryAnswer("graph", pyoxigraph.serialize(kept, format=fmt, prefixes=prefixes),
                           (), (), len(kept), None, truncated)
    if isinstance(result, pyoxigraph.QueryTriples):
        def write(sink):
            result.serialize(sink, format=N_TRIPLES)
    else:
        def write(sink):
            pyoxigraph.serialize(result, sink, format=N_TRIPLES)
    ntriples, lines, truncated = _first_lines(write, max_rows)
    if fmt is None:
        rows = _page(pyoxigraph.parse(ntriples, format=N_TRIPLES), page_rows,
                     lambda t: (t.subject, t.predicate, t.object))
        return QueryAnswer("graph", None, (), rows, lines, None, truncated)
    return QueryAnswer("graph", ntriples, (), (), lines, None, truncated)


def _page(items: Iterable, page_rows: int, terms: Callable) -> tuple[tuple, ...]:
    """The first ``page_rows`` rows as rdflib terms (None where unbound)."""
    rows = []
    for item in items:
        if len(rows) == page_rows:
            break
        rows.append(tuple(to_rdflib(t) if t is not None else None for t in terms(item)))
    return tuple(rows)


class _Enough(Exception):
    """Raised into Oxigraph's writer once the line limit is passed, to stop it."""


class _LineSink:
    """A binary file that keeps the first ``limit`` lines written to it (all if None) and
    stops the writer as soon as anything comes after them."""

    def __init__(self, limit: int | None):
        self.limit = limit
        self.chunks: list[bytes] = []
        self.lines = 0
        self.cut = False

    def write(self, data) -> int:
        data = bytes(data)
        if self.limit is None:
            self.chunks.append(data)
            self.lines += data.count(b"\n")
            return len(data)
        need = self.limit - self.lines
        if need == 0:
            if data:
                self.cut = True
                raise _Enough
            return 0
        if data.count(b"\n") < need:
            self.chunks.append(data)
            self.lines += data.count(b"\n")
            return len(data)
        end = -1
        for _ in range(need):
            end = data.index(b"\n", end + 1)
        self.chunks.append(data[:end + 1])
        self.lines = self.limit
        if end + 1 < len(data):
            self.cut = True
            raise _Enough
        return len(data)

    def flush(self) -> None:
        pass


class _ByteSink:
    """A binary file that stops the writer once ``limit`` bytes have been written to it."""

    def __init__(self, limit: int):
        self.left = limit
        self.chunks: list[bytes] = []
        self.full = False

    def write(self, data) -> int:
        data = bytes(data)
        self.left -= len(data)
        if self.left <= 0:
            self.full = True
            raise _Enough
        self.chunks.append(data)
        return len(data)

    def flush(self) -> None:
        pass


def _shorter_than(write: Callable, limit: int) -> bytes | None:
    """Run ``write(sink)``; return what it wrote if that is under ``limit`` bytes, else
    None (the writer was stopped there)."""
    sink = _ByteSink(limit)
    try:
        write(sink)
    except Exception:
        if not sink.full:  # a real error, not our stop
            raise
        return None
    return b"".join(sink.chunks)


def _first_lines(write: Callable, limit: int | None) -> tuple[bytes, int, bool]:
    """Run ``write(sink)``; return the first ``limit`` lines it wrote, how many lines that
    is, and whether there was more."""
    sink = _LineSink(limit)
    try:
        write(sink)
    except Exception:
        if not sink.cut:  # a real error, not our stop
            raise
    return b"".join(sink.chunks), sink.lines, sink.cut
