"""The data matches the GOV.UK listing page row by row, and the facts on the forces.

The page (tests/fixtures/sources/govuk-responses-page.txt) is parsed here, on its own terms:
each row is "<body name as the page gives it> <what the Response column says>".
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS

from conftest import FIXTURES
from s2s_graph.published import PublishedGraph

PAGE = FIXTURES / "sources" / "govuk-responses-page.txt"
FORCE_TABLE, LPB_TABLE = "Police force Response", "PCC or equivalent Response"
UNPUBLISHED = {"Response received but not published by the force",
               "Response received but not published by the Commissioner"}
NO_REPLY = {"This force did not reply", "This PCC did not reply"}


@dataclass(frozen=True)
class Row:
    table: str
    number: int
    text: str


def page_rows() -> list[Row]:
    """Return the 43 + 43 rows of the page's two tables, in page order."""
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    forces_at, lpbs_at = lines.index(FORCE_TABLE), lines.index(LPB_TABLE)
    end = lines.index("Read the full report")
    force_rows = [line for line in lines[forces_at + 1:lpbs_at] if line.strip()]
    lpb_rows = [line for line in lines[lpbs_at + 1:end] if line.strip()]
    return ([Row("force", i, t) for i, t in enumerate(force_rows, 1)]
            + [Row("lpb", i, t) for i, t in enumerate(lpb_rows, 1)])


ROWS = page_rows()


def s2s(published: PublishedGraph, name: str) -> URIRef:
    return published.vocabulary.s2s[name]


def bodies_of_kind(published: PublishedGraph, table: str) -> set[URIRef]:
    graph = published.graph
    if table == "force":
        return set(graph.subjects(RDF.type, s2s(published, "TerritorialPoliceForce")))
    kinds = ("PoliceAndCrimeCommissioner", "PoliceFireAndCrimeCommissioner",
             "MayoralPolicingBody", "CityOfLondonPoliceAuthority")
    return {b for k in kinds for b in graph.subjects(RDF.type, s2s(published, k))}


def match_row(published: PublishedGraph, row: Row) -> tuple[URIRef, str]:
    """Find the one body whose name (preferred or alternative) starts the row.

    Returns the body and the rest of the row (the Response column).
    """
    graph = published.graph
    found = []
    for body in bodies_of_kind(published, row.table):
        for label in list(graph.objects(body, SKOS.prefLabel)) + list(graph.objects(body, SKOS.altLabel)):
            if row.text.startswith(str(label) + " "):
                found.append((body, row.text[len(str(label)) + 1:]))
    assert len({b for b, _ in found}) == 1, f"row {row.table} {row.number} {row.text!r}: matched {found}"
    return min(found, key=lambda f: len(f[1]))


def response_of(published: PublishedGraph, body: URIRef) -> URIRef:
    graph = published.graph
    report = published.vocabulary.base + "id/report/safe-to-share"
    responses = [r for r in graph.subjects(s2s(published, "respondent"), body)
                 if (r, s2s(published, "respondsTo"), URIRef(report)) in graph]
    assert len(responses) == 1, f"{body}: {len(responses)} responses to the report"
    return responses[0]


def test_the_page_has_43_forces_and_43_local_policing_bodies():
    assert Counter(r.table for r in ROWS) == {"force": 43, "lpb": 43}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.table}-{r.number}")
def test_each_row_of_the_page_is_in_the_graph(published: PublishedGraph, row: Row):
    graph = published.graph
    body, column = match_row(published, row)
    response = response_of(published, body)
    status = graph.value(response, s2s(published, "status"))
    title = graph.value(response, s2s(published, "documentTitle"))
    if column in UNPUBLISHED:
        expected_status, expected_title = "receivedNotPublished", None
    elif column in NO_REPLY:
        expected_status, expected_title = "noReply", None
    else:
        expected_status, expected_title = "published", Literal(column, lang="en")
    assert status == s2s(published, expected_status), f"row {row.text!r}: status {status}"
    assert title == expected_title, f"row {row.text!r}: document title {title!r}"


def test_every_force_and_local_policing_body_comes_from_a_row(published: PublishedGraph):
    matched = {match_row(published, row)[0] for row in ROWS}
    every = bodies_of_kind(published, "force") | bodies_of_kind(published, "lpb")
    assert matched == every


def count_statuses(published: PublishedGraph, table: str) -> Counter:
    graph = published.graph
    return Counter(
        str(graph.value(response_of(published, body), s2s(published, "status"))).split("#")[1]
        for body in bodies_of_kind(published, table))


def test_force_statuses_are_34_published_8_unpublished_1_no_reply(published: PublishedGraph):
    assert count_statuses(published, "force") == {"published": 34, "receivedNotPublished": 8,
                                                   "noReply": 1}


def test_lpb_statuses_are_29_published_1_unpublished_13_no_reply(published: PublishedGraph):
    assert count_statuses(published, "lpb") == {"published": 29, "receivedNotPublished": 1,
                                                 "noReply": 13}


def facts_rows(name: str) -> list[dict[str, str]]:
    with open(FIXTURES / "sources" / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("fact", facts_rows("forces.csv"), ids=lambda r: r["police_uk_id"])
def test_force_identifiers_match_the_facts(published: PublishedGraph, fact: dict[str, str]):
    graph = published.graph
    [row] = [r for r in ROWS if r.table == "force" and r.text.startswith(fact["force_name_as_in_seed"] + " ")]
    force, _ = match_row(published, row)
    assert graph.value(force, s2s(published, "policeForceAreaCode")) == Literal(fact["ons_pfa_code"])
    assert graph.value(force, s2s(published, "policeUkId")) == Literal(fact["police_uk_id"])


@pytest.mark.parametrize("fact", facts_rows("responses_status.csv"), ids=lambda r: r["police_uk_id"])
def test_each_force_is_overseen_by_the_body_of_its_row(published: PublishedGraph, fact: dict[str, str]):
    """The facts pair each force with its local policing body's row of the page."""
    graph = published.graph
    [force_row] = [r for r in ROWS if r.table == "force"
                   and r.text.startswith(fact["force_name_as_in_seed"] + " ")]
    # The facts give the whole row where it lists a document, else the name column only.
    text = fact["lpb_row_text_in_seed"]
    [lpb_row] = [r for r in ROWS if r.table == "lpb"
                 and (r.text == text or r.text.startswith(text + " "))]
    force, _ = match_row(published, force_row)
    lpb, _ = match_row(published, lpb_row)
    assert graph.value(force, s2s(published, "overseenBy")) == lpb
