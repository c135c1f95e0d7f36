"""SHACL validation as a service: POST /validate in every format and as a form, the report
in RDF or HTML, the validation form, and the limits (size, type, time)."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from conftest import BASE, EXAMPLES, MINIMAL
from s2s_graph.formats import RDF_FORMATS
from s2s_graph.sources import parse_file

INVALID = EXAMPLES / "invalid"

# A force publishing its own response record, in our vocabulary and pointing at our things.
OWN_RECORD = """
@prefix s2s: <https://w3id.org/safe-to-share/def/s2s#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://police.example/responses/2022> a s2s:Response ;
    rdfs:label "Our update on Action 2"@en ;
    s2s:respondent <https://w3id.org/safe-to-share/id/organisation/college-of-policing> ;
    s2s:respondsTo <https://w3id.org/safe-to-share/id/action/safe-to-share/2> ;
    s2s:status s2s:published ;
    s2s:statement "The revised training is out."@en ;
    dcterms:source <https://police.example/responses/2022> .
"""


def report_graph(response) -> Graph:
    fmt = next(f for f in RDF_FORMATS if f.media_type == response.mimetype)
    return Graph().parse(data=response.get_data(), format=fmt.rdflib_name)


def conforms(graph: Graph) -> bool:
    [node] = list(graph.subjects(SH.conforms, None))
    return graph.value(node, SH.conforms).toPython()


def example_document(name: str) -> bytes:
    """The minimal valid graph plus one invalid example, as N-Triples."""
    graph = Graph()
    parse_file(MINIMAL, BASE, into=graph)
    parse_file(INVALID / f"{name}.ttl", BASE, into=graph)
    return graph.serialize(format="nt", encoding="utf-8")


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.suffix)
def test_conforming_data_in_each_format(client, fmt):
    graph = Graph()
    parse_file(MINIMAL, BASE, into=graph)
    body = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    response = client.post("/validate", data=body, content_type=fmt.media_type,
                           headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert conforms(report_graph(response)) is True


@pytest.mark.parametrize("accept", [f.media_type for f in RDF_FORMATS])
def test_a_violation_is_reported_in_each_rdf_format_with_status_200(client, accept):
    response = client.post("/validate", data=example_document("ResponseShape-status-in"),
                           content_type="application/n-triples", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    graph = report_graph(response)
    assert conforms(graph) is False
    [result] = list(graph.objects(None, SH.result))
    assert graph.value(result, SH.sourceShape) == URIRef(BASE + "def/shapes#ResponseShape-status")
    assert graph.value(result, SH.resultPath) == URIRef(BASE + "def/s2s#status")
    assert graph.value(result, SH.sourceConstraintComponent) == SH.InConstraintComponent


def test_the_html_report_gives_the_verdict_first_then_each_result(client):
    response = client.post("/validate", data=example_document("TerritorialPoliceForceShape-policeUkId-pattern"),
                           content_type="application/n-triples", headers={"Accept": "text/html"})
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    main = soup.find("main")
    first = main.find("h1").find_next("p")
    assert "Does not conform" in first.get_text()
    headers = [th.get_text() for th in main.select("table.results thead th")]
    assert headers == ["Severity", "Focus node", "Path", "Value", "Shape", "Message"]
    [row] = main.select("table.results tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert cells[0] == "Violation"
    assert cells[2] == "data.police.uk identifier"
    assert cells[3] == "Other Police"
    assert "lower-case words joined by hyphens" in cells[5]
    shape_link = row.find_all("td")[4].find("a")["href"]
    assert shape_link == "/def/shapes#TerritorialPoliceForceShape-policeUkId"
    assert row.find_all("td")[1].find("a") is None, "a focus node that is not ours is not linked"


def test_focus_nodes_of_our_dataset_are_linked(client):
    record = OWN_RECORD.replace("s2s:status s2s:published", "s2s:status s2s:noReply")
    response = client.post("/validate?with=dataset", data=record.encode(),
                           content_type="text/turtle", headers={"Accept": "text/html"})
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "Does not conform" in soup.find("main").get_text()
    record_with_our_focus = """
    @prefix s2s: <https://w3id.org/safe-to-share/def/s2s#> .
    <https://w3id.org/safe-to-share/id/organisation/essex-police> s2s:policeUkId "Essex Police" .
    """
    response = client.post("/validate?with=dataset", data=record_with_our_focus.encode(),
                           content_type="text/turtle", headers={"Accept": "text/html"})
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    hrefs = [a["href"] for a in soup.select("table.results td a")]
    assert "/doc/organisation/essex-police" in hrefs


def test_with_dataset_checks_outside_data_in_context(client):
    alone = client.post("/validate", data=OWN_RECORD.encode(), content_type="text/turtle",
                        headers={"Accept": "text/turtle"})
    assert conforms(report_graph(alone)) is False  # our organisation and action are unknown alone
    together = client.post("/validate?with=dataset", data=OWN_RECORD.encode(),
                           content_type="text/turtle", headers={"Accept": "text/turtle"})
    assert conforms(report_graph(together)) is True


def test_a_second_record_for_one_of_our_forces_fails_in_context(client):
    record = """
    @prefix s2s: <https://w3id.org/safe-to-share/def/s2s#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix dcterms: <http://purl.org/dc/terms/> .
    <https://police.example/r> a s2s:Response ; rdfs:label "Essex Police again"@en ;
        s2s:respondent <https://w3id.org/safe-to-share/id/organisation/essex-police> ;
        s2s:respondsTo <https://w3id.org/safe-to-share/id/report/safe-to-share> ;
        s2s:status s2s:noReply ; dcterms:source <https://police.example/r> .
    """
    response = client.post("/validate?with=dataset", data=record.encode(),
                           content_type="text/turtle", headers={"Accept": "text/turtle"})
    graph = report_graph(response)
    shapes = {graph.value(r, SH.sourceShape) for r in graph.objects(None, SH.result)}
    assert shapes == {URIRef(BASE + "def/shapes#OneResponsePerBodyRule")}


def test_unparsable_data_is_400_with_line_and_column(client):
    response = client.post("/validate", data=b"<a:b> <a:c> <a:d> .\n<a:b> <a:c> .\n",
                           content_type="text/turtle", headers={"Accept": "text/turtle"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "line 2, column" in text and "not valid Turtle" in text


def test_an_unsupported_type_is_415(client):
    response = client.post("/validate", data=b"a,b\n1,2\n", content_type="text/csv")
    assert response.status_code == 415
    assert "text/turtle" in response.get_data(as_text=True)


def test_an_upload_over_the_limit_is_413(project_settings, published):
    from dataclasses import replace

    from s2s_graph.web import create_app

    small = create_app(replace(project_settings, max_upload_bytes=1000), published=published)
    response = small.test_client().post("/validate", data=b"#" * 2000, content_type="text/turtle")
    assert response.status_code == 413


def test_the_form_uploads_a_file(client):
    graph = Graph()
    parse_file(MINIMAL, BASE, into=graph)
    data = {"file": (io.BytesIO(graph.serialize(format="xml", encoding="utf-8")), "mine.rdf")}
    response = client.post("/validate", data=data, content_type="multipart/form-data",
                           headers={"Accept": "text/html"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find("main").find("p").get_text().startswith("Conforms.")


def test_the_form_takes_pasted_text_with_a_format(client):
    graph = Graph()
    parse_file(MINIMAL, BASE, into=graph)
    data = {"data": graph.serialize(format="json-ld"), "format": "json-ld", "with": ""}
    response = client.post("/validate", data=data, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "Conforms." in response.get_data(as_text=True)


@pytest.mark.parametrize("data, words", [
    (lambda: {"data": "   "}, "no data"),
    (lambda: {"data": "<a:b> <a:c> <a:d> .", "format": "csv"}, "Unknown format"),
    (lambda: {"file": (io.BytesIO(b"<a:b> <a:c> <a:d> ."), "data.txt")}, "Choose the format"),
])
def test_form_mistakes_get_400_with_a_message(client, data, words):
    response = client.post("/validate", data=data(), content_type="multipart/form-data",
                           headers={"Accept": "text/plain"})
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)


def test_the_validation_form_works_without_javascript(client):
    soup = BeautifulSoup(client.get("/validate").get_data(as_text=True), "html.parser")
    form = soup.find("form")
    assert form["method"] == "post" and form["action"] == "/validate"
    assert form["enctype"] == "multipart/form-data"
    for control in form.find_all(["input", "textarea", "select"]):
        assert soup.find("label", attrs={"for": control["id"]}) is not None
    assert soup.find("script") is None


def test_validation_over_the_time_limit_is_503_and_the_next_one_works(project_settings, published):
    from dataclasses import replace

    from s2s_graph.web import create_app

    app = create_app(replace(project_settings, validation_time_limit_s=0.3), published=published)
    client = app.test_client()
    big = "\n".join(f"<https://e.example/f{i}> a <https://w3id.org/safe-to-share/def/s2s#Response> ."
                    for i in range(20000))
    response = client.post("/validate?with=dataset", data=big.encode(), content_type="text/turtle",
                           headers={"Accept": "text/plain"})
    assert response.status_code == 503
    assert "limit of 0.3 s" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]
    small = client.post("/validate", data=b"<a:b> <a:c> <a:d> .", content_type="text/turtle",
                        headers={"Accept": "text/turtle"})
    assert small.status_code == 200
    app.extensions["s2s_graph"].validators.get().close()
