"""The lists of ``/set/{type}`` come a page at a time: the page's things are found in order
first, then their columns. Every page must hold exactly the rows the whole list (the CSV)
holds at that place, whatever the sort and the filters. The real lists fit in one page, so
the page size is lowered here, and the app runs with its answer cache off.

A release lists the classes of each type's members, so that a list finds them through the
store's index; a release built before it did still lists them all."""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import replace
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from conftest import BASE, STORES, store_settings
from s2s_graph import lists

S2S = BASE + "def/s2s#"
PAGE = 7  # rows per page, at most
CASES = [("organisation", {}), ("organisation", {"sort": "-status"}),
         ("organisation", {"kind": "force", "sort": "code"}),
         ("organisation", {"status": "noReply", "sort": "-kind"}),
         ("response", {}), ("response", {"sort": "-respondent", "kind": "lpb"}),
         ("responsibility", {"sort": "concerns"}), ("responsibility", {"sort": "-status"}),
         ("recommendation", {"sort": "-responsible"}), ("organisation", {"sort": "type"}),
         ("report", {}), ("agent", {"sort": "-type"})]


@pytest.fixture(scope="module", params=STORES)
def uncached(request, project_settings, published):
    from s2s_graph.web import create_app

    settings = replace(store_settings(request.param, project_settings, request), cache_bytes=0)
    app = create_app(settings, published=published if request.param == "memory" else None)
    yield FlaskClient(app, app.response_class)
    app.extensions["s2s_graph"].release.close()


def page_rows(client, path: str) -> tuple[list[list[str]], str | None]:
    """The rows of one HTML page of a list (cell texts), and the link to the next page."""
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in soup.find("table", class_="list").select("tbody tr")]
    following = soup.find("a", rel="next")
    return rows, following["href"] if following else None


def csv_rows(client, path: str) -> list[list[str]]:
    """The rows of the CSV of a whole list, without its IRI columns."""
    response = client.get(path)
    assert response.status_code == 200, path
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    keep = [i for i, name in enumerate(table[0]) if not name.endswith("(IRI)")]
    return [[row[i] for i in keep] for row in table[1:]]


