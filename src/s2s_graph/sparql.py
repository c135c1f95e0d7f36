"""Read-only SPARQL: check a query, run it on the published Oxigraph store, serialise results.

Updates and ``SERVICE`` are refused before anything runs: Oxigraph would otherwise call
the remote endpoint a ``SERVICE`` clause names. ``FROM`` and ``FROM NAMED`` only select
among the store's own graphs; Oxigraph never fetches them. No Flask here.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID

from s2s_graph.answers import AnswerTooLong, QueryAnswer, write_answer
from s2s_graph.anti_joins import as_anti_joins
from s2s_graph.errors import QueryError, QueryRefused
from s2s_graph.namespaces import SD, new_graph
from s2s_graph.sparql_terminals import HIDING

# In code (outside those), each match skips variables, prefixed names and other characters,
# then captures the next bare word, if any. Possessive, so a name is never read in part.
BARE_WORD = re.compile(
    r"(?:[?$:][\w\-.:%]*+|[A-Za-z_][\w\-.]*+:[\w\-.:%]*+|[^A-Za-z_?$:]++)*+([A-Za-z_][\w\-.]*+)?")
PROLOGUE = re.compile(r"(?:(?:PREFIX\s*[^\s<]*|BASE)\s*<>\s*)+", re.IGNORECASE)
# The outer query's LIMIT, in the normalised text: it can only end the query (SPARQL 1.1 Query
# §19.8: solution modifiers, then VALUES, which ends with "}"); a subquery's is followed by "}".
OWN_LIMIT = re.compile(r"(?:^|(?<=[\s})]))(?:LIMIT (\d+)(?: OFFSET \d+)?|OFFSET \d+ LIMIT (\d+))$",
                       re.IGNORECASE)
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
QUERY_KEYWORDS = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})
REFUSED_KEYWORDS = UPDATE_KEYWORDS | {"SERVICE"}
# The first query keyword that is a bare word: not part of a variable, a prefixed name
# (``ask:``, ``ex:select``) or a longer word. Before it is only the prologue, whose bare
# words are BASE and PREFIX.
FORM_KEYWORD = re.compile(r"(?<![\w?$:.\-])(SELECT|CONSTRUCT|ASK|DESCRIBE)(?![\w:.\-])",
                          re.IGNORECASE)


def keywords(query: str) -> list[str]:
    """Return the bare words of ``query`` in upper case, outside strings, IRIs and comments.

    Variables and prefixed names are not bare words, so ``?service`` or ``ex:load`` never
    look like keywords.
    """
    return list(_words(_scan(query)[2]))


def normalise_query(query: str) -> str:
    """Return ``query`` with comments dropped and each run of white space between tokens made
    one space. Strings and IRIs are kept as written, so the meaning never changes."""
    return _scan(query)[0]


def query_shape(query: str) -> str:
    """Return the shape of ``query``: its normalised text without the prologue (``PREFIX``,
    ``BASE``), each IRI written ``<>`` and each string ``""``. Queries of one shape differ
    only in the entities and strings they name (and in spacing between tokens), and mostly
    cost about the same to run (``s2s_graph.query_costs``); prefixed names and numbers stay,
    as they name classes and properties and set limits, which change the cost most."""
    return _scan(query)[1]


def row_bound(query: str) -> int | None:
    """Return the most solutions ``query`` can give, from a ``LIMIT`` of the query itself,
    or None if it sets none. A query that does not parse may get any answer."""
    if "LIMIT" not in query.upper():  # most queries: no need to read them
        return None
    match = OWN_LIMIT.search(normalise_query(query))
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


@functools.lru_cache(maxsize=32)
def _scan(query: str) -> tuple[str, str, str]:
    """Read ``query`` once for its normalised text, its shape and its code (the text outside
    strings, IRIs and comments, where keywords are): a request checks a query, looks for its
    answer by its normalised text and for its cost by its shape.

    Only strings, IRIs and comments are matched one by one; the code between them is handled
    whole by ``str`` methods. Reading every token with a regular expression cost 90 µs for
    an example query, as much as running it."""
    pieces = HIDING.split(query)  # code, hiding terminal, code, ..., code
    normal, shape, code = [], [], []
    between = pieces[0]
    for index in range(1, len(pieces), 2):
        token = pieces[index]
        if token[0] == "#":  # a comment separates tokens like white space
            between += " " + pieces[index + 1]
            continue
        text = _collapsed(between)
        normal += (text, token)
        shape += (text, "<>" if token[0] == "<" else '""')
        code.append(between)
        between = pieces[index + 1]
    text = _collapsed(between)
    normal.append(text)
    shape.append(text)
    code.append(between)
    shaped = "".join(shape).strip()
    prologue = PROLOGUE.match(shaped)
    if prologue is not None:
        shaped = shaped[prologue.end():]
    return "".join(normal).strip(), shaped, " ".join(code)


def _collapsed(code: str) -> str:
    """``code`` with each run of white space made one space."""
    text = " ".join(code.split())
    if not text:
        return " " if code else ""
    if code[0].isspace():
        text = " " + text
    if code[-1].isspace():
        text += " "
    return text


@functools.lru_cache(maxsize=32)
def _words(code: str) -> tuple[str, ...]:
    return tuple(word.upper() for word in BARE_WORD.findall(code) if word)


def _form_in(code: str) -> str:
    """The form of a query from its code: its first query keyword, which follows the prologue
    (one search; reading the words one by one cost as much as the rest of the check)."""
    match = FORM_KEYWORD.search(code)
    if match is None:
        return "select"
    return {"SELECT": "select", "ASK": "ask"}.get(match.group(1).upper(), "graph")


def check_query(query: str) -> str:
    """Refuse what a read-only endpoint must not run: updates and ``SERVICE``.

    Returns the query's form ("select", "ask" or "graph"), for the caller's choice of format.

    :raises QueryRefused: the request is an update or calls a remote service.
    """
    code = _scan(query)[2]
    upper = code.upper()
    if any(word in upper for word in REFUSED_KEYWORDS):  # else no word can be one of them
        words = _words(code)
        first = next((w for w in words if w in QUERY_KEYWORDS or w in UPDATE_KEYWORDS), None)
        if first in UPDATE_KEYWORDS:
            raise QueryRefused(
                f"{first} is a SPARQL update; this endpoint is read-only and answers queries only")
        if "SERVICE" in words:
            raise QueryRefused("SERVICE (federated query) is not allowed: this endpoint only "
                               "queries its own data and never calls other servers")
    return _form_in(code)


def names_dataset(query: str) -> bool:
    """Whether ``query`` has ``FROM`` (or ``FROM NAMED``): then it chooses its own dataset.
    Most queries do not have the word at all, and are not read further."""
    return "FROM" in query.upper() and "FROM" in keywords(query)


@dataclass(frozen=True)
class QueryResult:
    """A materialised answer, for our own queries and the remote store: ``kind`` is
    "select", "ask" or "graph" (CONSTRUCT, DESCRIBE)."""

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple, ...] = ()
    boolean: bool | None = None
    triples: tuple = ()


_PARSER_POSITION = re.compile(r"^error at (\d+):(\d+): ")


def syntax_error(message: str) -> QueryError:
    """Turn Oxigraph's "error at L:C: ..." into a QueryError that states line and column."""
    match = _PARSER_POSITION.match(message)
    if match is None:
        return QueryError(f"the query is not valid SPARQL: {message}")
    line, column = int(match.group(1)), int(match.group(2))
    return QueryError(f"the query is not valid SPARQL: line {line}, column {column}: "
                      f"{message[match.end():]}", line, column)


