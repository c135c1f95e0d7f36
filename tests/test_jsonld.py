"""JSON-LD as we write it: node by node, the same bytes as rdflib's converter compacts and
we sort, every value kept, and rdflib's converter still used for what only it handles
(blank nodes, RDF lists, a single subject)."""

from __future__ import annotations

import json

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from s2s_graph.formats import (
    RDF_FORMAT_BY_NAME,
    _compact_jsonld,
    _stable_jsonld,
    canonical_graph,
    from_rdf,
    jsonld_context,
    serialize,
)
from s2s_graph.published import PublishedGraph

EX = "http://example.org/ns#"
JSON_LD = RDF_FORMAT_BY_NAME["json-ld"]


def _by_rdflib(graph: Graph) -> str:
    """The document rdflib's converter makes, sorted and written as our dumps are."""
    return _stable_jsonld(from_rdf(canonical_graph(graph), jsonld_context(graph), None, True,
                                   False, auto_compact=True))


def _parsed(text: str | bytes) -> Graph:
    return Graph().parse(data=text, format="json-ld")


def _same_rdf(one: Graph, other: Graph) -> bool:
    """Isomorphic, with "x"^^xsd:string and "x" one literal, as in RDF 1.1 (rdflib keeps them
    apart; JSON-LD writes both as a string)."""
    def plain(graph: Graph) -> Graph:
        out = Graph()
        for s, p, o in graph:
            if isinstance(o, Literal) and o.datatype == XSD.string:
                o = Literal(str(o))
            out.add((s, p, o))
        return out
    return isomorphic(plain(one), plain(other))


def _varied() -> Graph:
    """Every kind of term and literal the dumps hold, and a few they might."""
    graph = Graph()
    graph.bind("ex", EX)
    graph.bind("rdfs", str(RDFS))
    a, b, c = URIRef(EX + "a"), URIRef("http://example.org/things/b"), URIRef("urn:x:c")
    p = URIRef(EX + "p")
    graph.add((a, RDF.type, URIRef(EX + "Thing")))
    graph.add((a, RDF.type, URIRef("http://other.example/Kind")))
    graph.add((b, RDF.type, URIRef(EX + "Thing")))
    graph.add((a, RDFS.label, Literal("Ä label with \"quotes\"\nand a line", lang="en-GB")))
    graph.add((a, RDFS.label, Literal("un libellé", lang="fr")))
    for value in (Literal(3), Literal(-12), Literal(2.5), Literal(True),
                  Literal("typed", datatype=XSD.string), Literal("1.50", datatype=XSD.decimal),
                  Literal("2020-12-01", datatype=XSD.date), Literal("plain"),
                  Literal("x", datatype=URIRef("http://other.example/dt")), b, c):
        graph.add((a, p, value))
    graph.add((b, p, a))
    graph.add((b, URIRef("http://other.example/q"), Literal(7)))
    graph.add((c, URIRef("http://example.org/things/r"), Literal("only one")))
    return graph


def test_our_writer_makes_rdflibs_bytes_for_the_published_graph(published: PublishedGraph):
    graph = published.graph
    ours = _compact_jsonld(graph, jsonld_context(graph))
    assert ours is not None  # the published data takes the node-by-node path
    assert ours == _by_rdflib(graph)


def test_our_writer_makes_rdflibs_bytes_for_every_kind_of_value():
    graph = _varied()
    ours = _compact_jsonld(graph, jsonld_context(graph))
    assert ours is not None
    assert ours == _by_rdflib(graph)
    assert _same_rdf(_parsed(ours), graph)
    document = json.loads(ours)
    assert [node["@id"] for node in document["@graph"]] == \
        ["ex:a", "http://example.org/things/b", "urn:x:c"]


def test_every_value_is_kept_where_rdflibs_converter_drops_one():
    """rdflib's converter replaces a property's first value when it is false in Python (0,
    false, an empty string) instead of adding the next one to it."""
    graph = Graph()
    graph.bind("ex", EX)
    subject, other, p = URIRef(EX + "s"), URIRef(EX + "t"), URIRef(EX + "p")
    for value in (Literal(0), Literal(5), Literal(False), Literal(""), Literal("x")):
        graph.add((subject, p, value))
    graph.add((other, p, Literal(1)))
    assert len(_parsed(_by_rdflib(graph))) < len(graph)  # the loss this writer does not have
    written = serialize(graph, JSON_LD)
    assert _same_rdf(_parsed(written), graph)
    assert written == serialize(graph, JSON_LD)  # stable


def _with_blank_node() -> Graph:
    graph = _varied()
    note = BNode()
    graph.add((URIRef(EX + "a"), URIRef(EX + "note"), note))
    graph.add((note, RDFS.label, Literal("a note")))
    return graph


def _with_list() -> Graph:
    graph = _varied()
    head = BNode()
    Collection(graph, head, [Literal(1), Literal(2)])
    graph.add((URIRef(EX + "a"), URIRef(EX + "order"), head))
    return graph


def _with_one_subject() -> Graph:
    graph = Graph()
    graph.bind("ex", EX)
    graph.add((URIRef(EX + "a"), URIRef(EX + "p"), Literal("alone")))
    return graph


@pytest.mark.parametrize("make", [_with_blank_node, _with_list, _with_one_subject],
                         ids=["blank node", "RDF list", "one subject"])
def test_what_only_rdflib_handles_is_left_to_it(make):
    graph = make()
    assert _compact_jsonld(graph, jsonld_context(graph)) is None
    written = serialize(graph, JSON_LD)
    assert written.decode("utf-8") == _by_rdflib(graph)
    assert _same_rdf(_parsed(written), graph)
