"""The figures the human pages lead with, computed once per release: who answered, by kind
of body, and the responsibility matrix (who must act on what, and what they answered).
No Flask here; SPARQL runs on the published Oxigraph store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from s2s_graph.published import PublishedGraph
from s2s_graph.sparql import run_query

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

# Every body that must act on a report, with its kind and each response record it has.
BODIES_QUERY = PREFIXES + """
SELECT ?report ?body ?label ?kind ?target ?status WHERE {
  VALUES (?kind ?kindClass) { ("force" s2s:TerritorialPoliceForce) ("lpb" s2s:LocalPolicingBody)
                              ("national" s2s:NationalBody) }
  ?duty s2s:responsibleBody ?body ; s2s:concerns ?concerned .
  { ?concerned a s2s:Report . BIND(?concerned AS ?report) }
  UNION { ?concerned s2s:inReport ?report }
  ?body a/rdfs:subClassOf* ?kindClass ; rdfs:label ?label .
  OPTIONAL {
    ?response s2s:respondent ?body ; s2s:status ?statusIri ; s2s:respondsTo ?target .
    OPTIONAL { ?target s2s:inReport ?targetReport }
    BIND(STRAFTER(STR(?statusIri), "#") AS ?status)
    # A FILTER directly in OPTIONAL is the left join's condition, so it sees ?report.
    FILTER (?target = ?report || ?targetReport = ?report)
  }
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


def compute_reports(published: PublishedGraph) -> tuple[Report, ...]:
    """Compute the dashboard and matrix of every report (once per release)."""
    base = published.vocabulary.base
    rows = run_query(published.store, BODIES_QUERY, base).rows
    duties = run_query(published.store, DUTIES_QUERY, base).rows
    items = run_query(published.store, ITEMS_QUERY, base).rows
    reports = []
    for report_iri, report_label in sorted({(r[0].value, r[1].value) for r in items}):
        columns = [Column(report_iri, "The report")] + [
            Column(r[2].value, r[3].value) for r in items
            if r[0].value == report_iri and r[2] is not None]
        bodies = _bodies(report_iri, rows)
        cells: dict[tuple[str, str], Cell] = {}
        roles: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for row in duties:
            if row[0].value == report_iri:
                roles.setdefault((row[1].value, row[2].value), []).append((row[3].value, row[4].value))
        by_iri = {b.iri: b for b in bodies}
        for (body, column), found in roles.items():
            if body in by_iri:
                cells[(body, column)] = Cell(tuple(sorted(found)), by_iri[body].status_for(column))
        reports.append(Report(report_iri, report_label, bodies, _summaries(bodies),
                              tuple(columns), cells))
    return tuple(reports)


def _bodies(report: str, rows) -> tuple[Body, ...]:
    found: dict[str, dict] = {}
    for row in rows:
        if row[0].value != report:
            continue
        body = found.setdefault(row[1].value, {"label": row[2].value, "kind": row[3].value,
                                               "targets": {}})
        if row[5] is not None:
            target, status = row[4].value, row[5].value
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