def run_query(store: pyoxigraph.Store, query: str, base_iri: str, *,
              default_graph_uris: tuple[str, ...] = (),
              named_graph_uris: tuple[str, ...] = (), then: Callable | None = None,
              checked: bool = False, rewrite: bool = True):
    """Check and parse ``query`` (relative IRIs resolve against ``base_iri``) and return
    ``then(result)``: reading the lazy Oxigraph result runs the query, so ``then`` does it
    here, where evaluation errors become QueryError. Without ``then``, the result is read
    into a QueryResult.

    With no dataset given (by the protocol's ``default-graph-uri`` and ``named-graph-uri``
    or by ``FROM`` in the query), the default graph is the union of all graphs.

    ``checked``: the caller has refused updates and ``SERVICE`` already (the web layer, for a
    user's query on its way to a worker), or needs not (our own queries, for pages); the
    query is then read for ``FROM`` only if it has the word at all. Each pass over a query
    cost tens of microseconds, as much as running a simple one. (Unchecked, an update would
    still not run: Oxigraph's query parser refuses it.)

    ``rewrite``: run each ``FILTER NOT EXISTS`` that is equivalent to a ``MINUS`` as one
    (``s2s_graph.anti_joins``). A query that then does not parse is run again as sent, so
    that the error states the line and column of the user's own text.

    :raises QueryRefused: an update or ``SERVICE``.
    :raises QueryError: the query cannot be parsed (the message has line and column) or run.
    """
    if not checked:
        check_query(query)
    options: dict = {"base_iri": base_iri}
    if default_graph_uris or named_graph_uris:
        options["default_graph"] = [_graph_name(u) for u in default_graph_uris]
        options["named_graphs"] = [_graph_name(u) for u in named_graph_uris]
    elif not names_dataset(query):
        # Oxigraph lets the union option override FROM, so only set it when the query
        # names no dataset of its own (SPARQL 1.1 Query §13.2).
        options["use_default_graph_as_union"] = True
    text = as_anti_joins(query) if rewrite else query
    try:
        return (then or materialise)(store.query(text, **options))
    except SyntaxError as error:
        if text is not query:
            return run_query(store, query, base_iri, default_graph_uris=default_graph_uris,
                             named_graph_uris=named_graph_uris, then=then, checked=True,
                             rewrite=False)
        raise syntax_error(str(error.msg)) from None
    except ValueError as error:
        raise QueryError(f"the query cannot be run: {error}") from None


