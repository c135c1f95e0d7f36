"""End to end: the real server (gunicorn, as `s2s-graph serve` runs it) on a loopback port,
used by third-party clients, swept URI by URI, and probed with a canary for fetches."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from conftest import BASE, ROOT, Canary, free_port, start_server, wait_until_up
from s2s_graph.published import PublishedGraph
from s2s_graph.web import server
from sweep import get, sweep

pytestmark = pytest.mark.slow


# --- third-party clients ------------------------------------------------------------------

SELECT = ("PREFIX s2s: <https://w3id.org/safe-to-share/def/s2s#> SELECT ?force ?code WHERE "
          "{ ?force a s2s:TerritorialPoliceForce ; s2s:policeForceAreaCode ?code } ORDER BY ?code")


@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(server, return_format):
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(SELECT)
    client.setReturnFormat(return_format)
    result = client.query().convert()
    if return_format == JSON:
        assert len(result["results"]["bindings"]) == 43
    elif return_format == XML:
        assert len(result.getElementsByTagName("result")) == 43
    else:
        text = result.decode("utf-8") if isinstance(result, bytes) else result
        assert len(text.strip().splitlines()) == 44
        assert "E23000001" in text


@pytest.mark.parametrize("return_format", [JSON, XML])
def test_sparqlwrapper_ask(server, return_format):
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery("ASK { <id/organisation/home-office> ?p ?o }")
    client.setReturnFormat(return_format)
    result = client.query().convert()
    if return_format == JSON:
        assert result["boolean"] is True
    else:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("return_format", [TURTLE, RDFXML, JSONLD, N3])
def test_sparqlwrapper_construct(server, return_format):
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { BIND(<id/organisation/college-of-policing> AS ?s) ?s ?p ?o }")
    client.setReturnFormat(return_format)
    result = client.query().convert()
    graph = result if isinstance(result, Graph) else Graph().parse(
        data=result, format="json-ld" if return_format == JSONLD else "turtle")
    assert (URIRef(BASE + "id/organisation/college-of-policing"), None, None) in graph


def test_sparqlwrapper_post(server):
    client = SPARQLWrapper(server + "/sparql")
    client.setMethod("POST")
    client.setQuery(SELECT)
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == 43


def test_rdflib_sparqlstore(server):
    graph = Graph(store=SPARQLStore(server + "/sparql", returnFormat="json"))
    rows = list(graph.query(SELECT))
    assert len(rows) == 43
    assert str(rows[0][1]) == "E23000001"


# --- the dereference sweep ---------------------------------------------------------------

def test_every_iri_under_base_dereferences_in_every_format(server, published: PublishedGraph):
    assert not sweep(server, published)


# --- each store under gunicorn ----------------------------------------------------------------

@pytest.mark.parametrize("store", ["built", "disk", "remote"])
def test_the_real_server_serves_a_built_release_from_each_store(store, request, tmp_path):
    folder = request.getfixturevalue("pushed_release" if store == "remote" else "release_folder")
    env = {"S2S_STORE": store, "S2S_DIST_DIR": str(folder)}
    if store == "remote":
        env["S2S_REMOTE_ENDPOINT"] = request.getfixturevalue("virtuoso").sparql
    port, log = free_port(), tmp_path / "server.log"
    process = start_server(ROOT, port, log, env)
    try:
        wait_until_up(process, port, log)
        url = f"http://127.0.0.1:{port}"
        status, _, body = get(url + "/sparql?query=" + urllib.parse.quote(SELECT),
                              "text/csv")
        assert status == 200 and body.count(b"\n") == 44
        status, _, body = get(url + "/doc/organisation/essex-police", "text/turtle")
        assert status == 200 and b"Essex" in body
        assert f"from the {store} store" in log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- no process outlives the server --------------------------------------------------------

def descendants(pid: int) -> set[int]:
    """The living processes below ``pid`` (from /proc; zombies are not living)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def wait_for(condition, timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def running_server(tmp_path):
    port, log = free_port(), tmp_path / "server.log"
    process = start_server(ROOT, port, log)
    try:
        wait_until_up(process, port, log)
        for _ in range(4):  # queries, so that every server worker has its query workers
            assert get(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D",
                       "application/sparql-results+json")[0] == 200
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def test_stopping_the_server_leaves_no_process_and_frees_the_port(running_server):
    process, port = running_server
    # two server workers, each with its two query workers
    assert wait_for(lambda: len(descendants(process.pid)) >= 2 + 2 * 2)
    tree = descendants(process.pid)
    process.terminate()
    process.wait(timeout=30)
    assert wait_for(lambda: not alive(tree)), f"left behind: {sorted(alive(tree))}"
    with socket.socket() as probe:  # nothing holds the listening socket any more
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def test_a_killed_server_worker_takes_its_query_workers_with_it(running_server):
    process, port = running_server
    assert wait_for(lambda: len(descendants(process.pid)) >= 2 + 2 * 2)
    worker = next(pid for pid in sorted(descendants(process.pid))
                  if _parent(pid) == process.pid and descendants(pid))
    below = descendants(worker)
    os.kill(worker, signal.SIGKILL)
    assert wait_for(lambda: not alive(below)), f"left behind: {sorted(alive(below))}"
    assert wait_for(lambda: get(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D",
                                "application/sparql-results+json")[0] == 200)


def test_the_access_log_is_written_while_serving_and_on_stopping(running_server, tmp_path):
    """The access log is written in blocks: a line is there within a second or two of its
    request, and a server that stops writes the lines it still holds."""
    process, port = running_server
    log = tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D&marker="
    assert get(url + "first", "application/sparql-results+json")[0] == 200
    assert wait_for(lambda: "marker=first HTTP/1.1\" 200 " in log.read_text(), timeout_s=5)
    for number in range(5):
        assert get(url + f"last{number}", "application/sparql-results+json")[0] == 200
    process.terminate()
    process.wait(timeout=30)
    written = log.read_text()
    assert [n for n in range(5) if f"marker=last{n} HTTP/1.1\" 200 " in written] == \
        list(range(5))


def test_a_server_worker_grown_past_its_memory_limit_is_replaced(tmp_path, published):
    """A server worker whose own memory (its caches, the store pages it copied by reading
    them) passes S2S_WORKER_MEMORY_MIB finishes its requests and is replaced by a fresh fork,
    which starts under the limit, so it is not replaced in turn; answers stay right."""
    port, log = free_port(), tmp_path / "server.log"
    process = start_server(ROOT, port, log, env={"S2S_WORKER_MEMORY_MIB": "16"}, workers=1)
    try:
        wait_until_up(process, port, log)
        first = _server_workers(process.pid)
        assert len(first) == 1
        url = f"http://127.0.0.1:{port}"
        assert not sweep(url, published)  # every page in every format, through renewals
        assert _server_workers(process.pid) != first
        assert "over S2S_WORKER_MEMORY_MIB=16: replacing it" in log.read_text()
        # No churn: the last worker of the sweep may be replaced in turn, its fresh successor
        # is not, and stays through two of its memory checks.
        assert _stays(process.pid, 2 * server.MEMORY_CHECK_EVERY_S + 2, timeout_s=40)
        assert get(f"{url}/sparql?query=ASK%7B%7D", "application/sparql-results+json")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


# A count over three patterns: nothing to join when no triple has the object, so it is
# instant; over 4,000 x 4,000 pairs for each triple that has it, so minutes.
COUNT_OVER = ("SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?p <{}> . ?b ?q ?c . ?d ?r ?e }}")


def test_a_query_that_outruns_its_cheap_shape_is_answered_at_its_limit(tmp_path):
    """A query whose shape has proved cheap runs in the server worker's own thread, where
    Oxigraph cannot stop it. One that turns out slow is still answered at its time limit,
    with the same 503 as from a query worker, and the server worker is replaced."""
    port, log = free_port(), tmp_path / "server.log"
    process = start_server(ROOT, port, log, workers=1)
    try:
        wait_until_up(process, port, log)
        first = _server_workers(process.pid)
        url = f"http://127.0.0.1:{port}/sparql"
        for n in range(8):  # the shape proves cheap
            status, _, body = _post(port, {"query": f"PREFIX c{n}: <urn:x> "
                                           + COUNT_OVER.format("urn:nothing")})
            assert status == 200 and b'"value":"0"' in body
        slow = COUNT_OVER.format(BASE + "def/s2s#Response")
        started = time.monotonic()
        status, headers, body = _post(port, {"query": slow, "timeout": "1"},
                                      {"Origin": "https://example.org"})
        took = time.monotonic() - started
        assert status == 503 and 1 <= took < 3
        assert body == b"The query took longer than the limit of 1 s and was stopped.\n"
        assert headers["Retry-After"] == "5" and headers["Access-Control-Allow-Origin"] == "*"
        assert headers["Connection"] == "close"
        assert "went past its limit of 1 s; answered 503 and replacing the worker" in \
            log.read_text()
        assert wait_for(lambda: _server_workers(process.pid) - first), "not replaced"
        assert get(f"{url}?query=ASK%7B%7D", "application/sparql-results+json")[0] == 200
        # the fresh worker sends the slow query to a query worker, which is killed at the limit
        status, headers, _ = _post(port, {"query": slow, "timeout": "1"})
        assert status == 503 and headers.get("Connection") != "close"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_kept_alive_connection_gets_each_answer_in_turn(running_server):
    """A thread answers a kept-alive connection's next request itself: each of many
    requests on one connection gets its own answer, in order, on that one connection."""
    _, port = running_server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.connect()
        first = connection.sock
        for n in range(200):
            connection.request("GET", "/sparql?query=" + urllib.parse.quote(
                f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}"),
                headers={"Accept": "text/csv"})
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, f"n\r\n{n}\r\n".encode())
        assert connection.sock is first  # never closed and reopened
    finally:
        connection.close()


