"""The graph pyshacl validates answers SPARQL with Oxigraph: its answers, and so every verdict
and result, must be the ones rdflib's own engine gives."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from conftest import BASE, INVALID_EXAMPLES, MINIMAL, VALID_EXAMPLES
from s2s_graph.published import PublishedGraph
from s2s_graph.sources import parse_file
from s2s_graph.validation import _read_results, validate_graph
from s2s_graph.validation_graph import ValidationGraph

EX = "http://example.org/"


def awkward_graph() -> Graph:
    """Terms that a conversion between engines could get wrong."""
    graph = Graph()
    s, p, q = URIRef(EX + "s"), URIRef(EX + "p"), URIRef(EX + "q")
    blank = BNode("not-an-NTriples-label.x")  # rdflib allows labels N-Triples does not
    graph.add((s, p, Literal("plain")))
    graph.add((s, p, Literal("tagged", lang="en-GB")))
    graph.add((s, p, Literal("07", datatype=XSD.integer)))  # kept as written
    graph.add((s, p, Literal("nope", datatype=XSD.integer)))  # ill-typed
    graph.add((s, p, Literal("tab\there \"quoted\"\nnew line")))
    graph.add((s, q, blank))
    graph.add((blank, p, Literal("inside")))
    graph.add((URIRef(EX + "t"), q, s))
    return graph


def both(graph: Graph) -> tuple[Graph, ValidationGraph]:
    """The same triples in a plain rdflib graph and in a validation graph."""
    plain = Graph()
    for triple in graph:
        plain.add(triple)
    return plain, ValidationGraph([graph])


def rows(result) -> set:
    return {tuple(row) for row in result}


QUERIES = [
    "SELECT ?o WHERE { $this <http://example.org/p> ?o }",  # $this not projected
    "SELECT $this ?o WHERE { $this ?p ?o }",
    "SELECT ?x ?o WHERE { ?x <http://example.org/q> ?b . OPTIONAL { ?b <http://example.org/p> ?o } }",
    "SELECT $this (COUNT(*) AS ?n) WHERE { $this ?p ?o } GROUP BY $this",
    "SELECT ?o WHERE { $this ?p ?o FILTER (isLiteral(?o) && lang(?o) = 'en-gb') }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_select_with_a_bound_focus_node_answers_as_rdflib_does(query: str):
    plain, indexed = both(awkward_graph())
    for focus in (URIRef(EX + "s"), URIRef(EX + "t"), URIRef(EX + "nobody")):
        expected = plain.query(query, initBindings={"this": focus})
        got = indexed.query(query, initBindings={"this": focus})
        assert [str(v) for v in got.vars] == [str(v) for v in expected.vars]
        assert rows(got) == rows(expected)
        assert len(got.bindings) == len(expected.bindings)


def test_blank_nodes_keep_their_identity_both_ways():
    plain, indexed = both(awkward_graph())
    (blank,) = rows(indexed.query("SELECT ?b WHERE { ?s <http://example.org/q> ?b FILTER isBlank(?b) }"))
    assert blank[0] in set(plain.subjects())  # the same rdflib node, not a fresh one
    bound = indexed.query("SELECT ?o WHERE { $this <http://example.org/p> ?o }",
                          initBindings={"this": blank[0]})
    assert rows(bound) == {(Literal("inside"),)}


def test_ask_and_construct_answer_as_rdflib_does():
    plain, indexed = both(awkward_graph())
    ask = "ASK { $this <http://example.org/p> 'plain' }"
    for focus in (URIRef(EX + "s"), URIRef(EX + "t")):
        assert (indexed.query(ask, initBindings={"this": focus}).askAnswer
                == plain.query(ask, initBindings={"this": focus}).askAnswer)
    construct = "CONSTRUCT { $this <http://example.org/r> ?o } WHERE { $this <http://example.org/p> ?o }"
    got = indexed.query(construct, initBindings={"this": URIRef(EX + "s")}).graph
    expected = plain.query(construct, initBindings={"this": URIRef(EX + "s")}).graph
    assert set(got) == set(expected) and len(got) == 5


def test_prefixes_given_by_the_caller_are_used():
    _, indexed = both(awkward_graph())
    result = indexed.query("SELECT ?o WHERE { ex:t ex:q ?o }", initNs={"ex": EX})
    assert rows(result) == {(URIRef(EX + "s"),)}


def test_a_term_oxigraph_refuses_leaves_the_queries_to_rdflib():
    graph = awkward_graph()
    graph.add((URIRef("http://example.org/with space"), URIRef(EX + "p"), Literal("odd")))
    plain, indexed = both(graph)
    query = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }"
    assert rows(indexed.query(query)) == rows(plain.query(query))
    assert (URIRef("http://example.org/with space"), Literal("odd")) in rows(indexed.query(query))


def test_a_query_only_rdflib_parses_is_still_answered():
    plain, indexed = both(awkward_graph())
    # Projecting a variable that is not grouped: rdflib allows it, Oxigraph (rightly) not.
    query = "SELECT ?o WHERE { <http://example.org/t> <http://example.org/q> ?o } GROUP BY ?s"
    assert rows(indexed.query(query)) == rows(plain.query(query)) == {(URIRef(EX + "s"),)}


def test_the_union_holds_each_triple_once_and_cannot_be_changed():
    graph = awkward_graph()
    other = Graph()
    shared = (URIRef(EX + "t"), URIRef(EX + "q"), URIRef(EX + "s"))
    other.add(shared)
    other.add((URIRef(EX + "u"), URIRef(EX + "q"), URIRef(EX + "s")))
    before = set(graph)
    union = ValidationGraph([graph, other])
    assert len(union) == len(set(union)) == len(before) + 1
    assert list(union.subjects(URIRef(EX + "q"), URIRef(EX + "s"))).count(URIRef(EX + "t")) == 1
    assert shared in union and (URIRef(EX + "u"), None, None) in union
    for change in (union.add, union.remove):
        with pytest.raises(TypeError):
            change((URIRef(EX + "new"), URIRef(EX + "p"), Literal("x")))
    assert set(graph) == before and len(other) == 2


def test_property_paths_walk_the_union():
    graph, other = Graph(), Graph()
    graph.add((URIRef(EX + "a"), URIRef(EX + "next"), URIRef(EX + "b")))
    other.add((URIRef(EX + "b"), URIRef(EX + "next"), URIRef(EX + "c")))
    union = ValidationGraph([graph, other])
    path = URIRef(EX + "next") * "+"
    assert set(union.objects(URIRef(EX + "a"), path)) == {URIRef(EX + "b"), URIRef(EX + "c")}


def with_minimal(fixture: Path) -> Graph:
    """An example as the shape tests read it: the minimal valid data plus the example."""
    data = parse_file(MINIMAL, BASE)
    return parse_file(fixture, BASE, into=data)


def pyshacl_on_rdflib_alone(data: Graph, published: PublishedGraph):
    """What pyshacl says with rdflib's engine answering every SHACL-SPARQL query."""
    merged = Graph()
    for graph in (published.ontology, data):
        for triple in graph:
            merged.add(triple)
    conforms, report, _ = pyshacl.validate(merged, shacl_graph=published.shapes,
                                           inference="none", allow_infos=True)
    return conforms, sorted(_read_results(report), key=lambda r: r.key())