def materialise(result) -> QueryResult:
    """Read an Oxigraph result into a QueryResult."""
    if isinstance(result, pyoxigraph.QueryBoolean):
        return QueryResult("ask", boolean=bool(result))
    if isinstance(result, pyoxigraph.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        return QueryResult("select", variables=variables,
                           rows=tuple(tuple(s[v] for v in variables) for s in result))
    return QueryResult("graph", triples=tuple(result))


def _graph_name(iri: str) -> pyoxigraph.NamedNode:
    """Return a graph name given by the protocol, or a QueryError if it is not an IRI."""
    try:
        return pyoxigraph.NamedNode(iri)
    except ValueError:
        raise QueryError(f"'{iri}' is not an absolute IRI, so it cannot name a graph "
                         "(default-graph-uri, named-graph-uri)") from None


def query_form(query: str) -> str:
    """Return "select", "ask" or "graph" (CONSTRUCT, DESCRIBE) from the first query keyword,
    so that the format can be chosen before the query runs."""
    return _form_in(_scan(query)[2])


@dataclass(frozen=True)
class QueryState:
    """What a query worker process holds: its own copy of the store, and BASE."""

    store: pyoxigraph.Store
    base_iri: str


def query_state(base_iri: str, nquads: bytes) -> QueryState:
    """Build a worker's state from the dataset as N-Quads (named graphs kept)."""
    store = pyoxigraph.Store()
    store.load(nquads, format=pyoxigraph.RdfFormat.N_QUADS)
    return QueryState(store, base_iri)


def query_state_from_file(base_iri: str, nquads_path: str) -> QueryState:
    """Build a worker's state by loading an N-Quads file into memory."""
    store = pyoxigraph.Store()
    store.load(path=nquads_path, format=pyoxigraph.RdfFormat.N_QUADS)
    return QueryState(store, base_iri)


def query_state_from_path(base_iri: str, path: str) -> QueryState:
    """Build a worker's state by opening an on-disk store read-only (instant at any size)."""
    return QueryState(pyoxigraph.Store.read_only(path), base_iri)


def answer_query(state: QueryState, query: str, format_name: str,
                 default_graph_uris: tuple[str, ...], named_graph_uris: tuple[str, ...],
                 max_rows: int, page_rows: int, prefixes: dict[str, str], *,
                 cheap: bool = False) -> QueryAnswer:
    """Run a user's query, checked on its way here, in a worker and write its answer there,
    at most ``max_rows`` rows (format "html": the first ``page_rows`` rows as rdflib terms,
    for a page).

    ``cheap``: queries of this shape have lately run fast (``s2s_graph.query_costs``), so
    its solutions are first written straight in the format asked for, and only if they are
    too long for that is the query run again and its answer cut through TSV."""
    bound = row_bound(query)
    within_limit = bound is not None and bound <= max_rows

    def answer(try_straight: bool) -> QueryAnswer:
        return run_query(
            state.store, query, state.base_iri, default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris, checked=True,
            then=lambda result: write_answer(result, format_name, max_rows, page_rows,
                                             prefixes, within_limit, try_straight))

    started = time.thread_time()
    written = None
    if cheap and not within_limit and format_name != "html":
        try:
            written = answer(True)
        except AnswerTooLong:
            pass
    if written is None:
        written = answer(False)
    return written.costing(time.thread_time() - started)


def timed_answer_query(state: QueryState, *args) -> tuple[QueryAnswer, float]:
    """``answer_query``, with the seconds it took, measured where it ran: what the caller
    saw includes waiting for a free worker."""
    started = time.perf_counter()
    answer = answer_query(state, *args)
    return answer, time.perf_counter() - started

# W3C "Unique URIs for file formats" (http://www.w3.org/ns/formats/).
FORMAT_IRI_BY_NAME = {
    "json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "tsv": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "turtle": "http://www.w3.org/ns/formats/Turtle",
    "n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "json-ld": "http://www.w3.org/ns/formats/JSON-LD",
    "rdf-xml": "http://www.w3.org/ns/formats/RDF_XML",
}


def describe_service(release, endpoint: str, void_document: str) -> Graph:
    """Return the SPARQL 1.1 Service Description of the endpoint at ``endpoint``.

    The default dataset is described by our VoID description (``void_document``); its default
    graph is the union of the vocabulary and the data, which are also named graphs.
    """
    vocabulary = release.vocabulary
    graph = new_graph(vocabulary)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, RDFS.label, Literal("SPARQL endpoint of the Safe to share? dataset", lang="en")))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for iri in FORMAT_IRI_BY_NAME.values():
        graph.add((service, SD.resultFormat, URIRef(iri)))
    dataset = BNode("defaultDataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, DCTERMS.source, release.dataset_iri))
    graph.add((dataset, RDFS.seeAlso, URIRef(void_document)))
    default_graph = BNode("defaultGraph")
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, VOID.triples, Literal(release.triples)))
    for n, (name, key) in enumerate(((URIRef(vocabulary.ontology_iri), "vocabulary"),
                                     (release.dataset_iri, "data"))):
        named, described = BNode(f"named{n}"), BNode(f"graph{n}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, name))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(release.graph_triples[key])))
    return graph
