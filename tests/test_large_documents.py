"""Things that many records point at: at scale a body is pointed at by thousands of records
(a response and several duties per report). Its document keeps all its own statements but
only the first statements by each property that points at it, and says where the rest are;
its page shows the first records of each panel and links the query that lists them all.

The real data has no such thing, so the limits are lowered here; the app runs with its
answer cache off, so that no page rendered under other limits is replayed."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import FOAF, RDFS

from conftest import BASE, STORES, store_settings
from s2s_graph import documents, pages

S2S = Namespace(BASE + "def/s2s#")
REPORT = URIRef(BASE + "id/report/safe-to-share")
REPORT_DOC = URIRef(BASE + "doc/report/safe-to-share")


@pytest.fixture(scope="module", params=STORES)
def uncached(request, project_settings, published):
    """A client of an app with no answer cache, on each store."""
    from s2s_graph.web import create_app

    settings = replace(store_settings(request.param, project_settings, request), cache_bytes=0)
    app = create_app(settings, published=published if request.param == "memory" else None)
    yield FlaskClient(app, app.response_class)
    app.extensions["s2s_graph"].release.close()


def turtle(client, path: str) -> Graph:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, path
    return Graph().parse(data=response.get_data(as_text=True), format="turtle", publicID=BASE)


def html(client, path: str) -> BeautifulSoup:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def local(url: str) -> str:
    """The path and query of one of our URLs, absolute (BASE…) or site-relative."""
    parts = urlsplit(url)
    return parts.path.removeprefix(urlsplit(BASE).path.rstrip("/")) + "?" + parts.query


def result_rows(soup: BeautifulSoup) -> int:
    return len(soup.find("table", class_="results").select("tbody tr"))


def test_a_document_keeps_the_first_statements_by_a_property_and_links_them_all(
        uncached, monkeypatch):
    full = turtle(uncached, "/doc/report/safe-to-share")
    pointing = {p: sorted(set(full.subjects(p, REPORT)))
                for p in set(full.predicates(None, REPORT)) if p != FOAF.primaryTopic}
    cap = len(pointing[S2S.inReport]) - 1  # 7 of 8 items; 89 responses, 88 duties
    over = {p: things for p, things in pointing.items() if len(things) > cap}
    assert len(over) == 3
    monkeypatch.setattr(documents, "INBOUND_PER_PROPERTY", cap)

    capped = turtle(uncached, "/doc/report/safe-to-share")
    for prop, things in over.items():
        assert set(capped.subjects(prop, REPORT)) == set(things[:cap]), prop
    assert set(capped.predicate_objects(REPORT)) == set(full.predicate_objects(REPORT)), \
        "the thing's own statements are all kept"
    for response in over[S2S.respondsTo][:cap]:  # what they are is still said
        assert capped.value(response, RDFS.label) == full.value(response, RDFS.label)

    comments = " ".join(str(c) for c in capped.objects(REPORT_DOC, RDFS.comment))
    for things in over.values():
        assert f"{cap:,} of the {len(things):,} statements" in comments
    links = list(capped.objects(REPORT_DOC, RDFS.seeAlso))
    assert len(links) == len(over), "one query for each property over the limit"
    found = {}
    for link in links:
        assert str(link).startswith(BASE + "sparql?query="), "our endpoint, a GET URL"
        everything = turtle(uncached, local(str(link)))
        (prop,) = set(everything.predicates())
        found[prop] = sorted(everything.subjects(prop, REPORT))
        assert len(everything) == len(found[prop]), "only those statements"
    assert found == over


def test_a_document_under_the_limit_says_nothing_of_it(uncached, monkeypatch):
    monkeypatch.setattr(documents, "INBOUND_PER_PROPERTY", 10_000)
    graph = turtle(uncached, "/doc/report/safe-to-share")
    assert (REPORT_DOC, FOAF.primaryTopic, REPORT) in graph
    assert not list(graph.objects(REPORT_DOC, RDFS.seeAlso))
    assert not list(graph.objects(REPORT_DOC, RDFS.comment))


def test_a_page_counts_every_record_that_refers_to_it_and_links_them_all(uncached, monkeypatch):
    responses = set(turtle(uncached, "/doc/report/safe-to-share").subjects(S2S.respondsTo, REPORT))
    monkeypatch.setattr(documents, "INBOUND_PER_PROPERTY", 4)
    monkeypatch.setattr(pages, "INCOMING_LIMIT", 2)
    soup = html(uncached, "/doc/report/safe-to-share")
    table = soup.find("h2", string="Records that refer to it").find_next("table")
    more = [a for a in table.find_all("a") if "more (all of them)" in a.get_text()]
    texts = {a.get_text() for a in more}
    assert f"… and {len(responses) - 2:,} more (all of them)" in texts, \
        "the count is of every record, not of the few the document holds"
    link = next(a["href"] for a in more if a.get_text().startswith(f"… and {len(responses) - 2:,}"))
    listed = html(uncached, link)
    assert result_rows(listed) == len(responses)


def test_a_panel_shows_its_first_records_and_links_them_all(uncached, monkeypatch):
    monkeypatch.setattr(pages, "PANEL_ROWS", 1)
    soup = html(uncached, "/doc/organisation/essex-police")
    heading = soup.find("h2", string="Responses of the force and of its local policing body")
    table = heading.find_next("table")
    assert [r.find("td").get_text(strip=True) for r in table.select("tbody tr")] == ["Essex Police"]
    assert "The first 1 records are shown" in heading.find_next("p").get_text()
    link = table.find_next("a", string="All 2 records, on the query page")
    listed = html(uncached, link["href"])
    assert result_rows(listed) == 2
    text = listed.find("table", class_="results").get_text()
    assert "Essex Police" in text and "Commissioner for Essex" in text
