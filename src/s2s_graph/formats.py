"""The single table of the formats we read and write, and deterministic serialisation.

RDF formats (for graphs) and SPARQL results formats (for SELECT and ASK) each have a name,
a URL suffix, a media type and the names rdflib and Oxigraph use for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF
from rdflib.plugins.serializers.jsonld import PLAIN_LITERAL_TYPES as JSON_NATIVE_TYPES
from rdflib.plugins.serializers.jsonld import from_rdf
from rdflib.plugins.shared.jsonld.context import Context

from s2s_graph.errors import UnsupportedFormat


@dataclass(frozen=True)
class RdfFormat:
    """One RDF serialisation."""

    name: str
    suffix: str
    media_type: str
    rdflib_name: str
    oxigraph: pyoxigraph.RdfFormat
    label: str


@dataclass(frozen=True)
class ResultsFormat:
    """One SPARQL 1.1 query results serialisation."""

    name: str
    suffix: str
    media_type: str
    oxigraph: pyoxigraph.QueryResultsFormat
    label: str


RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("turtle", "ttl", "text/turtle", "turtle", pyoxigraph.RdfFormat.TURTLE, "Turtle"),
    RdfFormat("json-ld", "jsonld", "application/ld+json", "json-ld",
              pyoxigraph.RdfFormat.JSON_LD, "JSON-LD"),
    RdfFormat("n-triples", "nt", "application/n-triples", "nt",
              pyoxigraph.RdfFormat.N_TRIPLES, "N-Triples"),
    RdfFormat("rdf-xml", "rdf", "application/rdf+xml", "xml",
              pyoxigraph.RdfFormat.RDF_XML, "RDF/XML"),
)

RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat("json", "srj", "application/sparql-results+json",
                  pyoxigraph.QueryResultsFormat.JSON, "SPARQL JSON"),
    ResultsFormat("xml", "srx", "application/sparql-results+xml",
                  pyoxigraph.QueryResultsFormat.XML, "SPARQL XML"),
    ResultsFormat("csv", "csv", "text/csv", pyoxigraph.QueryResultsFormat.CSV, "CSV"),
    ResultsFormat("tsv", "tsv", "text/tab-separated-values",
                  pyoxigraph.QueryResultsFormat.TSV, "TSV"),
)

RDF_FORMAT_BY_NAME = {f.name: f for f in RDF_FORMATS}
RDF_FORMAT_BY_SUFFIX = {f.suffix: f for f in RDF_FORMATS}
RDF_FORMAT_BY_MEDIA_TYPE = {f.media_type: f for f in RDF_FORMATS}
RESULTS_FORMAT_BY_NAME = {f.name: f for f in RESULTS_FORMATS}
RESULTS_FORMAT_BY_MEDIA_TYPE = {f.media_type: f for f in RESULTS_FORMATS}

# Suffixes we read as input beyond the four we write (``s2s-graph validate FILE``).
READ_SUFFIXES = {**{f.suffix: f for f in RDF_FORMATS}, "json": RDF_FORMAT_BY_NAME["json-ld"],
                 "xml": RDF_FORMAT_BY_NAME["rdf-xml"], "owl": RDF_FORMAT_BY_NAME["rdf-xml"],
                 "ntriples": RDF_FORMAT_BY_NAME["n-triples"]}


def rdf_format_for_suffix(suffix: str) -> RdfFormat:
    """Return the RDF format a file suffix (without the dot) stands for."""
    try:
        return READ_SUFFIXES[suffix.lower().lstrip(".")]
    except KeyError:
        known = ", ".join(f".{s}" for s in sorted(READ_SUFFIXES))
        raise UnsupportedFormat(f"unknown RDF file suffix '.{suffix.lstrip('.')}'; use one of {known}")


def rdf_format(name: str) -> RdfFormat:
    """Return the RDF format with this name, suffix or media type."""
    fmt = RDF_FORMAT_BY_NAME.get(name) or RDF_FORMAT_BY_SUFFIX.get(name) \
        or RDF_FORMAT_BY_MEDIA_TYPE.get(name)
    if fmt is None:
        raise UnsupportedFormat(
            f"unknown RDF format {name!r}; use one of {', '.join(RDF_FORMAT_BY_NAME)}")
    return fmt


def canonical_graph(graph: Graph) -> Graph:
    """Return ``graph`` with its blank nodes labelled canonically (a copy), or ``graph`` itself
    if it has none: the same labels for the same set of triples, whatever their order."""
    return to_canonical_graph(graph) if any(isinstance(t, BNode) for t in _terms(graph)) \
        else graph


def _terms(graph: Graph):
    for s, p, o in graph:
        yield s
        yield o


def serialize(graph: Graph, fmt: RdfFormat, *, context: dict | None = None,
              ntriples: bytes | None = None) -> bytes:
    """Serialise ``graph`` deterministically in ``fmt``; JSON-LD is compacted with ``context``.

    Turtle, N-Triples and RDF/XML are written by Oxigraph from the sorted N-Triples (fast at
    any size); pass them as ``ntriples`` when they are already known. JSON-LD is compacted
    with our prefixes as rdflib's converter compacts it, and sorted: written node by node
    (``_compact_jsonld``) or, for blank nodes and lists, by rdflib's converter as a document
    we sort. Numbers and booleans are written as JSON numbers and booleans, as rdflib's
    serialiser writes them (it turns native types on whatever it is asked).
    """
    if fmt.name == "json-ld":
        context = context or jsonld_context(graph)
        text = _compact_jsonld(graph, context)
        if text is None:
            text = _stable_jsonld(from_rdf(canonical_graph(graph), context, None, True, False,
                                           auto_compact=True))
        return text.encode("utf-8")
    nt = ntriples if ntriples is not None else canonical_ntriples(graph)
    if fmt.name == "n-triples":
        return nt
    triples = pyoxigraph.parse(nt, format=pyoxigraph.RdfFormat.N_TRIPLES)
    # Only the prefixes the graph uses, so that documents do not open with a dozen unused.
    prefixes = {p: str(ns) for p, ns in graph.namespaces()
                if p and f"<{ns}".encode("utf-8") in nt}
    return pyoxigraph.serialize(triples, format=fmt.oxigraph, prefixes=prefixes)


def canonical_ntriples(graph: Graph) -> bytes:
    """Return ``graph`` as N-Triples, one triple a line, sorted, blank nodes labelled
    canonically: the same bytes for the same set of triples."""
    return sorted_lines(canonical_graph(graph).serialize(format="nt", encoding="utf-8")
                        .splitlines())


def sorted_lines(lines: list[bytes]) -> bytes:
    """Return distinct non-empty lines (bytes), sorted, as one text ending with a newline.

    ``lines`` is sorted in place: at 3M triples a sorted copy, or a set to drop repeats,
    took hundreds of MB beside the lines themselves."""
    lines.sort()
    return b"\n".join(_distinct(lines)) + b"\n"


def _distinct(ordered: list[bytes]):
    """The non-empty lines of a sorted list, each once."""
    previous = None
    for line in ordered:
        if line != previous and line.strip():
            yield line
        previous = line


def jsonld_context(graph: Graph) -> dict:
    """Return a JSON-LD context that maps each bound prefix of ``graph`` to its namespace."""
    return {prefix: str(ns) for prefix, ns in sorted(graph.namespaces()) if prefix}


def _stable_jsonld(doc: dict) -> str:
    """Write a JSON-LD document with its ``@graph`` nodes sorted by ``@id`` and every array
    of values sorted, so that the output is the same whatever the order of the triples."""
    nodes = doc.get("@graph")
    if isinstance(nodes, list):
        doc["@graph"] = sorted((_sort_values(n) for n in nodes), key=lambda n: str(n.get("@id", "")))
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class _NotPlain(Exception):
    """The graph has what only rdflib's JSON-LD converter handles (see _compact_jsonld)."""