# A client in a process of its own, so that it sends each request as soon as it has the
# last answer; it prints how many of its answers were 200 and how many were not.
BUSY_CLIENT = """
import http.client, sys, time
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
ok = other = 0
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    connection.request("GET", "/sparql?query=ASK%7B%7D")
    response = connection.getresponse()
    response.read()
    ok, other = (ok + 1, other) if response.status == 200 else (ok, other + 1)
print(ok, other)
"""


def test_a_busy_connection_keeps_no_other_waiting(tmp_path):
    """With one thread, a client sending request after request on its connection does not
    hold the thread: another client is answered meanwhile."""
    port, log = free_port(), tmp_path / "server.log"
    process = start_server(ROOT, port, log, env={"S2S_THREADS": "1"}, workers=1)
    try:
        wait_until_up(process, port, log)
        client = subprocess.Popen([sys.executable, "-c", BUSY_CLIENT, str(port), "8"],
                                  stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        started = time.monotonic()
        status, _, _ = _post(port, {"query": "ASK { ?s ?p ?o }"})
        took = time.monotonic() - started
        assert client.poll() is None  # the busy client was still at it
        ok, other = map(int, client.communicate(timeout=30)[0].split())
        assert status == 200 and took < 2
        assert ok > 100 and other == 0
    finally:
        process.terminate()
        process.wait(timeout=30)


def _post(port: int, form: dict[str, str], headers: dict[str, str] | None = None):
    """POST a form to /sparql; return the status, the headers and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/sparql", urllib.parse.urlencode(form),
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Accept": "application/sparql-results+json", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _stays(master: int, seconds: float, timeout_s: float) -> bool:
    """Whether the server comes to keep the same one worker for ``seconds``."""
    deadline = time.monotonic() + timeout_s
    seen, since = _server_workers(master), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = _server_workers(master)
        if now != seen or len(now) != 1:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return True
    return False


def _server_workers(master: int) -> set[int]:
    return {pid for pid in alive(descendants(master)) if _parent(pid) == master}


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


# --- nothing is ever fetched ---------------------------------------------------------------

def test_service_load_and_from_reach_nothing(server, canary, secret_file: Path):
    secret = secret_file
    queries = [
        f"SELECT * WHERE {{ SERVICE <{canary}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{canary}/sparql> {{ ?s ?p ?o }} }}",
        f"LOAD <{canary}/data.ttl>",
        f"SELECT * FROM <{canary}/data.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{canary}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{secret.as_uri()}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}",
    ]
    for query in queries:
        for accept in ("application/sparql-results+json", "text/turtle", "text/plain"):
            status, _, body = get(f"{server}/sparql?query={urllib.parse.quote(query)}", accept)
            assert status in (200, 403, 406), (query, status)
            assert b"CANARY-SECRET" not in body and b"FILE-SECRET" not in body
    status, _, _ = get(f"{server}/sparql?query={urllib.parse.quote(queries[0])}")
    assert status == 403
    status, _, body = get(f"{server}/sparql?query={urllib.parse.quote(queries[3])}",
                          "application/sparql-results+json")
    assert status == 200 and b'"bindings":[]' in body.replace(b" ", b"")
    assert Canary.hits == []


# --- invalid data stops the server ----------------------------------------------------------

def test_the_server_refuses_to_start_on_invalid_data(project_copy: Path):
    responses = project_copy / "data" / "response.ttl"
    responses.write_text(responses.read_text(encoding="utf-8").replace(
        "s2s:status s2s:noReply ;", "s2s:status s2s:published ;", 1), encoding="utf-8")
    port = free_port()
    log = project_copy / "server.log"
    process = start_server(project_copy, port, log)
    assert process.wait(timeout=60) == 1
    output = log.read_text()
    assert "must give its document's title" in output
    assert "does not conform" in output
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5)


def test_over_long_queries_get_414_or_413_from_the_real_server(server):
    long_get = "ASK {}" + "#" * 9000
    status, _, body = get(f"{server}/sparql?query={urllib.parse.quote(long_get)}")
    assert status == 414 and b"by POST" in body
    parts = urllib.parse.urlsplit(server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("POST", "/sparql", body=("ASK {}" + "#" * 70000).encode(),
                       headers={"Content-Type": "application/sparql-query"})
    response = connection.getresponse()
    assert response.status == 413
    response.read()
    connection.close()


def test_oversized_headers_are_refused_by_the_real_server(server):
    parts = urllib.parse.urlsplit(server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", "/", headers={"X-Padding": "a" * 9000})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 431
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", "/", headers={f"X-Field-{n}": "a" for n in range(150)})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status in (400, 431)
