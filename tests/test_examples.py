"""The example queries, on data that holds a second report as the model allows: pairs of
responses are responses to the same report, and no body is counted twice."""

from __future__ import annotations

import pyoxigraph
import pytest

from s2s_graph.examples import load_examples
from s2s_graph.published import PublishedGraph
from s2s_graph.sparql import run_query

BASE = "https://w3id.org/safe-to-share/"
FORCE, OVERSEER = (f"{BASE}id/organisation/{name}"
                   for name in ("west-yorkshire-police", "mayor-of-west-yorkshire"))
# A made-up second report, in the test only: the force published its response to it, and
# its overseer gave none.
SECOND_REPORT = f"""
@prefix s2s: <{BASE}def/s2s#> .
<{BASE}id/report/second> a s2s:Report .
<{BASE}id/response/second-force> a s2s:Response ; s2s:respondent <{FORCE}> ;
    s2s:respondsTo <{BASE}id/report/second> ; s2s:status s2s:published .
<{BASE}id/response/second-overseer> a s2s:Response ; s2s:respondent <{OVERSEER}> ;
    s2s:respondsTo <{BASE}id/report/second> ; s2s:status s2s:noReply .
"""


@pytest.fixture(scope="module")
def two_reports(published: PublishedGraph) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(published.store.dump(format=pyoxigraph.RdfFormat.N_QUADS),
               format=pyoxigraph.RdfFormat.N_QUADS)
    store.load(SECOND_REPORT.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def answers(store: pyoxigraph.Store, slug: str) -> list[dict[str, str]]:
    example = next(e for e in load_examples() if e.slug == slug)
    result = run_query(store, example.text, BASE)
    return [{name: term.value for name, term in zip(result.variables, row) if term is not None}
            for row in result.rows]


def test_a_force_and_its_overseer_are_paired_report_by_report(published, two_reports):
    one = [r for r in answers(published.store, "forces-and-their-overseers")
           if r["forceName"] == "West Yorkshire Police"]
    two = [r for r in answers(two_reports, "forces-and-their-overseers")
           if r["forceName"] == "West Yorkshire Police"]
    assert len(one) == 1
    assert len(two) == 2  # one pair per report, not each answer with each
    assert {"forceStatus": "published", "overseerStatus": "no reply"} in [
        {k: r[k].lower() for k in ("forceStatus", "overseerStatus")} for r in two]


def test_a_commissioner_s_silence_is_set_beside_the_force_s_answer_to_that_report(two_reports):
    rows = [r for r in answers(two_reports, "forces-whose-commissioner-did-not-reply")
            if r["force"] == FORCE]
    assert [r["forceStatus"].lower() for r in rows] == ["published"]


def test_each_body_counts_once_in_the_response_rate(published, two_reports):
    assert ([r["bodies"] for r in answers(two_reports, "response-rate-by-kind")]
            == [r["bodies"] for r in answers(published.store, "response-rate-by-kind")])