def _compact_jsonld(graph: Graph, context: dict) -> str | None:
    """Write ``graph`` as rdflib's converter compacts it with ``context`` and ``_stable_jsonld``
    writes it, byte for byte, one node at a time; None for a graph with blank nodes, RDF
    lists, fewer than two subjects, or IRIs that are terms of the context, which rdflib's
    converter is left to handle.

    rdflib builds the whole document first: at 300k triples that took 6.9 s and 335 MiB over
    the graph. Its converter also drops a value when the property's first one is false in
    Python (0, false, an empty string): here every value is kept."""
    if not context:  # rdflib's converter makes its own from the graph's prefixes
        return None
    compact = Context(context)
    terms = {str(term.id) for term in compact.terms.values()}
    subjects = set(graph.subjects())
    if len(subjects) < 2 or any(not isinstance(s, URIRef) for s in subjects) or \
            (None, RDF.first, None) in graph or (None, RDF.rest, None) in graph or \
            (None, None, RDF.nil) in graph:
        return None
    ids = {compact.shrink_iri(s): s for s in subjects}
    if len(ids) < len(subjects):  # two IRIs written alike
        return None
    try:
        nodes = [json.dumps(_sort_values(_node(graph, compact, terms, node_id, subject)),
                            ensure_ascii=False, indent=2, sort_keys=True)
                 for node_id, subject in sorted(ids.items())]
    except _NotPlain:
        return None
    head = json.dumps({"@context": context}, ensure_ascii=False, indent=2, sort_keys=True)
    return (head[:-2] + ',\n  "@graph": [\n'
            + ",\n".join(_indent(node, "    ") for node in nodes) + "\n  ]\n}\n")


def _indent(text: str, prefix: str) -> str:
    return prefix + text.replace("\n", "\n" + prefix)


def _node(graph: Graph, compact: Context, terms: set[str], node_id: str, subject) -> dict:
    """One node as rdflib's converter makes it (``Converter.add_to_node``, no terms)."""
    node: dict = {"@id": node_id}
    for predicate, value in graph.predicate_objects(subject):
        if str(predicate) in terms or isinstance(value, BNode):
            raise _NotPlain
        if predicate == RDF.type:
            if not isinstance(value, URIRef):
                raise _NotPlain
            key, item = "@type", compact.to_symbol(value)
        elif isinstance(value, URIRef):
            key, item = compact.to_symbol(predicate), {"@id": compact.shrink_iri(value)}
        else:
            key, item = compact.to_symbol(predicate), _literal(compact, value)
        held = node.get(key)
        if key not in node:
            node[key] = item
        elif isinstance(held, list):
            held.append(item)
        else:
            node[key] = [held, item]
    return node


def _literal(compact: Context, literal: Literal):
    """A literal as rdflib's converter writes it with an active context: booleans, integers,
    doubles and strings as JSON values, others with their type or language."""
    if literal.datatype in JSON_NATIVE_TYPES:
        return literal.toPython()
    if literal.datatype:
        return {"@type": compact.to_symbol(literal.datatype), "@value": str(literal)}
    if literal.language:
        return {"@language": literal.language, "@value": str(literal)}
    return str(literal)


def _sort_values(node):
    if isinstance(node, dict):
        # An @list is an RDF collection: its order is its meaning.
        return {k: ([_sort_values(x) for x in v] if k == "@list" else _sort_values(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return sorted((_sort_values(v) for v in node), key=lambda v: json.dumps(v, sort_keys=True))
    return node