@pytest.mark.parametrize(("type_", "params"), CASES)
def test_the_pages_of_a_list_are_the_whole_list_cut_into_pieces(uncached, monkeypatch,
                                                                 type_, params):
    whole = csv_rows(uncached, f"/set/{type_}.csv?" + urlencode(params))
    assert whole, "each case lists something"
    page_size = max(1, min(PAGE, len(whole) // 2))  # two pages at least, where there are two rows
    monkeypatch.setattr(lists, "PAGE_SIZE", page_size)
    pages, number, path = [], 1, f"/set/{type_}?" + urlencode(params)
    while path:
        rows, path = page_rows(uncached, path)
        assert len(rows) == (page_size if path else len(whole) - page_size * (number - 1)), number
        pages.extend(rows)
        number += 1
    assert number - 1 == -(-len(whole) // page_size)
    assert [[" ".join(cell.split()) for cell in row] for row in pages] == \
           [[" ".join(cell.split()).replace("; ", " ") for cell in row] for row in whole]


def test_a_release_lists_the_classes_of_each_types_members(release_folder):
    classes = json.loads((release_folder / "release.json").read_text())["classes"]
    assert classes["response"] == [S2S + "Response"]
    assert classes["responsibility"] == [S2S + "Responsibility"]
    assert {S2S + "TerritorialPoliceForce", S2S + "GovernmentDepartment"} <= set(classes["organisation"])
    assert set(classes) == set(json.loads((release_folder / "release.json").read_text())["types"])


def test_a_release_built_before_the_classes_were_listed_still_lists_every_member(
        tmp_path, release_folder, project_settings, app):
    from s2s_graph.web import create_app

    older = tmp_path / "older"
    shutil.copytree(release_folder, older)
    manifest = json.loads((older / "release.json").read_text())
    del manifest["classes"]
    (older / "release.json").write_text(json.dumps(manifest))
    old_app = create_app(replace(project_settings, store="disk", dist_dir=older, cache_bytes=0))
    try:
        client, current = old_app.test_client(), app.test_client()
        for type_ in ("organisation", "response", "agent"):
            assert csv_rows(client, f"/set/{type_}.csv") == csv_rows(current, f"/set/{type_}.csv")
            assert page_rows(client, f"/set/{type_}") == page_rows(current, f"/set/{type_}")
            assert client.get(f"/set/{type_}.ttl").get_data() == \
                current.get(f"/set/{type_}.ttl").get_data()
    finally:
        old_app.extensions["s2s_graph"].release.close()


def test_lists_order_numbers_by_value_and_labels_as_text_whatever_the_store():
    """The order is made from the store's plain values: numbers by value (10 after 9, not
    before), labels by their text whatever their language, unbound first; a thing with two
    keys sits at its least (ascending) or greatest (descending)."""
    from pyoxigraph import Literal, NamedNode

    from s2s_graph.stores import plain_value

    xsd = "http://www.w3.org/2001/XMLSchema#"
    rows = [("a", Literal("10", datatype=NamedNode(xsd + "integer"))),
            ("b", Literal("9", datatype=NamedNode(xsd + "integer"))), ("c", None),
            ("d", Literal("Zebra", language="en")), ("e", Literal("apple")),
            ("f", Literal("2.5", datatype=NamedNode(xsd + "decimal"))),
            ("g", Literal("Aardvark", language="cy")), ("g", Literal("Zz"))]
    keyed = [(item, plain_value(key)) for item, key in rows]
    assert lists._in_order(keyed, descending=False) == ["c", "f", "b", "a", "g", "d", "e"]
    assert lists._in_order(keyed, descending=True) == ["e", "g", "d", "a", "b", "f", "c"]


def test_plain_values_read_from_oxigraph_text_are_those_of_the_terms():
    """Lists read their keys through Oxigraph's TSV writer (far faster than a term object
    per value); each value must be what ``plain_value`` makes of the term itself."""
    import pyoxigraph
    from pyoxigraph import BlankNode, Literal, NamedNode, Quad

    from s2s_graph.stores import _solutions_values, plain_value

    xsd = "http://www.w3.org/2001/XMLSchema#"
    objects = [NamedNode("https://example.org/thing/é?x=1"), BlankNode("b1"),
               Literal('tab\there "quoted" \\ back\nnew line, café', language="en"),
               Literal("plain"), Literal(""), Literal("it's"),
               Literal("10", datatype=NamedNode(xsd + "integer")),
               Literal("-7", datatype=NamedNode(xsd + "int")),
               Literal("+05", datatype=NamedNode(xsd + "integer")),
               Literal("1.50", datatype=NamedNode(xsd + "decimal")),
               Literal("1e3", datatype=NamedNode(xsd + "double")),
               Literal("NaN", datatype=NamedNode(xsd + "double")),
               Literal("abc", datatype=NamedNode(xsd + "integer")),
               Literal("true", datatype=NamedNode(xsd + "boolean")),
               Literal("2020-12-08", datatype=NamedNode(xsd + "date"))]
    store = pyoxigraph.Store()
    for n, term in enumerate(objects):
        store.add(Quad(NamedNode(f"https://example.org/s{n}"), NamedNode("https://example.org/p"),
                       term))
    store.add(Quad(NamedNode("https://example.org/lonely"), NamedNode("https://example.org/q"),
                   Literal("x")))
    query = """SELECT ?s ?o WHERE { { ?s <https://example.org/p> ?o }
                                    UNION { ?s <https://example.org/q> ?x } }"""
    expected = sorted(repr((plain_value(s["s"]), plain_value(s["o"])))
                      for s in store.query(query))  # by repr: NaN is not equal to itself
    assert sorted(map(repr, _solutions_values(store.query(query)))) == expected
    assert len(expected) == len(objects) + 1
    one = "SELECT ?o WHERE { ?s ?p ?any OPTIONAL { ?s <https://example.org/none> ?o } }"
    assert _solutions_values(store.query(one)) == [(None,)] * (len(objects) + 1)
