"""Answers written by Oxigraph's writers under the row limit: byte for byte what Oxigraph
writes itself, cut at exactly the limit, and the query stopped once the limit is passed."""

from __future__ import annotations

import json
import subprocess
import sys

import pyoxigraph
import pytest
from rdflib import BNode, Literal, URIRef

from s2s_graph.answers import MIN_ROW_BYTES, AnswerTooLong, write_answer
from s2s_graph.errors import UnsupportedFormat
from s2s_graph.formats import RDF_FORMAT_BY_NAME, RESULTS_FORMAT_BY_NAME
from s2s_graph.published import PublishedGraph
from s2s_graph.sparql import QueryState, answer_query

AWKWARD = b"""
@prefix e: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
e:a e:p "tab\\there, newline\\nthere, \\"quoted\\", back\\\\slash" , "hi"@en-GB ,
        "042"^^xsd:integer , "1.0e0"^^xsd:double , "1.50"^^xsd:decimal , true ,
        "odd"^^e:type , "not a number"^^xsd:integer , _:blank , e:b , "caf\xc3\xa9 \xe2\x80\x94" .
_:blank e:p e:a .
"""
QUERIES = {
    "every term kind, with an unbound variable": (
        "SELECT ?s ?o ?none WHERE { ?s <http://example.org/p> ?o "
        "OPTIONAL { ?s <http://example.org/nothing> ?none } } ORDER BY ?s ?o"),
    "no variables, one solution": "SELECT * WHERE {}",
    "no variables, no solution": "SELECT * WHERE { FILTER(false) }",
    "a variable never bound": "SELECT ?x WHERE {}",
    "no rows": "SELECT ?s WHERE { ?s <http://example.org/nothing> ?o }",
}


@pytest.fixture(scope="module")
def awkward() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(AWKWARD, format=pyoxigraph.RdfFormat.TURTLE)
    return store


@pytest.mark.parametrize("fmt", RESULTS_FORMAT_BY_NAME)
@pytest.mark.parametrize("name", QUERIES)
def test_solutions_are_written_as_oxigraph_writes_them(awkward, name: str, fmt: str):
    query = QUERIES[name]
    expected = awkward.query(query).serialize(format=RESULTS_FORMAT_BY_NAME[fmt].oxigraph)
    answer = write_answer(awkward.query(query), fmt, 10000, 0, {})
    assert answer.body == expected
    assert answer.truncated is False


@pytest.mark.parametrize("fmt", RDF_FORMAT_BY_NAME)
def test_triples_are_written_as_oxigraph_writes_them(awkward, fmt: str):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    prefixes = {"e": "http://example.org/"}
    expected = pyoxigraph.serialize(awkward.query(query), format=RDF_FORMAT_BY_NAME[fmt].oxigraph,
                                    prefixes=prefixes)
    answer = write_answer(awkward.query(query), fmt, 10000, 0, prefixes)
    assert answer.body == expected
    assert answer.total == 12


@pytest.mark.parametrize("fmt", RESULTS_FORMAT_BY_NAME)
def test_the_whole_dataset_comes_back_unchanged_in_every_results_format(
        published: PublishedGraph, fmt: str):
    query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    store = published.store
    expected = store.query(query).serialize(format=RESULTS_FORMAT_BY_NAME[fmt].oxigraph)
    answer = write_answer(store.query(query), fmt, None, 0, {})
    assert answer.body == expected
    # Nothing is cut, so only TSV is written line by line, and only its lines are counted.
    assert answer.total == (len(published.graph) if fmt == "tsv" else None)
    assert answer.truncated is False


@pytest.mark.parametrize("fmt", RESULTS_FORMAT_BY_NAME)
@pytest.mark.parametrize("name", QUERIES)
def test_solutions_within_the_limit_are_written_straight_as_oxigraph_writes_them(
        awkward, name: str, fmt: str):
    query = QUERIES[name]
    expected = awkward.query(query).serialize(format=RESULTS_FORMAT_BY_NAME[fmt].oxigraph)
    answer = write_answer(awkward.query(query), fmt, 10000, 0, {}, within_limit=True)
    assert answer.body == expected
    assert answer.truncated is False
    if fmt != "tsv":
        assert answer.total is None


