"""Limits that really stop work: a runaway query is killed at its time limit and answered
with 503, while dereferences, downloads and simple queries keep being answered; results are
cut at the row limit and say so; a request may ask for less time, never more."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from bs4 import BeautifulSoup
from test_server_e2e import get

from conftest import ROOT, free_port, start_server, wait_until_up

SLOW_LINES = 10000  # about 18 s to validate with our data here; the wait for a worker is 3 s
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# Exponential for a backtracking engine; Oxigraph's (Rust regex) is linear.
CATASTROPHIC_REGEX = ('SELECT ?o WHERE { ?s ?p ?o . BIND("' + "a" * 40 + '!" AS ?x) '
                      'FILTER REGEX(?x, "^(a+)+$") }')
SIMPLE = [
    ("/doc/organisation/essex-police", "text/turtle"),
    ("/doc/organisation/essex-police", "text/html"),
    ("/download/dataset.nt", "application/n-triples"),
    ("/sparql?query=" + urllib.parse.quote("ASK { <id/organisation/npcc> ?p ?o }"),
     "application/sparql-results+json"),
    ("/id/recommendation/safe-to-share/1", "text/turtle"),
]


def timed_get(url: str, accept: str) -> tuple[int, float, bytes]:
    start = time.monotonic()
    status, _, body = get(url, accept)
    return status, time.monotonic() - start, body


@pytest.mark.slow
@pytest.mark.parametrize("query", [CROSS_PRODUCT], ids=["cross-product"])
def test_a_runaway_query_is_stopped_while_the_rest_keeps_answering(server, query):
    limit = 2.0
    url = f"{server}/sparql?timeout={limit}&query={urllib.parse.quote(query)}"
    with ThreadPoolExecutor(max_workers=6) as pool:
        runaway = pool.submit(timed_get, url, "application/sparql-results+json")
        time.sleep(0.2)
        simple = []
        while not runaway.done():
            simple += list(pool.map(lambda p: timed_get(server + p[0], p[1]), SIMPLE))
        status, took, body = runaway.result()
    assert status == 503, body[:300]
    assert f"limit of {limit:g} s" in body.decode()
    assert limit <= took < limit + 1.5, f"stopped after {took:.2f} s"
    assert simple and all(s == 200 or s == 303 for s, _, _ in simple), \
        [s for s, _, _ in simple]
    slowest = max(t for _, t, _ in simple)
    print(f"runaway stopped after {took:.2f} s; {len(simple)} simple requests meanwhile, "
          f"slowest {slowest * 1000:.0f} ms")
    assert slowest < limit


@pytest.mark.slow
def test_a_catastrophic_regex_does_not_stall_the_server(server):
    url = f"{server}/sparql?timeout=2&query={urllib.parse.quote(CATASTROPHIC_REGEX)}"
    status, took, _ = timed_get(url, "application/sparql-results+json")
    assert status in (200, 503) and took < 3.5
    status, took, _ = timed_get(server + SIMPLE[0][0], SIMPLE[0][1])
    assert status == 200 and took < 1


@pytest.mark.slow
@pytest.mark.parametrize("modifier, cut", [("", True), ("LIMIT 20000", True),
                                           ("LIMIT 10000", False), ("LIMIT 10 OFFSET 5", False)])
def test_results_over_the_row_limit_are_cut_and_say_so(server, modifier: str, cut: bool):
    query = f"SELECT ?s ?t WHERE {{ ?s ?p ?o . ?t a ?type }} {modifier}"
    status, headers, body = get(f"{server}/sparql?query={urllib.parse.quote(query)}",
                                "application/sparql-results+json")
    import json

    assert status == 200
    rows = json.loads(body)["results"]["bindings"]
    if cut:
        assert len(rows) == 10000
        assert "10000" in headers["s2s-results-truncated"]
    else:
        assert len(rows) == int(modifier.split()[1])
        assert "s2s-results-truncated" not in headers


def test_a_request_may_ask_for_less_time_never_more(project_settings, published):
    from s2s_graph.web import create_app

    app = create_app(replace(project_settings, query_time_limit_s=1.0), published=published)
    client = app.test_client()
    try:
        start = time.monotonic()
        response = client.get("/sparql", query_string={"query": CROSS_PRODUCT, "timeout": "50"},
                              headers={"Accept": "text/plain"})
        took = time.monotonic() - start
        assert response.status_code == 503 and "limit of 1 s" in response.get_data(as_text=True)
        assert took < 3
        start = time.monotonic()
        response = client.get("/sparql", query_string={"query": CROSS_PRODUCT, "timeout": "0.3"},
                              headers={"Accept": "text/plain"})
        assert response.status_code == 503 and "limit of 0.3 s" in response.get_data(as_text=True)
        assert time.monotonic() - start < 1.5
        response = client.get("/sparql", query_string={"query": "ASK {}", "timeout": "0"})
        assert response.status_code == 400
    finally:
        app.extensions["s2s_graph"].release.close()


def test_the_query_page_shows_an_over_time_query_kindly(project_settings, published):
    from s2s_graph.web import create_app

    app = create_app(replace(project_settings, query_time_limit_s=0.5), published=published)
    try:
        response = app.test_client().post("/sparql", data={"query": CROSS_PRODUCT},
                                          headers={"Accept": "text/html"})
        assert response.status_code == 503
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        alert = soup.find(attrs={"role": "alert"})
        assert "limit of 0.5 s" in alert.get_text()
        assert soup.find("textarea").get_text().strip() == CROSS_PRODUCT
    finally:
        app.extensions["s2s_graph"].release.close()


def test_a_bad_query_on_the_page_is_shown_with_its_position(client):
    response = client.post("/sparql", data={"query": "SELECT * WHERE { ?s ?p }"},
                           headers={"Accept": "text/html"})
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "line 1, column" in soup.find(attrs={"role": "alert"}).get_text()


@pytest.mark.slow
def test_a_query_whose_client_has_gone_is_stopped(tmp_path):
    """One server worker with one query worker and a 60 s limit: a runaway query whose
    client closes the connection is stopped, so the next query gets the worker instead of
    503 after waiting 3 s for it; the access log records the abandoned request as 499."""
    port, log = free_port(), tmp_path / "server.log"
    process = start_server(ROOT, port, log, workers=1, env={
        "S2S_QUERY_WORKERS": "1", "S2S_QUERY_TIME_LIMIT_S": "60", "S2S_BUSY_WAIT_S": "3",
        "S2S_REQUEST_TIMEOUT_S": "120"})
    try:
        wait_until_up(process, port, log)
        url = f"http://127.0.0.1:{port}/sparql?query="
        assert get(url + urllib.parse.quote("ASK {}"), "application/sparql-results+json")[0] == 200
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(f"GET /sparql?query={urllib.parse.quote(CROSS_PRODUCT)} HTTP/1.1\r\n"
                           "Host: 127.0.0.1\r\nAccept: application/sparql-results+json\r\n\r\n"
                           .encode("ascii"))
            time.sleep(1.0)  # the runaway query holds the only query worker
        status, _, body = get(url + urllib.parse.quote("ASK { ?s ?p ?o }"),
                              "application/sparql-results+json")
        assert status == 200, body[:300]
        deadline = time.monotonic() + 5
        while '/sparql?query=SELECT' not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        line = next(x for x in log.read_text().splitlines() if "/sparql?query=SELECT" in x)
        assert '" 499 ' in line, line
    finally:
        process.terminate()
        process.wait(timeout=30)



def slow_document(lines: int) -> bytes:
    """Turtle that takes seconds to validate with our data: every line a record that breaks
    the response shape."""
    return "\n".join(f"<https://e.example/f{i}> a <https://w3id.org/safe-to-share/def/s2s#Response> ."
                     for i in range(lines)).encode("ascii")


@pytest.mark.slow
def test_a_validation_whose_client_has_gone_is_stopped(tmp_path):
    """One server worker with one validation worker and a 60 s limit: a long validation whose
    client closes the connection is stopped, so the next validation gets the worker instead
    of 503 after waiting 3 s for it; the access log records the abandoned request as 499."""
    port, log = free_port(), tmp_path / "server.log"
    process = start_server(ROOT, port, log, workers=1, env={
        "S2S_VALIDATION_WORKERS": "1", "S2S_VALIDATION_TIME_LIMIT_S": "60",
        "S2S_BUSY_WAIT_S": "3", "S2S_REQUEST_TIMEOUT_S": "120"})
    small = b"<https://e.example/a> <https://e.example/b> <https://e.example/c> ."
    try:
        wait_until_up(process, port, log)
        assert post(port, small)[0] == 200  # the worker has started
        body = slow_document(SLOW_LINES)
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(b"POST /validate?with=dataset HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Content-Type: text/turtle\r\nAccept: text/turtle\r\n"
                           + f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
            time.sleep(1.5)  # the long validation holds the only validation worker
        status, text = post(port, small)
        assert status == 200, text[:300]
        deadline = time.monotonic() + 5
        while "POST /validate?with=dataset" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        line = next(x for x in log.read_text().splitlines() if "POST /validate?with=dataset" in x)
        assert '" 499 ' in line, line
    finally:
        process.terminate()
        process.wait(timeout=30)


def post(port: int, turtle: bytes) -> tuple[int, str]:
    """POST Turtle to /validate; return the status and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/validate", body=turtle,
                           headers={"Content-Type": "text/turtle", "Accept": "text/turtle"})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()
