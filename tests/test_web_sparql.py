"""The SPARQL 1.1 Protocol, query operation (§2.1), through the Flask test client."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from conftest import BASE
from s2s_graph.namespaces import SD
from s2s_graph.sparql import run_query

COUNT_FORCES = ("PREFIX s2s: <https://w3id.org/safe-to-share/def/s2s#> "
                "SELECT (COUNT(?f) AS ?n) WHERE { ?f a s2s:TerritorialPoliceForce }")
JSON = {"Accept": "application/sparql-results+json"}


def count(response) -> int:
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(json.loads(response.get_data())["results"]["bindings"][0]["n"]["value"])


def test_query_by_get(client):
    assert count(client.get("/sparql?query=" + quote(COUNT_FORCES), headers=JSON)) == 43


def test_query_by_post_form(client):
    assert count(client.post("/sparql", data={"query": COUNT_FORCES}, headers=JSON)) == 43


def test_query_by_post_body(client):
    response = client.post("/sparql", data=COUNT_FORCES.encode(),
                           content_type="application/sparql-query", headers=JSON)
    assert count(response) == 43


def test_bytes_that_are_not_utf8_stay_percent_encoded(client):
    # %FF decodes to no character, so it is read as the three characters "%FF", as werkzeug
    # reads any query string, and the query compares it with the string "%FF" (%25 is "%").
    response = client.get("/sparql?query=ASK%20%7B%20FILTER(%22%FF%22%20%3D%20%22%25FF%22)%20%7D",
                          headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert json.loads(response.get_data())["boolean"] is True


NO_REPLY = ("PREFIX s2s: <https://w3id.org/safe-to-share/def/s2s#>\n"
            "SELECT ?report ?body WHERE {\n"
            "  ?duty s2s:responsibleBody ?body ; s2s:concerns ?report ; s2s:role s2s:respond .\n"
            "  FILTER NOT EXISTS { ?r s2s:respondent ?body ; s2s:respondsTo ?report ;\n"
            "                      s2s:status ?s FILTER (?s != s2s:noReply) }\n"
            "}")


def test_filter_not_exists_answers_as_oxigraph_answers_the_query_as_sent(client, published):
    # Run as MINUS by the embedded stores (s2s_graph.anti_joins), as sent by the remote one.
    response = client.post("/sparql", data={"query": NO_REPLY}, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    served = sorted((b["report"]["value"], b["body"]["value"])
                    for b in json.loads(response.get_data())["results"]["bindings"])
    as_sent = run_query(published.store, NO_REPLY, BASE, rewrite=False)
    assert served == sorted((r.value, b.value) for r, b in as_sent.rows)
    assert len(served) > 10  # bodies that must respond and did not


def test_relative_iris_resolve_against_the_base(client):
    query = "SELECT (COUNT(*) AS ?n) WHERE { <id/organisation/home-office> ?p ?o }"
    assert count(client.get("/sparql?query=" + quote(query), headers=JSON)) > 3


def test_default_graph_uri_selects_the_default_graph(client):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/safe-to-share/def/s2s#TerritorialPoliceForce> }"
    vocabulary = quote(BASE + "def/s2s")
    dataset = quote(BASE + "id/dataset/safe-to-share")
    assert count(client.get(f"/sparql?query={quote(query)}&default-graph-uri={vocabulary}",
                            headers=JSON)) == 0
    assert count(client.get(f"/sparql?query={quote(query)}&default-graph-uri={dataset}",
                            headers=JSON)) == 43
    # also in the URL of a POSTed query body (§2.1.3)
    response = client.post(f"/sparql?default-graph-uri={vocabulary}", data=query.encode(),
                           content_type="application/sparql-query", headers=JSON)
    assert count(response) == 0


def test_named_graph_uri_selects_the_named_graphs(client):
    query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(client.get("/sparql?query=" + quote(query), headers=JSON)) == 2
    named = quote(BASE + "def/s2s")
    assert count(client.get(f"/sparql?query={quote(query)}&named-graph-uri={named}",
                            headers=JSON)) == 1


@pytest.mark.parametrize("request_kwargs, status, words", [
    ({"query_string": {"query": ["ASK {}", "ASK {}"]}}, 400, "one 'query'"),
    ({"method": "POST", "data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400, "not both"),
    ({"method": "POST", "data": {"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, 403, "read-only"),
    ({"query_string": {"update": "CLEAR ALL"}}, 403, "read-only"),
    ({"method": "POST", "data": b"CLEAR ALL", "content_type": "application/sparql-update"}, 403, "read-only"),
    ({"query_string": {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, 403, "read-only"),
    ({"method": "POST", "data": b"ASK {}", "content_type": "text/plain"}, 415, "application/sparql-query"),
    ({"method": "POST", "data": b""}, 415, "not accepted"),
    ({"method": "POST", "data": {"other": "x"}}, 400, "has no 'query'"),
    ({"query_string": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, "line 1, column"),
    ({"query_string": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}}, 403, "SERVICE"),
])
def test_bad_requests_get_the_protocol_status_and_a_message(client, request_kwargs, status, words):
    kwargs = dict(request_kwargs)
    method = kwargs.pop("method", "GET")
    response = client.open("/sparql", method=method, headers={"Accept": "text/plain"}, **kwargs)
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_over_long_queries_are_refused(client, app):
    limit = app.extensions["s2s_graph"].settings.max_query_bytes
    long_query = "ASK { }" + "#" * (limit + 10)
    assert client.post("/sparql", data=long_query.encode(),
                       content_type="application/sparql-query").status_code == 413
    assert client.get("/sparql?query=" + quote(long_query)).status_code == 414


def test_select_results_in_csv_and_tsv(client):
    query = ('SELECT ?name WHERE { <id/organisation/npcc> '
             '<http://www.w3.org/2004/02/skos/core#prefLabel> ?name }')
    response = client.get("/sparql?query=" + quote(query), headers={"Accept": "text/csv"})
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [
        ["name"], ["National Police Chiefs’ Council"]]
    response = client.get("/sparql?query=" + quote(query),
                          headers={"Accept": "text/tab-separated-values"})
    assert response.get_data(as_text=True) == '?name\n"National Police Chiefs’ Council"@en\n'


def test_tsv_escapes_tabs_newlines_and_quotes(client):
    query = 'SELECT ?x WHERE { VALUES ?x { "a\\tb\\nc\\"d" } }'
    response = client.get("/sparql?query=" + quote(query),
                          headers={"Accept": "text/tab-separated-values"})
    assert response.get_data() == b'?x\n"a\\tb\\nc\\"d"\n'


def test_ask_as_xml(client):
    response = client.get("/sparql?query=" + quote("ASK { ?s ?p ?o }"),
                          headers={"Accept": "application/sparql-results+xml"})
    assert b"<boolean>true</boolean>" in response.get_data()


@pytest.mark.parametrize("media_type, rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")])
def test_construct_in_every_rdf_format(client, media_type, rdflib_format):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { BIND(<id/organisation/npcc> AS ?s) ?s ?p ?o }"
    response = client.get("/sparql?query=" + quote(query), headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    graph = Graph().parse(data=response.get_data(), format=rdflib_format)
    assert (URIRef(BASE + "id/organisation/npcc"), None, None) in graph and len(graph) >= 5


def test_describe(client):
    response = client.get("/sparql?query=" + quote("DESCRIBE <id/organisation/npcc>"),
                           headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.get_data(), format="turtle")
    assert (URIRef(BASE + "id/organisation/npcc"), None, None) in graph


def test_service_description_for_rdf_clients(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.get_data(), format="turtle")
    service = URIRef(BASE + "sparql")
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_TSV") in formats
    assert URIRef("http://www.w3.org/ns/formats/JSON-LD") in formats
    dataset = graph.value(service, SD.defaultDataset)
    assert graph.value(dataset, SD.defaultGraph) is not None
    assert len(list(graph.objects(dataset, SD.namedGraph))) == 2
    assert URIRef(BASE + ".well-known/void") in set(graph.objects(dataset, None))


def test_query_page_for_browsers_runs_a_query(client):
    response = client.post("/sparql", data={"query": "SELECT ?s WHERE { ?s a <https://w3id.org/safe-to-share/def/s2s#Recommendation> } ORDER BY ?s"},
                           headers={"Accept": "text/html"})
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find("label", attrs={"for": "query"}) is not None
    cells = [a["href"] for a in soup.select("table.results td a")]
    assert cells == [f"/doc/recommendation/safe-to-share/{n}" for n in range(1, 6)]
    # Each link reads as the thing's label, as the data gives it, not as its IRI.
    texts = [a.get_text() for a in soup.select("table.results td a")]
    assert texts == [f"Recommendation {n}" for n in range(1, 6)]


def test_cors_preflight_and_headers(client):
    response = client.options("/sparql", headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type, Accept"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed and "accept" in allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    response = client.get("/doc/organisation/npcc", headers={"Origin": "https://x.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("method, path, status", [
    ("get", "/doc/organisation/no-such-body", 404),  # an error page
    ("post", "/sparql", 200),  # an answer to a POSTed query
    ("get", "/download/dataset.ttl", 200),  # a file
    ("get", "/sparql?query=SELECT", 400),
])
def test_every_response_may_be_read_from_any_origin(client, method, path, status):
    kwargs = {"data": {"query": "ASK {}"}} if method == "post" else {}
    response = getattr(client, method)(path, headers={"Origin": "https://x.example"}, **kwargs)
    assert response.status_code == status
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["*"]
    assert "S2S-Results-Truncated" in response.headers["Access-Control-Expose-Headers"]


def test_a_preflight_grants_only_what_the_policy_allows(client):
    denied = client.options("/sparql", headers={
        "Origin": "https://x.example", "Access-Control-Request-Method": "DELETE"})
    assert "Access-Control-Allow-Methods" not in denied.headers
    partly = client.options("/sparql", headers={
        "Origin": "https://x.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Secret, accept"})
    assert partly.headers["Access-Control-Allow-Headers"] == "accept"
    assert partly.headers["Access-Control-Max-Age"] == "86400"
