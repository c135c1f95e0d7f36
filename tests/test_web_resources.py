"""Dereferenceable URIs: /id/ answers 303, /doc/ describes its thing usefully in every format,
/def/ and /set/ serve the vocabulary, the shapes and the lists."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import FOAF, RDF, RDFS, VOID

from conftest import BASE
from s2s_graph.formats import RDF_FORMATS
from s2s_graph.published import PublishedGraph

OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def parse(response) -> Graph:
    fmt = next(f for f in RDF_FORMATS if f.media_type == response.mimetype)
    return Graph().parse(data=response.get_data(), format=fmt.rdflib_name)


def test_identifier_redirects_to_its_document_with_303(client):
    response = client.get("/id/organisation/home-office")
    assert response.status_code == 303
    assert response.headers["Location"] == "/doc/organisation/home-office"


@pytest.mark.parametrize("path", ["/id/organisation/no-such-body", "/id/organisation/Home-Office",
                                  "/id/organisation/../report/safe-to-share",
                                  "/doc/organisation/no-such-body", "/set/nothing", "/def/other",
                                  "/id/organisation", "/nowhere"])
def test_unknown_iris_are_404_with_a_message(client, path):
    response = client.get(path, headers={"Accept": "text/plain"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert len(response.get_data(as_text=True)) > 10


def test_a_browser_gets_a_404_page(client):
    response = client.get("/doc/organisation/no-such-body", headers={"Accept": "text/html"})
    assert response.status_code == 404
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "404" in soup.h1.get_text()


def test_a_force_document_describes_it_usefully(client, published: PublishedGraph):
    response = client.get("/doc/organisation/essex-police", headers={"Accept": "text/turtle"})
    graph = parse(response)
    force = URIRef(BASE + "id/organisation/essex-police")
    s2s = published.vocabulary.s2s
    for triple in published.graph.triples((force, None, None)):
        assert triple in graph
    # what points at it: its response record and its responsibilities
    assert (URIRef(BASE + "id/response/safe-to-share/essex-police"), s2s.respondent, force) in graph
    # labels and types of what it links to
    pfcc = URIRef(BASE + "id/organisation/police-fire-and-crime-commissioner-for-essex")
    assert (pfcc, RDF.type, s2s.PoliceFireAndCrimeCommissioner) in graph
    assert graph.value(pfcc, RDFS.label) is not None
    # and which dataset it is in, under which licence
    assert (force, VOID.inDataset, published.dataset_iri) in graph
    document = URIRef(BASE + "doc/organisation/essex-police")
    assert (document, FOAF.primaryTopic, force) in graph


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.suffix)
def test_every_format_of_a_document_holds_the_same_graph(client, fmt):
    by_suffix = parse(client.get(f"/doc/recommendation/safe-to-share/1.{fmt.suffix}"))
    by_accept = parse(client.get("/doc/recommendation/safe-to-share/1",
                                 headers={"Accept": fmt.media_type}))
    turtle = parse(client.get("/doc/recommendation/safe-to-share/1.ttl"))
    assert isomorphic(by_suffix, turtle) and isomorphic(by_accept, turtle)


def test_link_headers_name_every_alternate_and_the_licence(client):
    response = client.get("/doc/organisation/home-office", headers={"Accept": "text/turtle"})
    link = response.headers["Link"]
    for suffix, media_type in (("html", "text/html"), ("jsonld", "application/ld+json"),
                               ("nt", "application/n-triples"), ("rdf", "application/rdf+xml")):
        assert f'</doc/organisation/home-office.{suffix}>; rel="alternate"; type="{media_type}"' in link
    assert ".ttl>" not in link
    assert f'<{OGL}>; rel="license"' in link


def test_the_html_document_has_one_h1_the_uri_and_the_alternates(client):
    response = client.get("/doc/organisation/essex-police", headers={"Accept": "text/html"})
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert [h.get_text() for h in soup.find_all("h1")] == ["Essex Police"]
    assert BASE + "id/organisation/essex-police" in soup.get_text()
    hrefs = {a["href"] for a in soup.find_all("a")}
    assert "/doc/organisation/essex-police.ttl" in hrefs
    assert "/doc/organisation/police-fire-and-crime-commissioner-for-essex" in hrefs
    assert soup.find("link", rel="license")["href"] == OGL


@pytest.mark.parametrize("name, graph_of", [("s2s", "ontology"), ("shapes", "shapes")])
@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.suffix)
def test_vocabulary_and_shapes_are_served_in_every_format(client, published, name, graph_of, fmt):
    response = client.get(f"/def/{name}", headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert isomorphic(parse(response), getattr(published, graph_of))


def test_vocabulary_documentation_lists_every_class(client, published: PublishedGraph):
    html = client.get("/def/s2s", headers={"Accept": "text/html"}).get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    text = soup.get_text()
    for cls in ("Report", "Recommendation", "Territorial police force", "Response", "Responsibility"):
        assert cls in text


def test_shapes_documentation_has_an_anchor_per_shape(client, published: PublishedGraph):
    from rdflib.namespace import SH

    soup = BeautifulSoup(client.get("/def/shapes.html").get_data(as_text=True), "html.parser")
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    for shape in published.shapes.subjects(RDF.type, SH.NodeShape):
        if isinstance(shape, URIRef):
            assert shape.split("#")[1] in ids


@pytest.mark.parametrize("type_, count", [("organisation", 93), ("recommendation", 5),
                                           ("action", 3), ("response", 93)])
def test_set_lists_every_thing_of_a_type(client, type_, count):
    graph = parse(client.get(f"/set/{type_}.ttl"))
    members = set(graph.objects(URIRef(BASE + f"set/{type_}"),
                                URIRef("http://www.w3.org/ns/ldp#contains")))
    assert len(members) == count
    assert all(graph.value(m, RDFS.label) is not None for m in members)


def test_set_html_links_every_member(client):
    soup = BeautifulSoup(client.get("/set/recommendation.html").get_data(as_text=True), "html.parser")
    hrefs = [row.find_all("td")[1].a["href"] for row in soup.select("table.list tbody tr")]
    assert hrefs == [f"/doc/recommendation/safe-to-share/{n}" for n in range(1, 6)]


def test_home_page_links_to_the_data(client):
    soup = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    hrefs = {a["href"] for a in soup.find_all("a")}
    assert {"/sparql", "/.well-known/void", "/def/s2s", "/def/shapes",
            "/download/dataset.ttl"} <= hrefs
    assert soup.find("a", class_="skip-link")["href"] == "#main"
    assert len(soup.find_all("h1")) == 1


def test_shapes_documentation_explains_each_constraint_with_an_example(client, published):
    from rdflib.namespace import SH

    soup = BeautifulSoup(client.get("/def/shapes.html").get_data(as_text=True), "html.parser")
    pattern = soup.find(id="TerritorialPoliceForceShape-policeForceAreaCode")
    text = pattern.get_text(" ", strip=True)
    assert "exactly 1 value(s)" in text and "matching /^(E23|W15)[0-9]{6}$/" in text
    assert "Severity: Violation" in text and "E23 or W15 and six digits" in text
    examples = [s.get_text() for s in pattern.select("details summary")]
    assert any("TerritorialPoliceForceShape-policeForceAreaCode-pattern.ttl" in e for e in examples)
    assert '"E2300098"' in pattern.select_one("details pre").get_text() or len(examples) > 1
    sparql = soup.find(id="OneResponsePerBodyRule-sparql").get_text(" ", strip=True)
    assert "SHACL-SPARQL" in sparql and "SHACL Core cannot express" in sparql
    for constraint in published.shapes.subjects(SH.message, None):
        if isinstance(constraint, URIRef):
            assert soup.find(id=constraint.split("#")[1]) is not None, constraint
