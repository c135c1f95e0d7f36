"""Rules the data keeps, as SPARQL queries that must return no rows (each row says what is wrong)."""

from __future__ import annotations

import pytest

from s2s_graph.published import PublishedGraph
from s2s_graph.sparql import run_query

PREFIXES = """
PREFIX s2s: <def/s2s#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

# (rule, query selecting the offending rows). IRIs in the queries are relative to BASE.
RULES = [
    ("every thing under id/ names its source (except our own agent)", """
        SELECT ?thing WHERE {
          ?thing ?p ?o .
          FILTER (STRSTARTS(STR(?thing), STR(<id/>)) && !STRSTARTS(STR(?thing), STR(<id/agent/>)))
          FILTER NOT EXISTS { ?thing dcterms:source ?source }
        }"""),
    ("every thing under id/ has a label", """
        SELECT DISTINCT ?thing WHERE {
          ?thing ?p ?o . FILTER STRSTARTS(STR(?thing), STR(<id/>))
          FILTER NOT EXISTS { ?thing rdfs:label ?label }
        }"""),
    ("every document we cite is described, with a label", """
        SELECT DISTINCT ?document WHERE {
          ?thing dcterms:source|s2s:listedOn|s2s:relatedDocument|dcat:landingPage ?document .
          FILTER NOT EXISTS { ?document a foaf:Document ; rdfs:label ?label }
        }"""),
    ("every IRI under id/ that the data links to is described in it", """
        SELECT DISTINCT ?target WHERE {
          ?thing ?p ?target . FILTER (isIRI(?target) && STRSTARTS(STR(?target), STR(<id/>)))
          FILTER NOT EXISTS { ?target ?q ?v }
        }"""),
    ("no blank nodes: every thing can be linked to", """
        SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER (isBlank(?s) || isBlank(?o)) }"""),
    ("an organisation's rdfs:label is its preferred label", """
        SELECT ?org WHERE {
          ?org skos:prefLabel ?pref ; rdfs:label ?label . FILTER (?pref != ?label)
        }"""),
    ("research flags never leak into texts", """
        SELECT ?thing ?text WHERE {
          ?thing ?p ?text . FILTER isLiteral(?text)
          FILTER REGEX(STR(?text), "PARAPHRASE|UNKNOWN|\\\\(not report wording|\\\\[the recommendation")
        }"""),
    ("an inferred number says how it was inferred", """
        SELECT ?item WHERE {
          ?item s2s:numberBasis s2s:inferred .
          FILTER NOT EXISTS { ?item rdfs:comment ?why }
        }"""),
    ("an inferred responsibility says how it was inferred", """
        SELECT ?responsibility WHERE {
          ?responsibility s2s:basis s2s:inferred .
          FILTER NOT EXISTS { ?responsibility dcterms:description ?why }
        }"""),
    ("an item without text says why", """
        SELECT ?item WHERE {
          ?item s2s:inReport ?report . FILTER NOT EXISTS { ?item s2s:text ?text }
          FILTER NOT EXISTS { ?item rdfs:comment ?why }
        }"""),
    ("a response listed on the page names the page as a source", """
        SELECT ?response WHERE {
          ?response s2s:listedOn ?page . FILTER NOT EXISTS { ?response dcterms:source ?page }
        }"""),
]


@pytest.mark.parametrize(("rule", "query"), RULES, ids=[r for r, _ in RULES])
def test_data_rule_holds(published: PublishedGraph, rule: str, query: str):
    result = run_query(published.store, PREFIXES + query, published.vocabulary.base)
    offending = [" ".join(str(term.value) for term in row if term is not None) for row in result.rows]
    assert not offending, f"{rule}: " + "; ".join(offending[:10])


def test_recommendations_and_actions_are_numbered_as_the_sources_give(published: PublishedGraph):
    result = run_query(published.store, PREFIXES + """
        SELECT ?kind ?number ?basis ?textKind WHERE {
          ?item a ?kind ; s2s:number ?number ; s2s:numberBasis ?basis .
          FILTER (?kind IN (s2s:Recommendation, s2s:Action))
          OPTIONAL { ?item s2s:textKind ?textKind }
        } ORDER BY ?kind ?number""", published.vocabulary.base)
    got = [(row[0].value.split("#")[1], int(row[1].value), row[2].value.split("#")[1],
            row[3].value.split("#")[1] if row[3] is not None else None) for row in result.rows]
    assert got == [
        ("Action", 1, "stated", "reportWording"),
        ("Action", 2, "stated", "reportWording"),
        ("Action", 3, "stated", "reportWording"),
        ("Recommendation", 1, "stated", "reportWording"),
        ("Recommendation", 2, "stated", "paraphrase"),
        ("Recommendation", 3, "inferred", "paraphrase"),
        ("Recommendation", 4, "stated", "paraphrase"),
        ("Recommendation", 5, "stated", None),
    ]
