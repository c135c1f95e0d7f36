"""The figures the human pages lead with, computed once per release (at build, kept in the
release folder): who answered, by kind of body, and the responsibility matrix (who must act
on what, and what they answered). No Flask here; SPARQL runs on the release's store."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass

from s2s_graph.stores import GraphStore

STATUSES = ("published", "receivedNotPublished", "noReply")
STATUS_LABELS = {"published": "Published", "receivedNotPublished": "Received but not published",
                 "noReply": "No reply", "": "No record"}
KINDS = ("force", "lpb", "national")
KIND_LABELS = {"force": "Police forces", "lpb": "Local policing bodies",
               "national": "National bodies"}
KIND_CLASSES = {"force": "TerritorialPoliceForce", "lpb": "LocalPolicingBody",
                "national": "NationalBody"}
# The better status wins when a body has several records (the Home Office has two).
STATUS_RANK = {"published": 3, "receivedNotPublished": 2, "noReply": 1, "": 0}

PREFIXES = """PREFIX s2s: <def/s2s#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

# Every body that must act on a report, with its kind.
BODIES_QUERY = PREFIXES + """
SELECT DISTINCT ?report ?body ?label ?kind WHERE {
  VALUES (?kind ?kindClass) { ("force" s2s:TerritorialPoliceForce) ("lpb" s2s:LocalPolicingBody)
                              ("national" s2s:NationalBody) }
  ?duty s2s:responsibleBody ?body ; s2s:concerns ?concerned .
  { ?concerned a s2s:Report . BIND(?concerned AS ?report) }
  UNION { ?concerned s2s:inReport ?report }
  ?body a/rdfs:subClassOf* ?kindClass ; rdfs:label ?label .
}"""

# Every response record, with the report it answers (directly or through one of its items).
# Joined to the bodies in Python: joined in SPARQL (an OPTIONAL per body and report), it
# grew with reports times responses and took minutes at 3M triples.
RESPONSES_QUERY = PREFIXES + """
SELECT ?report ?body ?target ?status WHERE {
  ?response s2s:respondent ?body ; s2s:status ?statusIri ; s2s:respondsTo ?target .
  { ?target a s2s:Report . BIND(?target AS ?report) }
  UNION { ?target s2s:inReport ?report }
  BIND(STRAFTER(STR(?statusIri), "#") AS ?status)
}"""

# Every responsibility concerning a report or one of its items.
DUTIES_QUERY = PREFIXES + """
SELECT ?report ?body ?concerned ?role ?basis WHERE {
  ?duty s2s:responsibleBody ?body ; s2s:concerns ?concerned ; s2s:role ?roleIri ;
        s2s:basis ?basisIri .
  { ?concerned a s2s:Report . BIND(?concerned AS ?report) }
  UNION { ?concerned s2s:inReport ?report }
  BIND(STRAFTER(STR(?roleIri), "#") AS ?role)
  BIND(STRAFTER(STR(?basisIri), "#") AS ?basis)
}"""

# The items of each report, recommendations first, by number.
ITEMS_QUERY = PREFIXES + """
SELECT ?report ?reportLabel ?item ?label ?kind ?number WHERE {
  ?report a s2s:Report ; rdfs:label ?reportLabel .
  OPTIONAL {
    ?item s2s:inReport ?report ; s2s:number ?number ; rdfs:label ?label ; a ?kindClass .
    VALUES (?kindClass ?kind) { (s2s:Recommendation 0) (s2s:Action 1) }
  }
} ORDER BY ?report ?kind ?number"""


@dataclass(frozen=True)
class Body:
    """A body that must act on a report, and the status of its answer."""

    iri: str
    label: str
    kind: str
    status: str
    status_by_target: tuple[tuple[str, str], ...]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def status_for(self, target: str) -> str:
        """Return the status of its answer on ``target``, else of its answer to the report."""
        return dict(self.status_by_target).get(target, self.status)


@dataclass(frozen=True)
class KindSummary:
    """The counts by status of one kind of body."""

    kind: str
    label: str
    counts: tuple[tuple[str, str, int], ...]  # (status, label, count)
    total: int


@dataclass(frozen=True)
class Column:
    """A column of the matrix: the report itself or one of its items."""

    iri: str
    label: str


@dataclass(frozen=True)
class Cell:
    """What one body must do about one column, and the status of its answer."""

    roles: tuple[tuple[str, str], ...]  # (role, basis)
    status: str


@dataclass(frozen=True)
class Report:
    """One report's dashboard and matrix."""

    iri: str
    label: str
    bodies: tuple[Body, ...]
    summaries: tuple[KindSummary, ...]
    columns: tuple[Column, ...]
    cells: dict[tuple[str, str], Cell]

    def bodies_with(self, status: str) -> list[Body]:
        return [b for b in self.bodies if b.status == status]