@pytest.mark.parametrize("fmt", [f for f in RESULTS_FORMAT_BY_NAME if f != "tsv"])
@pytest.mark.parametrize("name", QUERIES)
def test_short_answers_are_written_straight_as_oxigraph_writes_them(awkward, name, fmt):
    query = QUERIES[name]
    expected = awkward.query(query).serialize(format=RESULTS_FORMAT_BY_NAME[fmt].oxigraph)
    answer = write_answer(awkward.query(query), fmt, 10000, 0, {}, try_straight=True)
    assert (answer.body, answer.truncated, answer.total) == (expected, False, None)


@pytest.mark.parametrize("fmt", [f for f in RESULTS_FORMAT_BY_NAME if f != "tsv"])
def test_an_answer_that_could_hold_more_rows_than_the_limit_is_not_written_straight(
        awkward, fmt):
    # 12 rows of about 100 bytes each: more bytes than 4 rows could ever take.
    with pytest.raises(AnswerTooLong):
        write_answer(awkward.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }"), fmt, 4, 0, {},
                     try_straight=True)


@pytest.mark.parametrize("fmt", [f for f in RESULTS_FORMAT_BY_NAME if f != "tsv"])
@pytest.mark.parametrize("rows", [1, 2, 7, 1000])
def test_no_row_takes_fewer_bytes_than_the_straight_writing_counts_on(fmt, rows):
    """The solutions with the least to write, none bound, against Oxigraph's writers: an
    answer shorter than ``limit`` of them in bytes cannot hold more than ``limit`` rows."""
    oxigraph = RESULTS_FORMAT_BY_NAME[fmt].oxigraph
    for query in ("SELECT * WHERE { VALUES () { %s } }", "SELECT ?x WHERE { VALUES ?x { %s } }"):
        unbound = "()" if "()" in query else "UNDEF"
        body = pyoxigraph.Store().query(query % " ".join([unbound] * rows)).serialize(
            format=oxigraph)
        assert len(body) >= rows * MIN_ROW_BYTES[oxigraph]
        with pytest.raises(AnswerTooLong):  # exactly as many rows: too long to tell
            write_answer(pyoxigraph.Store().query(query % " ".join([unbound] * rows)), fmt,
                         rows - 1, 0, {}, try_straight=True)


@pytest.mark.parametrize("limit, rows, cut", [(0, 0, True), (1, 1, True), (10, 10, True),
                                              (11, 11, True), (12, 12, False),
                                              (13, 12, False), (None, 12, False)])
def test_the_row_limit_keeps_exactly_that_many_rows_and_says_so(awkward, limit, rows, cut):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    answer = write_answer(awkward.query(query), "json", limit, 0, {})
    bindings = json.loads(answer.body)["results"]["bindings"]
    assert (len(bindings), answer.truncated) == (rows, cut)
    assert answer.total == (rows if limit is not None else None)  # no limit: nothing counted
    assert bindings == json.loads(awkward.query(query).serialize(
        format=pyoxigraph.QueryResultsFormat.JSON))["results"]["bindings"][:rows]


@pytest.mark.parametrize("fmt", list(RDF_FORMAT_BY_NAME))
@pytest.mark.parametrize("limit, triples, cut", [(0, 0, True), (5, 5, True), (11, 11, True),
                                                 (12, 12, False), (None, 12, False)])
