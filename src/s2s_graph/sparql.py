"""Read-only SPARQL: check a query, run it on the published Oxigraph store, serialise results.

Updates and ``SERVICE`` are refused before anything runs: Oxigraph would otherwise call
the remote endpoint a ``SERVICE`` clause names. ``FROM`` and ``FROM NAMED`` only select
among the store's own graphs; Oxigraph never fetches them. No Flask here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID

from s2s_graph.errors import QueryError, QueryRefused, UnsupportedFormat
from s2s_graph.formats import (
    RDF_FORMAT_BY_NAME,
    RESULTS_FORMAT_BY_NAME,
    RdfFormat,
    ResultsFormat,
)
from s2s_graph.namespaces import SD, new_graph
from s2s_graph.published import PublishedGraph

# SPARQL 1.1 terminals that can hide keywords: strings (long ones first), IRIs and comments.
# IRIREF excludes spaces, so "?a < ?b" stays a comparison (SPARQL 1.1 Query §19.8).
_TOKEN = re.compile(
    r'''(?P<skip>"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*'|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n\r]*)'''
    r"|(?P<name>[?$]?[A-Za-z_][\w\-.]*(?::[\w\-.:%]*)?|:[\w\-.:%]*)"
    r"|(?P<other>\S)",
    re.DOTALL,
)
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
QUERY_KEYWORDS = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})


def keywords(query: str) -> list[str]:
    """Return the bare words of ``query`` in upper case, outside strings, IRIs and comments.

    Variables and prefixed names are not bare words, so ``?service`` or ``ex:load`` never
    look like keywords.
    """
    words = []
    for match in _TOKEN.finditer(query):
        name = match.group("name")
        if name and name[0] not in "?$" and ":" not in name:
            words.append(name.upper())
    return words


def check_query(query: str) -> list[str]:
    """Refuse what a read-only endpoint must not run: updates and ``SERVICE``.

    Returns the query's keywords, for the caller's other decisions.

    :raises QueryRefused: the request is an update or calls a remote service.
    """
    words = keywords(query)
    first = next((w for w in words if w in QUERY_KEYWORDS or w in UPDATE_KEYWORDS), None)
    if first in UPDATE_KEYWORDS:
        raise QueryRefused(
            f"{first} is a SPARQL update; this endpoint is read-only and answers queries only")
    if "SERVICE" in words:
        raise QueryRefused("SERVICE (federated query) is not allowed: this endpoint only "
                           "queries its own data and never calls other servers")
    return words


@dataclass(frozen=True)
class QueryResult:
    """The answer to one query: ``kind`` is "select", "ask" or "graph" (CONSTRUCT, DESCRIBE)."""

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple, ...] = ()
    boolean: bool | None = None
    triples: tuple = ()

    def default_format(self) -> str:
        """Return the format name used when none is asked for."""
        return "turtle" if self.kind == "graph" else "json"

    def formats(self) -> tuple[str, ...]:
        """Return the names of the formats this kind of result can be written in."""
        return tuple(RDF_FORMAT_BY_NAME) if self.kind == "graph" else tuple(RESULTS_FORMAT_BY_NAME)

    def serialize(self, name: str, prefixes: dict[str, str] | None = None) -> bytes:
        """Write the result in the format ``name``.

        :raises UnsupportedFormat: the format does not fit this kind of result.
        """
        if name not in self.formats():
            what = "CONSTRUCT and DESCRIBE" if self.kind == "graph" else "SELECT and ASK"
            raise UnsupportedFormat(
                f"{what} results can be written as {', '.join(self.formats())}, not {name!r}")
        if self.kind == "graph":
            fmt: RdfFormat = RDF_FORMAT_BY_NAME[name]
            return pyoxigraph.serialize(self.triples, format=fmt.oxigraph, prefixes=prefixes)
        results_format: ResultsFormat = RESULTS_FORMAT_BY_NAME[name]
        if self.kind == "ask":
            doc = json.dumps({"head": {}, "boolean": self.boolean}).encode("utf-8")
            answer = pyoxigraph.parse_query_results(doc, format=pyoxigraph.QueryResultsFormat.JSON)
            return answer.serialize(format=results_format.oxigraph)
        return _solutions(self.variables, self.rows).serialize(format=results_format.oxigraph)


def _solutions(variables, rows) -> pyoxigraph.QuerySolutions:
    """Rebuild serialisable solutions from materialised rows (via the JSON results format)."""
    bindings = []
    for row in rows:
        binding = {}
        for var, term in zip(variables, row):
            if term is not None:
                binding[var] = _term_json(term)
        bindings.append(binding)
    doc = json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}})
    return pyoxigraph.parse_query_results(doc.encode("utf-8"),
                                          format=pyoxigraph.QueryResultsFormat.JSON)


def _term_json(term) -> dict:
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


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
              named_graph_uris: tuple[str, ...] = ()) -> QueryResult:
    """Check and run ``query``; relative IRIs in it resolve against ``base_iri``.

    With no dataset given (by the protocol's ``default-graph-uri`` and ``named-graph-uri``
    or by ``FROM`` in the query), the default graph is the union of all graphs.

    :raises QueryRefused: an update or ``SERVICE``.
    :raises QueryError: the query cannot be parsed; the message has line and column.
    """
    words = check_query(query)
    options: dict = {"base_iri": base_iri}
    if default_graph_uris or named_graph_uris:
        options["default_graph"] = [pyoxigraph.NamedNode(u) for u in default_graph_uris]
        options["named_graphs"] = [pyoxigraph.NamedNode(u) for u in named_graph_uris]
    elif "FROM" not in words:
        # Oxigraph lets the union option override FROM, so only set it when the query
        # names no dataset of its own (SPARQL 1.1 Query §13.2).
        options["use_default_graph_as_union"] = True
    try:
        answer = store.query(query, **options)
        if isinstance(answer, pyoxigraph.QueryBoolean):
            return QueryResult("ask", boolean=bool(answer))
        if isinstance(answer, pyoxigraph.QuerySolutions):
            variables = tuple(v.value for v in answer.variables)
            rows = tuple(tuple(solution[v] for v in variables) for solution in answer)
            return QueryResult("select", variables=variables, rows=rows)
        return QueryResult("graph", triples=tuple(answer))
    except SyntaxError as error:
        raise syntax_error(str(error.msg)) from None
    except ValueError as error:
        raise QueryError(f"the query cannot be run: {error}") from None


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


def describe_service(published: PublishedGraph, endpoint: str, void_document: str) -> Graph:
    """Return the SPARQL 1.1 Service Description of the endpoint at ``endpoint``.

    The default dataset is described by our VoID description (``void_document``); its default
    graph is the union of the vocabulary and the data, which are also named graphs.
    """
    graph = new_graph(published.vocabulary)
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
    graph.add((dataset, DCTERMS.source, published.dataset_iri))
    graph.add((dataset, RDFS.seeAlso, URIRef(void_document)))
    default_graph = BNode("defaultGraph")
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, VOID.triples, Literal(len(published.graph))))
    for name, triples in ((URIRef(published.vocabulary.ontology_iri), published.ontology),
                          (published.dataset_iri, published.data)):
        named = BNode(f"named{len(list(graph.objects(dataset, SD.namedGraph)))}")
        described = BNode(f"graph{len(list(graph.objects(dataset, SD.namedGraph)))}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, name))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(len(triples))))
    return graph
