"""Read-only SPARQL: what is refused, what runs, and how results are written."""

from __future__ import annotations

import json

import pytest

from s2s_graph.answers import write_answer
from s2s_graph.errors import QueryError, QueryRefused, UnsupportedFormat
from s2s_graph.published import PublishedGraph
from s2s_graph.sparql import check_query, keywords, row_bound, run_query


def written(published: PublishedGraph, query: str, fmt: str) -> bytes:
    """Run ``query`` and write its whole answer in ``fmt``, as the CLI does."""
    return run_query(published.store, query, published.vocabulary.base,
                     then=lambda result: write_answer(result, fmt, None, 0, {})).body


@pytest.mark.parametrize("query", [
    "INSERT DATA { <a:b> <a:c> <a:d> }",
    "PREFIX ex: <http://example.org/>\nDELETE WHERE { ?s ?p ?o }",
    "load <http://example.org/data.ttl>",
    "BASE <http://example.org/> CLEAR ALL",
    "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DROP GRAPH <http://example.org/g>",
])
def test_updates_are_refused(query: str):
    with pytest.raises(QueryRefused, match="read-only"):
        check_query(query)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o . SERVICE ?endpoint { ?s ?p ?o } }",
    "# comment\nASK { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p 1 service<http://example.org/sparql>{ ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p 1SERVICE <http://example.org/sparql> { ?s ?p ?o } }",  # no space
    'SELECT * WHERE { ?s ?p "#"SERVICE <http://example.org/sparql> { ?s ?p ?o } }',
    "SELECT * WHERE { ?s ?p ?o }#\nSERVICE <http://example.org/sparql> { ?s ?p ?o }",
])
def test_service_is_refused(query: str):
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(query)


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "SERVICE" }',
    "SELECT * WHERE { ?s ?p '''INSERT\nDATA''' }",
    "SELECT ?service WHERE { ?service ?p ?o }",
    "PREFIX load: <http://example.org/> SELECT * WHERE { ?s load:service ?o }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://example.org/> in a comment",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER (?o < 3 && ?o > 1) }",
])
def test_keywords_inside_strings_iris_names_and_comments_are_not_refused(query: str):
    check_query(query)


@pytest.mark.parametrize("query, form", [
    ("SELECT * WHERE { ?s ?p ?o }", "select"),
    ("PREFIX select: <http://example.org/>\nask { ?s select:p ?o }", "ask"),
    ("# SELECT in a comment\nCONSTRUCT WHERE { ?s ?p ?o }", "graph"),
    ("BASE <http://example.org/select> DESCRIBE <a>", "graph"),
])
def test_checking_a_query_gives_its_form(query: str, form: str):
    assert check_query(query) == form


def test_keywords_are_read_outside_strings_and_iris():
    assert keywords('SELECT ?x WHERE { ?x <a:SERVICE> "LOAD" } # DROP') == ["SELECT", "WHERE"]


@pytest.mark.parametrize("query, bound", [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 5", 5),
    ("select * where { ?s ?p ?o } order by desc(?o)limit 5 offset 10", 5),
    ("SELECT * WHERE { ?s ?p ?o }\nOFFSET 10\nLIMIT 7 # the first page\n", 7),
    ("SELECT * WHERE { ?s ?p ?o }LIMIT 0", 0),
    ("SELECT * WHERE { ?s ?p ?o }", None),
    ("SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o } LIMIT 5 } }", None),  # a subquery's
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 5 VALUES ?s { <http://example.org/a> }", None),
    ("SELECT * WHERE { ?s ?p ?o } # LIMIT 5\n", None),
    ('SELECT * WHERE { ?s ?p "LIMIT 5" }', None),
    ("SELECT * WHERE { ?s <http://example.org/LIMIT> 5 }", None),
    ("PREFIX e: <http://example.org/> SELECT * WHERE { ?s e:LIMIT 5 }", None),
])
def test_the_row_bound_is_read_from_the_query_s_own_limit(query: str, bound: int | None):
    assert row_bound(query) == bound


def test_relative_iris_resolve_against_the_base(published: PublishedGraph):
    result = run_query(published.store, "ASK { <id/report/safe-to-share> ?p ?o }",
                       published.vocabulary.base)
    assert result.boolean is True


def test_default_graph_is_the_union_and_named_graphs_select(published: PublishedGraph):
    base = published.vocabulary.base
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    union = run_query(published.store, count, base)
    vocabulary_only = run_query(published.store, count, base,
                                default_graph_uris=(base + "def/s2s",))
    assert int(union.rows[0][0].value) == len(published.graph)
    assert 0 < int(vocabulary_only.rows[0][0].value) < len(published.graph)


def test_from_an_unknown_graph_reads_nothing_and_fetches_nothing(published: PublishedGraph):
    result = run_query(published.store, "SELECT * FROM <http://127.0.0.1:9/x.ttl> "
                       "WHERE { ?s ?p ?o }", published.vocabulary.base)
    assert result.rows == ()


def test_syntax_errors_give_line_and_column(published: PublishedGraph):
    with pytest.raises(QueryError) as caught:
        run_query(published.store, "SELECT *\nWHERE { ?s ?p }", published.vocabulary.base)
    assert caught.value.line == 2
    assert f"line 2, column {caught.value.column}:" in str(caught.value)


def test_select_results_in_every_results_format(published: PublishedGraph):
    query = ('SELECT ?label WHERE { <id/organisation/home-office> '
             '<http://www.w3.org/2000/01/rdf-schema#label> ?label }')
    assert json.loads(written(published, query, "json"))["results"]["bindings"][0]["label"] == {
        "type": "literal", "value": "Home Office", "xml:lang": "en"}
    assert written(published, query, "csv") == b"label\r\nHome Office\r\n"
    assert written(published, query, "tsv") == b'?label\n"Home Office"@en\n'
    assert b"Home Office" in written(published, query, "xml")
    with pytest.raises(UnsupportedFormat):
        written(published, query, "turtle")


def test_ask_results_as_json_and_xml(published: PublishedGraph):
    assert json.loads(written(published, "ASK { ?s ?p ?o }", "json"))["boolean"] is True
    assert b"<boolean>true</boolean>" in written(published, "ASK { ?s ?p ?o }", "xml")