def test_the_row_limit_counts_triples_of_a_graph(awkward, fmt, limit, triples, cut):
    query = "CONSTRUCT WHERE { ?s ?p ?o }"
    answer = write_answer(awkward.query(query), fmt, limit, 0, {})
    parsed = list(pyoxigraph.parse(answer.body, format=RDF_FORMAT_BY_NAME[fmt].oxigraph))
    assert (len(parsed), answer.total, answer.truncated) == (triples, triples, cut)
    # the result's first triples, whichever writer wrote them (a blank node is named anew)
    def named(found):
        return {(t.subject, t.predicate, t.object) for t in found
                if not any(isinstance(term, pyoxigraph.BlankNode)
                           for term in (t.subject, t.predicate, t.object))}
    assert named(parsed) == named(list(awkward.query(query))[:triples])


def test_a_page_gets_its_first_rows_as_rdflib_terms_and_the_total(awkward):
    answer = write_answer(awkward.query(QUERIES["every term kind, with an unbound variable"]),
                          "html", 10000, 3, {})
    assert answer.body is None
    assert answer.variables == ("s", "o", "none")
    assert answer.total == 12
    assert len(answer.rows) == 3
    assert all(isinstance(row[0], (URIRef, BNode)) and row[2] is None for row in answer.rows)
    everything = write_answer(awkward.query(QUERIES["every term kind, with an unbound variable"]),
                              "html", 10000, 100, {})
    assert everything.rows[:3] == answer.rows
    assert Literal("hi", lang="en-gb") in {row[1] for row in everything.rows}


def test_triples_parsed_from_elsewhere_are_written_too(awkward):
    """The remote store hands over triples it parsed, not an Oxigraph query result."""
    ntriples = awkward.query("CONSTRUCT WHERE { ?s ?p ?o }").serialize(
        format=pyoxigraph.RdfFormat.N_TRIPLES)
    quads = list(pyoxigraph.parse(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES))
    answer = write_answer(quads, "n-triples", 4, 0, {})
    assert answer.body == b"".join(ntriples.splitlines(keepends=True)[:4])
    assert answer.truncated is True


def test_ask_answers(awkward):
    assert json.loads(write_answer(awkward.query("ASK {}"), "json", 0, 0, {}).body) == {
        "head": {}, "boolean": True}
    assert write_answer(awkward.query("ASK { ?s <http://example.org/q> ?o }"), "html", 0, 0,
                        {}).boolean is False


def test_a_format_that_does_not_fit_is_refused(awkward):
    with pytest.raises(UnsupportedFormat, match="CONSTRUCT and DESCRIBE"):
        write_answer(awkward.query("CONSTRUCT WHERE { ?s ?p ?o }"), "csv", 10, 0, {})
    with pytest.raises(UnsupportedFormat, match="SELECT and ASK"):
        write_answer(awkward.query("ASK {}"), "turtle", 10, 0, {})


def test_passing_the_limit_stops_a_query_that_would_never_end():
    """A cross product of 10^15 rows: only stopping the writer lets this return."""
    program = """
import pyoxigraph
from s2s_graph.answers import write_answer
store = pyoxigraph.Store()
store.extend(pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://example.org/{i}"),
             pyoxigraph.NamedNode("http://example.org/p"), pyoxigraph.Literal(i))
             for i in range(100000))
answer = write_answer(store.query("SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"),
                      "json", 100, 0, {})
print(answer.total, answer.truncated)
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["100", "True"], done.stderr


@pytest.mark.parametrize("max_rows", [4, 11, 12, 10000])
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_a_cheap_query_gets_the_same_answer_whether_written_straight_or_cut(awkward, fmt,
                                                                             max_rows):
    """A cheap query is written straight first, and run again through TSV when its answer
    is too long to tell whether it passes the limit: either way the answer is the same."""
    state = QueryState(awkward, "http://example.org/")
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    args = (query, fmt, (), (), max_rows, 0, {})
    cheap, usual = answer_query(state, *args, cheap=True), answer_query(state, *args)
    assert (cheap.body, cheap.truncated) == (usual.body, usual.truncated)
    assert usual.truncated == (max_rows < 12)
