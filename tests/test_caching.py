"""Answers of a release are cached and revalidated: strong ETags derived from the release,
Cache-Control, 304 on If-None-Match, and a per-process cache of query results and pages that
never changes an answer."""

from __future__ import annotations

import threading
import time

import pytest

from s2s_graph.answers import QueryAnswer
from s2s_graph.caching import CachingStore, LruCache
from s2s_graph.errors import ClientGone, TimeLimitExceeded
from s2s_graph.sparql import normalise_query

DOC = "/doc/organisation/home-office"
LOOKUP = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
          "SELECT ?label WHERE { <id/organisation/home-office> rdfs:label ?label }")


@pytest.mark.parametrize("variant", [
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?label\nWHERE {\n"
    "  <id/organisation/home-office>   rdfs:label ?label\n}",
    "  PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?label WHERE { "
    "<id/organisation/home-office> rdfs:label ?label }  # a comment",
    "# asked often\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>  SELECT ?label "
    "WHERE {\t<id/organisation/home-office> rdfs:label ?label }",
])
def test_spacing_and_comments_do_not_change_the_key(variant):
    assert normalise_query(variant) == normalise_query(LOOKUP)


@pytest.mark.parametrize("first, second", [
    ('SELECT * { ?s ?p "a  b" }', 'SELECT * { ?s ?p "a b" }'),  # inside a string
    ("SELECT * { ?s ?p 1.5 }", "SELECT * { ?s ?p 1 . 5 }"),  # a decimal is one token
    ('SELECT * { ?s ?p "#not a comment" }', 'SELECT * { ?s ?p "" }'),
    ("SELECT * { <a#b> ?p ?o }", "SELECT * { <a> ?p ?o }"),  # a fragment, not a comment
])
def test_different_queries_keep_different_keys(first, second):
    assert normalise_query(first) != normalise_query(second)


def test_the_cache_drops_the_least_recently_used_past_its_bound():
    cache = LruCache(max_bytes=1000)
    for n in range(10):
        cache.put(n, f"value {n}", 200)
        cache.get(0)  # keep the first one in use
    assert cache.bytes <= 1000
    assert cache.get(0) == "value 0" and cache.get(9) == "value 9"
    assert cache.get(1) is None
    cache.put("big", "x", 400)  # over a quarter of the bound: never kept
    assert cache.get("big") is None


def test_a_cheap_value_is_kept_from_its_second_miss_a_costly_one_at_once():
    cache = LruCache(max_bytes=1 << 20)
    assert cache.get("cheap") is None
    assert not cache.worth_keeping("cheap", 0.0001)
    assert cache.get("cheap") is None
    assert cache.worth_keeping("cheap", 0.0001)
    assert cache.get("costly") is None
    assert cache.worth_keeping("costly", 0.01)


def test_the_memory_of_misses_is_bounded(monkeypatch):
    monkeypatch.setattr("s2s_graph.caching.MISSES_KEPT", 100)
    cache = LruCache(max_bytes=1 << 20)
    cache.get("first")
    for n in range(100):
        cache.get(n)
    assert len(cache._missed) <= 100
    cache.get("first")
    assert not cache.worth_keeping("first", 0.0), "forgotten once the memory was cleared"


class CountingStore:
    """An inner store that answers at once with an answer of the given cost."""

    kind = "memory"

    def __init__(self, cost_s: float):
        self.calls = 0
        self.cost_s = cost_s

    def answer(self, query, *args):
        self.calls += 1
        return QueryAnswer("select", b"the answer", ("label",), (), 1, None, False, self.cost_s)


@pytest.mark.parametrize("cost_s, computed", [(0.0001, 2), (0.5, 1)])
def test_an_answer_is_computed_twice_if_cheap_once_if_costly(cost_s, computed):
    inner = CountingStore(cost_s)
    store = CachingStore(inner, LruCache(1 << 20))
    for _ in range(4):
        assert store.answer(LOOKUP, "csv", (), (), 100, 100, {}, 5.0, 1.0).body == b"the answer"
    assert inner.calls == computed


def test_pages_carry_a_strong_etag_and_cache_control(client):
    response = client.get(DOC, headers={"Accept": "text/turtle"})
    etag, weak = response.get_etag()
    assert response.status_code == 200 and etag and not weak
    assert response.cache_control.public and response.cache_control.max_age == 300
    again = client.get(DOC, headers={"Accept": "text/turtle"})
    assert again.get_etag() == (etag, False) and again.data == response.data


def test_each_representation_has_its_own_etag(client):
    tags = {client.get(DOC, headers={"Accept": accept}).get_etag()[0]
            for accept in ("text/html", "text/turtle", "application/ld+json",
                           "application/n-triples")}
    assert len(tags) == 4


@pytest.mark.parametrize("path", [DOC, "/set/organisation", "/def/s2s", "/sparql?query="
                                  "ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D", "/matrix", "/",
                                  "/download/dataset.ttl", "/.well-known/void"])
def test_a_client_holding_the_current_copy_gets_304_without_a_body(client, path):
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    second = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304 and second.data == b""
    assert second.headers["ETag"] == first.headers["ETag"]
    stale = client.get(path, headers={"If-None-Match": '"another-release"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_redirects_are_cacheable_and_errors_are_not(client):
    redirect = client.get("/id/organisation/home-office", headers={"Accept": "text/turtle"})
    assert redirect.status_code == 303 and redirect.cache_control.public
    missing = client.get("/doc/organisation/no-such-body")
    assert missing.status_code == 404 and not missing.cache_control.public
    assert "ETag" not in missing.headers


def test_posted_requests_are_never_marked_cacheable(client):
    response = client.post("/sparql", data={"query": LOOKUP})
    assert response.status_code == 200
    assert "ETag" not in response.headers and not response.cache_control.public


def answers_kept_at_once(app) -> int:
    """1 where every answer costs a round trip to a remote store (kept at once), else 0: an
    answer from Oxigraph here costs well under ``KEEP_AT_ONCE_S``."""
    return 1 if remote(app) else 0


def remote(app) -> bool:
    return app.extensions["s2s_graph"].release.store.kind == "remote"


def test_a_repeated_query_is_answered_from_the_cache_with_the_same_bytes(app, client):
    """A cheap answer is kept once asked for again, and the third asking is a hit."""
    cache = app.extensions["s2s_graph"].cache
    at_once = answers_kept_at_once(app)
    kept = len(cache)
    first = client.post("/sparql", data={"query": LOOKUP + " # first asked"},
                        headers={"Accept": "text/csv"})
    assert len(cache) == kept + at_once
    second = client.post("/sparql", data={"query": "  " + LOOKUP.replace(" ", "\n")},
                         headers={"Accept": "text/csv"})
    assert len(cache) == kept + 1
    hits = cache.hits
    third = client.post("/sparql", data={"query": LOOKUP}, headers={"Accept": "text/csv"})
    assert cache.hits == hits + 1
    assert third.data == second.data == first.data and b"Home Office" in third.data


def test_a_cheap_page_asked_for_once_is_not_kept(app, client):
    cache = app.extensions["s2s_graph"].cache
    path = "/sparql?query=ASK%20%7B%20%3Curn%3Ax%3Aasked-once%3E%20%3Fp%20%3Fo%20%7D"
    kept = len(cache)
    first = client.get(path, headers={"Accept": "application/sparql-results+json"})
    assert first.status_code == 200
    if not remote(app):  # (there, the page's own thread fetched and parsed the answer)
        assert len(cache) == kept, "neither its answer nor its page is kept"
    client.get(path, headers={"Accept": "application/sparql-results+json"})
    assert len(cache) == kept + 2, "its answer and its page, once asked for again"
    hits = cache.hits
    third = client.get(path, headers={"Accept": "application/sparql-results+json"})
    assert cache.hits == hits + 1 and third.data == first.data
    assert third.headers["ETag"] == first.headers["ETag"]


def test_each_format_is_a_separate_answer(client):
    csv = client.post("/sparql", data={"query": LOOKUP}, headers={"Accept": "text/csv"})
    json = client.post("/sparql", data={"query": LOOKUP},
                       headers={"Accept": "application/sparql-results+json"})
    assert csv.mimetype == "text/csv" and json.mimetype == "application/sparql-results+json"
    assert csv.data != json.data


def test_failed_queries_are_not_kept(app, client):
    cache = app.extensions["s2s_graph"].cache
    size = len(cache)
    for _ in range(2):
        assert client.post("/sparql", data={"query": "SELECT * WHERE { ?s"}).status_code == 400
    assert len(cache) == size


def test_a_costly_page_is_replayed_from_its_second_request(app, client):
    """A list page takes tens of milliseconds to render: kept the first time."""
    cache = app.extensions["s2s_graph"].cache
    first = client.get("/set/organisation?view=asked-for-the-first-time",
                       headers={"Accept": "text/html"})
    hits = cache.hits
    second = client.get("/set/organisation?view=asked-for-the-first-time",
                        headers={"Accept": "text/html"})
    assert cache.hits == hits + 1
    assert second.data == first.data
    ignored = {"Date"}
    assert {k: v for k, v in first.headers.items() if k not in ignored} == \
        {k: v for k, v in second.headers.items() if k not in ignored}


def test_a_kept_page_answers_head_and_revalidation_from_the_cache(app, client):
    cache = app.extensions["s2s_graph"].cache
    path = "/set/organisation?view=kept-then-asked-by-head"
    first = client.get(path, headers={"Accept": "text/html", "Origin": "https://x.example"})
    hits = cache.hits
    head = client.head(path, headers={"Accept": "text/html"})
    assert cache.hits == hits + 1
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data))
    assert head.headers["ETag"] == first.headers["ETag"]
    assert head.headers.getlist("Access-Control-Allow-Origin") == ["*"]
    held = client.get(path, headers={"Accept": "text/html",
                                     "If-None-Match": first.headers["ETag"]})
    assert cache.hits == hits + 2
    assert held.status_code == 304 and held.data == b""
    assert held.headers["ETag"] == first.headers["ETag"]
    assert held.headers.getlist("Access-Control-Allow-Origin") == ["*"]


def test_a_file_keeps_its_own_etag_and_is_not_kept_in_memory(app, client):
    cache = app.extensions["s2s_graph"].cache
    site = app.extensions["s2s_graph"]
    for _ in range(3):
        response = client.get("/download/dataset.nt")
        assert response.status_code == 200
        assert response.get_etag() == (site.release.files["dataset.nt"].sha256, False)
        assert response.cache_control.public and response.cache_control.max_age == 300
        response.close()
    assert not any(key[1] == "/download/dataset.nt" for key in list(cache._entries))


class SlowStore:
    """A store whose answers take until the test lets them go, counting the computations."""

    kind = "memory"

    def __init__(self, error: Exception | None = None):
        self.calls = 0
        self.release = threading.Event()
        self.error = error

    def answer(self, query, *args):
        self.calls += 1
        self.release.wait(5)
        if self.error is not None:
            raise self.error
        return QueryAnswer("select", b"the answer", ("label",), (), 1, None, False)


def ask_together(store: CachingStore, times: int, time_limit_s: float = 5.0) -> list:
    """Ask the same query from ``times`` threads at once; return each one's answer or error."""
    outcomes: list = [None] * times

    def ask(i: int) -> None:
        try:
            outcomes[i] = store.answer(LOOKUP, "csv", (), (), 100, 100, {}, time_limit_s, 1.0)
        except Exception as error:
            outcomes[i] = error

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def test_requests_for_an_answer_being_computed_wait_for_it_instead_of_computing_it_again():
    inner = SlowStore()
    store = CachingStore(inner, LruCache(1 << 20))
    threads, outcomes = ask_together(store, 6)
    time.sleep(0.2)  # every thread has asked by now
    inner.release.set()
    for thread in threads:
        thread.join(5)
    assert inner.calls == 1
    assert [o.body for o in outcomes] == [b"the answer"] * 6


def test_the_waiting_requests_share_the_error_and_the_next_request_tries_again():
    inner = SlowStore(error=TimeLimitExceeded("The query", 10))
    store = CachingStore(inner, LruCache(1 << 20))
    threads, outcomes = ask_together(store, 4)
    time.sleep(0.2)
    inner.release.set()
    for thread in threads:
        thread.join(5)
    assert inner.calls == 1
    assert all(isinstance(o, TimeLimitExceeded) for o in outcomes)
    inner.error = None
    assert store.answer(LOOKUP, "csv", (), (), 100, 100, {}, 5.0, 1.0).body == b"the answer"
    assert inner.calls == 2


def test_a_waiting_request_keeps_to_its_own_time_limit():
    inner = SlowStore()
    store = CachingStore(inner, LruCache(1 << 20))
    leader, _ = ask_together(store, 1)
    time.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        store.answer(LOOKUP, "csv", (), (), 100, 100, {}, 0.3, 0.0)
    assert time.monotonic() - started < 2
    inner.release.set()
    leader[0].join(5)


class WatchingStore:
    """An inner store that notes what ``abandoned`` says while a second request joins."""

    kind = "memory"

    def __init__(self, then_raise: BaseException | None = None):
        self.seen: list[bool] = []
        self.calls = 0
        self.then_raise = then_raise

    def answer(self, query, *args):
        self.calls += 1
        abandoned = args[-1]
        if self.calls == 1:
            self.seen.append(abandoned())
            deadline = time.monotonic() + 5
            while abandoned() and time.monotonic() < deadline:  # until someone joins
                time.sleep(0.01)
            self.seen.append(abandoned())
            if self.then_raise is not None:
                raise self.then_raise
        return QueryAnswer("select", b"the answer", ("label",), (), 1, None, False)


def ask_in_thread(store: CachingStore, abandoned, outcomes: list) -> threading.Thread:
    def ask() -> None:
        try:
            outcomes.append(store.answer(LOOKUP, "csv", (), (), 100, 100, {}, 5.0, 1.0, abandoned))
        except Exception as error:
            outcomes.append(error)

    thread = threading.Thread(target=ask)
    thread.start()
    return thread


def test_a_computation_is_stopped_for_a_gone_client_only_if_no_one_else_waits_for_it():
    inner = WatchingStore()
    store = CachingStore(inner, LruCache(1 << 20))
    outcomes: list = []
    leader = ask_in_thread(store, lambda: True, outcomes)  # its client has gone
    time.sleep(0.1)
    follower = ask_in_thread(store, None, outcomes)
    leader.join(5)
    follower.join(5)
    assert inner.seen == [True, False], "stoppable alone, not once another request waits"
    assert inner.calls == 1 and [o.body for o in outcomes] == [b"the answer"] * 2


def test_a_request_waiting_on_a_computation_stopped_for_its_client_computes_its_own():
    inner = WatchingStore(then_raise=ClientGone("The query was stopped"))
    store = CachingStore(inner, LruCache(1 << 20))
    outcomes: list = []
    leader = ask_in_thread(store, lambda: True, outcomes)
    time.sleep(0.1)
    follower = ask_in_thread(store, None, outcomes)
    leader.join(5)
    follower.join(5)
    assert inner.calls == 2
    assert isinstance(outcomes[0], ClientGone) and outcomes[1].body == b"the answer"

