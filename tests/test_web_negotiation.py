"""Content negotiation as one table: (path, Accept) -> (status, Content-Type, Vary: Accept).

Suffixes force a format and do not vary; browsers, curl, SPARQLWrapper, Comunica and YASGUI
send the Accept headers below.
"""

from __future__ import annotations

import pytest

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CURL = "*/*"
SPARQLWRAPPER_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"
SPARQLWRAPPER_XML = "application/sparql-results+xml"
SPARQLWRAPPER_TURTLE = "application/turtle,text/turtle"
SPARQLWRAPPER_RDFXML = "application/rdf+xml"
COMUNICA = ("application/sparql-results+json;q=1.0,application/sparql-results+xml;q=0.7,"
            "text/csv;q=0.5,text/tab-separated-values;q=0.5,*/*;q=0.1")
YASGUI_SELECT = "application/sparql-results+json,*/*;q=0.9"
YASGUI_CONSTRUCT = "text/turtle,*/*;q=0.9"
RDF_CLIENT = "text/turtle;q=0.9, application/rdf+xml;q=0.8, application/ld+json;q=1.0"

DOC = "/doc/organisation/home-office"
SELECT = "/sparql?query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+1"
CONSTRUCT = "/sparql?query=CONSTRUCT+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+1"

TABLE = [
    # path, Accept, status, Content-Type, varies by Accept
    (DOC, None, 200, "text/html", True),
    (DOC, CURL, 200, "text/html", True),
    (DOC, BROWSER, 200, "text/html", True),
    (DOC, "text/turtle", 200, "text/turtle", True),
    (DOC, "application/ld+json", 200, "application/ld+json", True),
    (DOC, "application/n-triples", 200, "application/n-triples", True),
    (DOC, "application/rdf+xml", 200, "application/rdf+xml", True),
    (DOC, RDF_CLIENT, 200, "application/ld+json", True),
    (DOC, "text/turtle;q=0.5, text/html;q=0.4", 200, "text/turtle", True),
    (DOC, "application/*", 200, "application/ld+json", True),
    (DOC, "application/xml", 406, "text/plain", True),
    (DOC, "text/ttl", 406, "text/plain", True),
    (DOC, "image/png", 406, "text/plain", True),
    (DOC, "text/turtle;q=0", 406, "text/plain", True),
    (DOC + ".ttl", BROWSER, 200, "text/turtle", False),
    (DOC + ".jsonld", "text/turtle", 200, "application/ld+json", False),
    (DOC + ".nt", None, 200, "application/n-triples", False),
    (DOC + ".rdf", "application/xml", 200, "application/rdf+xml", False),
    (DOC + ".html", "text/turtle", 200, "text/html", False),
    ("/set/organisation", "text/turtle", 200, "text/turtle", True),
    ("/set/organisation.nt", None, 200, "application/n-triples", False),
    ("/set/organisation", BROWSER, 200, "text/html", True),
    ("/def/s2s", BROWSER, 200, "text/html", True),
    ("/def/s2s", "text/turtle", 200, "text/turtle", True),
    ("/def/s2s.rdf", None, 200, "application/rdf+xml", False),
    ("/def/shapes", "application/ld+json", 200, "application/ld+json", True),
    ("/def/shapes.html", None, 200, "text/html", False),
    ("/.well-known/void", None, 200, "text/turtle", True),
    ("/.well-known/void", "application/rdf+xml", 200, "application/rdf+xml", True),
    ("/sparql", BROWSER, 200, "text/html", True),
    ("/sparql", "text/turtle", 200, "text/turtle", True),
    ("/sparql", "application/ld+json", 200, "application/ld+json", True),
    (SELECT, None, 200, "application/sparql-results+json", True),
    (SELECT, CURL, 200, "application/sparql-results+json", True),
    (SELECT, BROWSER, 200, "text/html", True),
    (SELECT, SPARQLWRAPPER_JSON, 200, "application/sparql-results+json", True),
    (SELECT, SPARQLWRAPPER_XML, 200, "application/sparql-results+xml", True),
    (SELECT, COMUNICA, 200, "application/sparql-results+json", True),
    (SELECT, YASGUI_SELECT, 200, "application/sparql-results+json", True),
    (SELECT, "text/csv", 200, "text/csv", True),
    (SELECT, "text/tab-separated-values", 200, "text/tab-separated-values", True),
    (SELECT, "text/turtle", 406, "text/plain", True),
    (CONSTRUCT, None, 200, "text/turtle", True),
    (CONSTRUCT, SPARQLWRAPPER_TURTLE, 200, "text/turtle", True),
    (CONSTRUCT, SPARQLWRAPPER_RDFXML, 200, "application/rdf+xml", True),
    (CONSTRUCT, YASGUI_CONSTRUCT, 200, "text/turtle", True),
    (CONSTRUCT, "application/ld+json", 200, "application/ld+json", True),
    (CONSTRUCT, "application/n-triples", 200, "application/n-triples", True),
    (CONSTRUCT, "application/sparql-results+json", 406, "text/plain", True),
]


@pytest.mark.parametrize(("path", "accept", "status", "content_type", "varies"), TABLE)
def test_negotiation(client, path, accept, status, content_type, varies):
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get(path, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == content_type
    assert ("Accept" in response.vary) == varies


def test_406_lists_what_is_offered(client):
    response = client.get(DOC, headers={"Accept": "application/xml"})
    body = response.get_data(as_text=True)
    for media_type in ("text/html", "text/turtle", "application/ld+json",
                       "application/n-triples", "application/rdf+xml"):
        assert media_type in body


def test_an_unknown_suffix_is_not_found(client):
    assert client.get(DOC + ".xlsx").status_code == 404