@pytest.mark.parametrize("fixture", INVALID_EXAMPLES + VALID_EXAMPLES, ids=lambda p: p.name)
def test_every_verdict_and_result_is_the_one_rdflibs_engine_gives(published: PublishedGraph,
                                                                    fixture: Path):
    data = with_minimal(fixture)
    report = validate_graph(data, published.shapes, published.ontology)
    conforms, results = pyshacl_on_rdflib_alone(data, published)
    assert report.conforms == conforms
    assert [(r.key(), r.value, r.message) for r in report.results] == \
        [(r.key(), r.value, r.message) for r in results]


def test_our_rules_reach_rdflibs_engine_only_when_oxigraph_cannot_take_them(
        published: PublishedGraph, monkeypatch):
    """Every invalid example still breaks its rule, and the only queries rdflib's engine
    answers are those that leave the focus node out of their results (Oxigraph substitutes
    only projected variables)."""
    fell_back = []
    rdflib_query = Graph.query

    def recording(self, query_object, *args, **kwargs):
        fell_back.append(str(query_object))
        return rdflib_query(self, query_object, *args, **kwargs)

    monkeypatch.setattr(Graph, "query", recording)
    broken = set()
    for fixture in INVALID_EXAMPLES:
        report = validate_graph(with_minimal(fixture), published.shapes, published.ontology)
        broken |= {str(r.source_shape) for r in report.results}
    sparql_rules = {str(shape) for shape in published.shapes.subjects(
        URIRef("http://www.w3.org/ns/shacl#sparql"), None)}
    assert sparql_rules and sparql_rules <= broken
    assert fell_back and all("SELECT ?value" in query and "$this ?value" not in query
                             for query in fell_back)
