"""The human side, through the test client with the HTML parsed: home and dashboard, the
responsibility matrix, entity pages, lists with filters and CSV, the query page and its
examples, the vocabulary documentation."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

from conftest import BASE

PAGES = ["/", "/matrix", "/set/organisation", "/sparql", "/validate", "/def/s2s", "/def/shapes",
         "/doc/organisation/essex-police", "/doc/report/safe-to-share", "/.well-known/void.html"]


def page(client, path: str) -> BeautifulSoup:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def rows(table) -> list[list[str]]:
    return [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]
            for tr in table.select("tbody tr")]


# --- every page --------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_accessible_by_construction(client, path):
    soup = page(client, path)
    assert soup.html["lang"] == "en"
    assert len(soup.find_all("h1")) == 1
    assert soup.find("a", class_="skip-link")["href"] == "#main" and soup.find(id="main")
    for control in soup.find_all(["input", "select", "textarea"]):
        if control.get("type") in ("hidden", "submit"):
            continue
        assert soup.find("label", attrs={"for": control.get("id")}), (path, control)
    for table in soup.find_all("table"):
        assert table.find("caption") and table.find("th"), path
    assert not soup.find("script"), "pages work without JavaScript and load none"
    for tag in soup.find_all(["link", "img", "script", "iframe"]):
        url = tag.get("href") or tag.get("src") or ""
        assert not re.match(r"^(https?:)?//", url) or tag.get("rel") in (["license"], ["alternate"]), \
            f"{path} loads {url} from another site"


# --- home and dashboard --------------------------------------------------------------------

def test_home_says_what_the_dataset_is_and_where_to_go(client):
    soup = page(client, "/")
    text = soup.get_text(" ", strip=True)
    assert "Open Government Licence v3.0" in text and "1.0.0" in text and "2026-11-26" in text
    assert "GOV.UK: Responses to Safe to Share report on policing and immigration" in text
    hrefs = {a["href"] for a in soup.find_all("a")}
    assert {"/sparql", "/validate", "/def/s2s", "/def/shapes", "/.well-known/void",
            "/download/dataset.ttl", "/download/dataset.jsonld", "/matrix"} <= hrefs


def test_dashboard_counts_by_kind_and_status(client):
    soup = page(client, "/")
    table = soup.find("table", class_="counts")
    assert rows(table) == [
        ["Police forces", "34", "8", "1", "43"],
        ["Local policing bodies", "29", "1", "13", "43"],
        ["National bodies", "4", "0", "0", "4"],
    ]


def test_the_chart_is_svg_with_a_text_alternative(client):
    soup = page(client, "/")
    svg = soup.find("svg")
    assert svg["role"] == "img"
    title_id, desc_id = svg["aria-labelledby"].split()
    description = soup.find(id=desc_id).get_text()
    assert "Police forces: 34 published, 8 received but not published, 1 no reply" in description
    assert soup.find(id=title_id).get_text().startswith("Responses to")
    assert len(svg.find_all("rect")) >= 7


def test_dashboard_lists_who_did_not_reply_and_who_did_not_publish(client):
    soup = page(client, "/")
    no_reply = soup.find(id="no-reply-1").find_next("ul").find_all("a")
    not_published = soup.find(id="not-published-1").find_next("ul").find_all("a")
    assert len(no_reply) == 14 and len(not_published) == 9
    assert "West Yorkshire Police" in [a.get_text() for a in no_reply]
    assert "/doc/organisation/west-yorkshire-police" in [a["href"] for a in no_reply]


# --- matrix --------------------------------------------------------------------------------

def test_matrix_shows_roles_and_answers(client):
    soup = page(client, "/matrix")
    table = soup.find("table", class_="matrix")
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    assert headers[:4] == ["Body", "Overall answer", "The report", "Recommendation 1"]
    assert headers[-3:] == ["Action 1", "Action 2", "Action 3"]
    by_body = {r[0]: r for r in rows(table)}
    assert len(by_body) == 90
    west_yorkshire = by_body["West Yorkshire Police"]
    assert west_yorkshire[1] == "No reply"
    assert west_yorkshire[3].startswith("implement") and "No reply" in west_yorkshire[3]
    assert "implement (inferred)" in west_yorkshire[6]
    college = by_body["College of Policing"]
    assert college[3].startswith("support") and college[headers.index("Action 1")].startswith("implement")
    home_office = by_body["Home Office"]
    assert home_office[headers.index("Action 3")].startswith("fund")


def test_matrix_filters_by_kind_and_status(client):
    soup = page(client, "/matrix?kind=lpb&status=noReply")
    table_rows = rows(soup.find("table", class_="matrix"))
    assert len(table_rows) == 13 and all(r[1] == "No reply" for r in table_rows)
    assert soup.find("select", id="kind").find("option", selected=True)["value"] == "lpb"


def test_unknown_matrix_filters_are_ignored_with_a_notice(client):
    soup = page(client, "/matrix?kind=planet&colour=red")
    notices = " ".join(p.get_text() for p in soup.select(".notice"))
    assert "'planet' is not a value" in notices and "'colour' does not apply" in notices
    assert len(rows(soup.find("table", class_="matrix"))) == 90


# --- entity pages ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/doc/report/safe-to-share", "/doc/super-complaint/liberty-and-southall-black-sisters",
    "/doc/recommendation/safe-to-share/1", "/doc/action/safe-to-share/3",
    "/doc/organisation/essex-police", "/doc/organisation/police-fire-and-crime-commissioner-for-essex",
    "/doc/organisation/home-office", "/doc/response/safe-to-share/essex-police",
    "/doc/responsibility/safe-to-share/recommendation-4/essex-police/implement",
    "/doc/dataset/safe-to-share", "/doc/agent/s2s-graph"])
def test_an_entity_page_of_each_type(client, path):
    soup = page(client, path)
    text = soup.get_text(" ", strip=True)
    assert BASE + "id/" + path.split("/doc/", 1)[1] in text, "the permanent URI to cite"
    switch = {a.get_text(): a["href"] for a in soup.select("nav.formats a")}
    assert switch == {"Turtle": path + ".ttl", "JSON-LD": path + ".jsonld",
                      "N-Triples": path + ".nt", "RDF/XML": path + ".rdf"}
    assert "https://w3id.org" not in soup.find("h1").get_text(), "a label, not an IRI"


def test_a_force_page_shows_its_overseer_identifiers_and_both_responses(client):
    soup = page(client, "/doc/organisation/essex-police")
    identifiers = {a.get_text(): a["href"] for a in soup.select("dl.facts a")}
    assert identifiers["E23000028"] == "https://statistics.data.gov.uk/id/statistical-geography/E23000028"
    assert identifiers["essex"] == "https://data.police.uk/api/forces/essex"
    panel = soup.find("h2", string="Responses of the force and of its local policing body")
    table_rows = rows(panel.find_next("table"))
    assert [(r[0], r[2]) for r in table_rows] == [
        ("Essex Police", "published"),
        ("Police, Fire and Crime Commissioner for Essex", "no reply")]
    assert "Essex Police response" in table_rows[0][3]
    sources = soup.find("h2", string="Where this comes from").find_next("table").get_text()
    assert "postcodes.io" in sources and "GOV.UK" in sources


def test_a_recommendation_page_shows_who_must_act_and_who_answered(client):
    soup = page(client, "/doc/recommendation/safe-to-share/1")
    assert "report's own wording" in soup.get_text()
    assert soup.find("blockquote").get_text().startswith("As an interim measure")
    who = rows(soup.find("h2", string="Who must act on it, and what they answered").find_next("table"))
    assert len(who) == 44
    assert ["College of Policing", "support", "stated", "Published"] in who
    updates = soup.find("h2", string="Updates on it").find_next("table").get_text()
    assert "The guidance has been produced" in updates


def test_a_paraphrase_and_an_inferred_number_say_so(client):
    soup = page(client, "/doc/recommendation/safe-to-share/3")
    notes = " ".join(p.get_text() for p in soup.select(".notice"))
    assert "paraphrase" in notes and "number is inferred" in notes
    assert soup.find("blockquote") is None, "a paraphrase is never shown as a quotation"
    soup = page(client, "/doc/recommendation/safe-to-share/5")
    assert "No source gives the text" in soup.get_text()


# --- lists ------------------------------------------------------------------------------------

def test_lists_filter_and_sort(client):
    soup = page(client, "/set/organisation?kind=force&status=receivedNotPublished&sort=-name")
    names = [r[0] for r in rows(soup.find("table", class_="list"))]
    assert len(names) == 8 and names == sorted(names, reverse=True)
    header = soup.find("th", attrs={"aria-sort": "descending"})
    assert header.get_text(" ", strip=True).startswith("Name")


def test_unknown_list_filters_and_sort_keys_are_ignored_with_a_notice(client):
    response = client.get("/set/organisation?colour=red&kind=planet&sort=height",
                          headers={"Accept": "text/html"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    notices = " ".join(p.get_text() for p in soup.select(".notice"))
    assert "'colour' does not apply" in notices and "'planet'" in notices and "'height'" in notices
    assert len(rows(soup.find("table", class_="list"))) == 93


def test_each_list_downloads_as_csv_with_its_filters(client):
    response = client.get("/set/organisation.csv?" + urlencode({"kind": "lpb", "status": "noReply"}))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0][:2] == ["Name", "Name (IRI)"] and len(table) == 14
    assert all(row[1].startswith(BASE + "id/organisation/") for row in table[1:])
    soup = page(client, "/set/organisation?kind=lpb&status=noReply")
    link = soup.find("a", string=re.compile("Download this list as CSV"))["href"]
    assert link == "/set/organisation.csv?kind=lpb&status=noReply"


@pytest.mark.parametrize("type_", ["organisation", "response", "responsibility", "recommendation",
                                   "action", "report", "super-complaint", "dataset", "agent"])
def test_every_list_renders_and_downloads(client, type_):
    assert page(client, f"/set/{type_}").find("table", class_="list")
    assert client.get(f"/set/{type_}.csv").status_code == 200


# --- the query page ---------------------------------------------------------------------------

def test_the_query_page_offers_a_dozen_examples(client, app):
    soup = page(client, "/sparql")
    links = soup.select(".examples a")
    assert len(links) >= 12
    assert any("did not reply" in a.get_text() for a in links)
    assert soup.find("form", action="/sparql")["method"] == "post"


def test_every_example_query_runs_and_answers(client, app):
    for example in app.extensions["s2s_graph"].examples:
        soup = page(client, f"/sparql?example={example.slug}")
        assert soup.find("textarea").get_text().strip() == example.text.strip()
        results = soup.find("table", class_="results")
        assert results is not None and results.select("tbody tr"), example.question
        assert not soup.select(".notice"), example.question


def test_results_link_iris_and_offer_downloads(client):
    soup = page(client, "/sparql?example=forces-that-did-not-reply")
    assert soup.select_one("table.results td a")["href"] == "/doc/organisation/west-yorkshire-police"
    buttons = {b["value"] for b in soup.select("form.downloads button[name=format]")}
    assert buttons == {"json", "xml", "csv", "tsv"}
    query = soup.find("textarea").get_text()
    response = client.post("/sparql", data={"query": query, "format": "csv"})
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert "West Yorkshire Police" in response.get_data(as_text=True)


def test_an_unknown_example_gets_a_notice_not_an_error(client):
    soup = page(client, "/sparql?example=nothing-here")
    assert "no example 'nothing-here'" in soup.select_one(".notice").get_text()


# --- the vocabulary -------------------------------------------------------------------------

def test_every_term_of_the_vocabulary_has_an_anchor(client, published):
    soup = page(client, "/def/s2s")
    anchors = {tag["id"] for tag in soup.find_all("article")}
    terms = {str(t).split("#")[1] for t in published.ontology.subjects(
        predicate=None, object=None) if str(t).startswith(str(published.vocabulary.s2s))}
    assert terms <= anchors
    report = soup.find(id="Report")
    assert "A published report" in report.get_text() and "Properties of this class" in report.get_text()


def test_the_app_refuses_to_start_with_an_async_handler():
    """Handlers are called as they are, without Flask's check per request, so a coroutine
    handler would answer with an unawaited coroutine: it is refused when the app is made."""
    from s2s_graph.web import SyncFlask

    app = SyncFlask(__name__)

    @app.route("/")
    def page() -> str:
        return "fine"

    app.check_sync()

    @app.after_request
    async def late_hook(response):
        return response

    with pytest.raises(TypeError, match="late_hook"):
        app.check_sync()