def compute_reports(store: GraphStore, base_iri: str) -> tuple[Report, ...]:
    """Compute the dashboard and matrix of every report.

    Rows are grouped by report first: with a thousand reports, scanning every row once per
    report took minutes."""
    rows = _by_report(_with_responses(store.select(BODIES_QUERY),
                                      store.select(RESPONSES_QUERY)))
    duties = _by_report(store.select(DUTIES_QUERY))
    items = _by_report(store.select(ITEMS_QUERY))
    reports = []
    for report_iri, report_label in sorted({(r[0], r[1]) for found in items.values()
                                            for r in found}):
        columns = [Column(report_iri, "The report")] + [
            Column(r[2], r[3]) for r in items[report_iri] if r[2] is not None]
        bodies = _bodies(report_iri, rows.get(report_iri, ()))
        cells: dict[tuple[str, str], Cell] = {}
        roles: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for row in duties.get(report_iri, ()):
            roles.setdefault((row[1], row[2]), []).append((row[3], row[4]))
        by_iri = {b.iri: b for b in bodies}
        for (body, column), found in roles.items():
            if body in by_iri:
                cells[(body, column)] = Cell(tuple(sorted(found)), by_iri[body].status_for(column))
        reports.append(Report(report_iri, report_label, bodies, _summaries(bodies),
                              tuple(columns), cells))
    return tuple(reports)


def _with_responses(bodies, responses) -> list[tuple]:
    """Rows of (report, body, label, kind, target, status): one per response record of the
    body for the report, or one with no target and status if it has none."""
    records: dict[tuple[str, str], list[tuple]] = {}
    for report, body, target, status in map(_plain, responses):
        records.setdefault((report, body), []).append((target, status))
    rows = []
    for report, body, label, kind in map(_plain, bodies):
        for target, status in records.get((report, body), [(None, None)]):
            rows.append((report, body, label, kind, target, status))
    return rows


def _by_report(rows) -> dict[str, list[tuple]]:
    """Group query rows, as plain strings, by their first column (the report), in order."""
    grouped: dict[str, list[tuple]] = {}
    for row in rows:
        plain = _plain(row)
        grouped.setdefault(plain[0], []).append(plain)
    return grouped


def _plain(row) -> tuple:
    return tuple(str(term) if term is not None else None for term in row)


def reports_to_json(reports: tuple[Report, ...]) -> bytes:
    """Write the reports for the release folder (deterministic)."""
    doc = [{**asdict(r), "cells": sorted([[b, c, asdict(cell)] for (b, c), cell in r.cells.items()])}
           for r in reports]
    return (json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def reports_from_json(data: bytes) -> tuple[Report, ...]:
    """Read the reports written by :func:`reports_to_json`."""
    reports = []
    for r in json.loads(data):
        bodies = tuple(Body(b["iri"], b["label"], b["kind"], b["status"],
                            tuple(tuple(t) for t in b["status_by_target"])) for b in r["bodies"])
        summaries = tuple(KindSummary(s["kind"], s["label"],
                                      tuple(tuple(c) for c in s["counts"]), s["total"])
                          for s in r["summaries"])
        columns = tuple(Column(c["iri"], c["label"]) for c in r["columns"])
        cells = {(b, c): Cell(tuple(tuple(x) for x in cell["roles"]), cell["status"])
                 for b, c, cell in r["cells"]}
        reports.append(Report(r["iri"], r["label"], bodies, summaries, columns, cells))
    return tuple(reports)


def _bodies(report: str, rows) -> tuple[Body, ...]:
    found: dict[str, dict] = {}
    for row in rows:
        if row[0] != report:
            continue
        body = found.setdefault(row[1], {"label": row[2], "kind": row[3], "targets": {}})
        if row[5] is not None:
            target, status = row[4], row[5]
            previous = body["targets"].get(target, "")
            if STATUS_RANK[status] > STATUS_RANK[previous]:
                body["targets"][target] = status
    bodies = []
    for iri, info in found.items():
        targets = info["targets"]
        overall = targets.get(report) or max(targets.values(), key=STATUS_RANK.__getitem__,
                                              default="")
        bodies.append(Body(iri, info["label"], info["kind"], overall,
                           tuple(sorted(targets.items()))))
    kind_order = {k: i for i, k in enumerate(KINDS)}
    return tuple(sorted(bodies, key=lambda b: (kind_order[b.kind], b.label.lower())))


def _summaries(bodies: tuple[Body, ...]) -> tuple[KindSummary, ...]:
    summaries = []
    for kind in KINDS:
        of_kind = [b for b in bodies if b.kind == kind]
        if not of_kind:
            continue
        counts = Counter(b.status for b in of_kind)
        summaries.append(KindSummary(kind, KIND_LABELS[kind], tuple(
            (s, STATUS_LABELS[s], counts.get(s, 0)) for s in STATUSES), len(of_kind)))
    return tuple(summaries)
