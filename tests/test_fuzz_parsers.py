"""Fuzz the SPARQL and RDF entry points with hypothesis: random and mutated queries and
documents only ever end in a result or in our clean errors (QueryError, QueryRefused,
LoadError, a time limit), which the server answers with 4xx or 503, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from conftest import BASE, INVALID_EXAMPLES, MINIMAL
from s2s_graph.errors import LoadError, QueryError, TimeLimitExceeded
from s2s_graph.examples import load_examples
from s2s_graph.formats import RDF_FORMATS
from s2s_graph.sources import parse_bytes, parse_file
from s2s_graph.sparql import answer_query, query_state
from s2s_graph.workers import WorkerPool

pytestmark = pytest.mark.slow
FUZZ = settings(max_examples=400, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))

QUERIES = [e.text for e in load_examples()] + [
    "ASK {}", "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2", "DESCRIBE <id/report/safe-to-share>"]
SPARQL_WORDS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "?x", "$y",
                "<id/organisation/npcc>", "FILTER", "REGEX", "(", ")", ".", ";", ",", "OPTIONAL",
                "UNION", "MINUS", "GRAPH", "SERVICE", "INSERT", "DATA", "LOAD", "\"", "'''",
                "#", "a", "LIMIT", "ORDER BY", "GROUP BY", "COUNT(*)", "AS", "VALUES", "BIND",
                "PREFIX", "BASE", "s2s:", "<", ">", "\\", "\n", "\u2028", "\x00"]


def mutated(texts: list[str]) -> st.SearchStrategy[str]:
    """A real text with characters deleted, inserted or replaced at random places."""
    @st.composite
    def build(draw):
        text = draw(st.sampled_from(texts))
        for _ in range(draw(st.integers(1, 6))):
            at = draw(st.integers(0, len(text)))
            kind = draw(st.sampled_from(["delete", "insert", "replace"]))
            piece = draw(st.one_of(st.text(max_size=4), st.sampled_from(SPARQL_WORDS)))
            if kind == "delete":
                text = text[:at] + text[at + draw(st.integers(1, 8)):]
            elif kind == "insert":
                text = text[:at] + piece + text[at:]
            else:
                text = text[:at] + piece + text[at + len(piece):]
        return text
    return build()


@pytest.fixture(scope="module")
def pool(published):
    nquads = published.store.dump(format=__import__("pyoxigraph").RdfFormat.N_QUADS)
    pool = WorkerPool(2, query_state, (BASE, nquads))
    yield pool
    pool.close()


def run(pool, query: str) -> str:
    try:
        answer = pool.run("The query", answer_query,
                          (query, "html", (), (), 100, 10, {}), time_limit_s=2.0)
        return answer.kind
    except (QueryError, TimeLimitExceeded) as error:  # QueryRefused is a QueryError
        assert str(error)
        return type(error).__name__


def test_random_queries_end_cleanly(pool):
    @FUZZ
    @given(st.one_of(st.text(max_size=200),
                     st.lists(st.sampled_from(SPARQL_WORDS), max_size=30).map(" ".join)))
    def check(query):
        run(pool, query)
    check()


def test_mutated_queries_end_cleanly(pool):
    @FUZZ
    @given(mutated(QUERIES))
    def check(query):
        run(pool, query)
    check()


def documents() -> list[tuple[str, bytes]]:
    """Real documents in every RDF format: the minimal graph and an invalid example."""
    graph = parse_file(MINIMAL, BASE)
    parse_file(INVALID_EXAMPLES[0], BASE, into=graph)
    return [(fmt.name, graph.serialize(format=fmt.rdflib_name, encoding="utf-8"))
            for fmt in RDF_FORMATS]


def parse(fmt_name: str, data: bytes) -> None:
    fmt = next(f for f in RDF_FORMATS if f.name == fmt_name)
    try:
        graph = parse_bytes(data, fmt, BASE, name="fuzz")
        assert isinstance(graph, Graph)
    except LoadError as error:
        assert str(error).startswith("fuzz")


def test_random_documents_end_cleanly():
    @FUZZ
    @given(st.sampled_from([f.name for f in RDF_FORMATS]), st.binary(max_size=300))
    def check(fmt_name, data):
        parse(fmt_name, data)
    check()


def test_mutated_documents_end_cleanly():
    real = documents()

    @FUZZ
    @given(st.sampled_from(range(len(real))), st.data())
    def check(index, data):
        fmt_name, original = real[index]
        text = data.draw(mutated([original.decode("utf-8")]))
        parse(fmt_name, text.encode("utf-8", "surrogatepass"))
    check()
