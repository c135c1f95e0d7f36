"""Queries whose shape has proved cheap run in the calling thread, under a watch; the first of
each shape, and any shape that has lately cost more, run in a query worker. The answers are
the same either way. (The watch itself, against the real server: test_server_e2e.)"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import BASE
from s2s_graph.answers import QueryAnswer
from s2s_graph.dumps import QUADS_FILE
from s2s_graph.examples import load_examples
from s2s_graph.query_costs import INLINE_BELOW_S, LONG_FROM_S, QueryCosts
from s2s_graph.sparql import query_form, query_shape
from s2s_graph.stores import OxigraphStore

RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"


def test_queries_that_differ_in_prologue_entities_strings_and_layout_share_a_shape():
    first = (f"PREFIX c1: <urn:x:1> {RDFS} SELECT ?label WHERE {{ <id/organisation/home-office> "
             'rdfs:label ?label FILTER(?label != "x") } LIMIT 10')
    second = (f"# a lookup\nPREFIX c2: <urn:x:2>\n{RDFS}\nSELECT ?label\nWHERE {{\n  "
              "<id/organisation/college-of-policing> rdfs:label ?label\n"
              "  FILTER(?label != 'another') }\nLIMIT 10")
    assert query_shape(first) == query_shape(second)
    assert query_shape("BASE <http://example.org/> ASK { <a> ?p ?o }") == \
        query_shape("ASK { <http://example.org/b> ?p ?o }")


@pytest.mark.parametrize("first, second", [
    ("SELECT * { ?s rdfs:label ?o }", "SELECT * { ?s rdf:type ?o }"),  # another property
    ("SELECT * { ?s ?p ?o } LIMIT 10", "SELECT * { ?s ?p ?o } LIMIT 100000"),
    ("SELECT * { ?s ?p ?o }", "SELECT * { ?s ?p ?o . ?a ?b ?c }"),
    ("SELECT * { ?s ?p ?o }", "SELECT * { ?s ?p ?o } ORDER BY ?o"),
    ("ASK {}", "SELECT * {}"),
])
def test_queries_that_can_cost_differently_have_different_shapes(first, second):
    assert query_shape(first) != query_shape(second)


def test_a_shape_is_cheap_once_its_queries_ran_fast_and_not_after_a_slow_one():
    costs = QueryCosts()
    assert not costs.cheap("lookup")  # never seen: its first query goes to a worker
    costs.record("lookup", INLINE_BELOW_S / 10)
    assert costs.cheap("lookup")
    costs.record("lookup", 2.0)
    assert not costs.cheap("lookup")  # back to the workers at once


def test_a_slow_first_query_is_outweighed_by_later_fast_ones():
    costs = QueryCosts()
    costs.record("lookup", 10 * INLINE_BELOW_S)  # a fresh worker's first query
    fast = 0
    while not costs.cheap("lookup"):
        costs.record("lookup", INLINE_BELOW_S / 100)
        fast += 1
    assert fast == 4  # the older cost weighs half as much at each query


def test_new_and_long_shapes_may_be_long_and_cheap_or_middling_ones_not():
    costs = QueryCosts()
    assert costs.maybe_long("new")
    for key, seconds in (("cheap", INLINE_BELOW_S / 10), ("middling", LONG_FROM_S / 10),
                         ("long", LONG_FROM_S * 2)):
        costs.record(key, seconds)
    assert [costs.maybe_long(k) for k in ("cheap", "middling", "long")] == [False, False, True]


def test_only_the_shapes_last_used_are_kept():
    costs = QueryCosts(size=3)
    for key in "abc":
        costs.record(key, 0.0)
    costs.record("a", 0.0)  # used again: kept
    costs.record("d", 0.0)
    assert [costs.cheap(k) for k in "abcd"] == [True, False, True, True]


class CountingWatch:
    """Stands in for the server worker's watch, counting the queries run under it."""

    def __init__(self):
        self.watched: list[float] = []

    @contextmanager
    def watching(self, time_limit_s: float):
        self.watched.append(time_limit_s)
        yield


@pytest.fixture(scope="module")
def nquads(release_folder: Path) -> str:
    return str(release_folder / QUADS_FILE)


def served(answer: QueryAnswer) -> QueryAnswer:
    """What a client gets of an answer: the row count is shown on a page only, and an answer
    written straight (in the calling thread, mostly) has none."""
    return answer if answer.body is None else replace(answer, total=None)


@pytest.mark.parametrize("format_name", ["json", "csv", "xml", "html"])
def test_a_proved_cheap_shape_runs_in_the_calling_thread_with_the_same_answer(nquads,
                                                                            format_name):
    store = OxigraphStore.in_memory(BASE, nquads, workers=1)
    watch = CountingWatch()
    store.prepare(watch)
    try:
        examples = [e for e in load_examples(BASE) if query_form(e.text) != "graph"]
        for example in examples:  # (CONSTRUCT and DESCRIBE answer in RDF: the next test)
            answers = [served(store.answer(f"PREFIX c{n}: <urn:x> {example.text}", format_name,
                                           (), (), 1000, 100, {}, 10, 5)) for n in range(8)]
            assert all(a == answers[0] for a in answers), example.slug
        assert len(watch.watched) >= 4 * len(examples)  # most of the 8 of each ran here
        assert set(watch.watched) == {10}  # under the request's own limit
    finally:
        store.close()


def test_cheap_graph_queries_run_in_the_calling_thread_with_the_same_answer(nquads):
    store = OxigraphStore.in_memory(BASE, nquads, workers=1)
    watch = CountingWatch()
    store.prepare(watch)
    try:
        for iri in ("id/organisation/home-office", "id/organisation/college-of-policing"):
            for format_name in ("turtle", "n-triples", "json-ld"):
                answers = [store.answer(f"DESCRIBE <{iri}>", format_name, (), (), 1000, 100, {},
                                        10, 5) for _ in range(6)]
                assert answers[0].body and all(a == answers[0] for a in answers)
        assert watch.watched
    finally:
        store.close()


def test_without_a_watch_every_query_runs_in_a_query_worker(nquads):
    """Outside a server worker (the development server, tests) nothing could answer for a
    query past its limit, so none runs in the calling thread."""
    store = OxigraphStore.in_memory(BASE, nquads, workers=1)
    store.prepare()
    try:
        worked = []  # the time the query worker has spent, after each query
        for n in range(6):
            store.answer(f"PREFIX c{n}: <urn:x> ASK {{}}", "json", (), (), 1000, 100, {}, 10, 5)
            worked.append(sum(w.busy_s for w in store.pool.get()._all))
        assert store.costs.cheap((query_shape("ASK {}"), "json", (), (), 1000))
        assert all(later > earlier for earlier, later in zip(worked, worked[1:]))
    finally:
        store.close()
