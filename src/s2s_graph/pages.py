"""What a thing's page shows, as plain values: its properties grouped and named in words,
external identifiers as links to their registries, provenance, and the panels that answer
the questions people bring (a force's overseer and both responses; who must act on a
recommendation and who answered). No Flask here."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS

from s2s_graph.dashboard import STATUS_LABELS, Report
from s2s_graph.display import Labeller, Row, Value
from s2s_graph.published import PublishedGraph

# Registries the identifiers belong to: ONS geography (GSS codes) and the data.police.uk API.
ONS_GEOGRAPHY = "https://statistics.data.gov.uk/id/statistical-geography/"
POLICE_UK_FORCE = "https://data.police.uk/api/forces/"
INCOMING_LIMIT = 25

NAME_PROPERTIES = (RDF.type, SKOS.prefLabel, SKOS.altLabel, RDFS.label, DCTERMS.title,
                   DCTERMS.alternative)
PROVENANCE = ("source", "textKind", "numberBasis", "basis", "comment", "listedOn",
              "relatedDocument")
IDENTIFIERS = ("policeForceAreaCode", "policeUkId")
TEXT_KIND_NOTES = {
    "reportWording": "This text is the report's own wording, as the sources quote it.",
    "paraphrase": "This text is a paraphrase by the sources named below, not the report's "
                  "own wording.",
}


@dataclass(frozen=True)
class Group:
    """A titled group of property rows."""

    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Panel:
    """A table that answers a question about the thing (columns, then rows of values)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Value | tuple[Value, ...] | None, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class EntityPage:
    iri: str
    title: str
    types: tuple[Value, ...]
    notes: tuple[str, ...]
    identifiers: tuple[tuple[str, Value], ...]
    groups: tuple[Group, ...]
    panels: tuple[Panel, ...]
    incoming: tuple[Row, ...] = field(default=())
    lead: str = ""
    lead_is_quote: bool = False


class PageMaker:
    """Builds entity pages from the published graph and the reports' dashboards."""

    def __init__(self, published: PublishedGraph, labeller: Labeller, reports: tuple[Report, ...]):
        self.published = published
        self.labeller = labeller
        self.reports = reports
        self.s2s = published.vocabulary.s2s
        self.graph = published.graph

    def local(self, term) -> str:
        return str(term).rsplit("#", 1)[-1] if isinstance(term, URIRef) else ""

    def page(self, thing: URIRef, document: Graph) -> EntityPage:
        """Return the page of ``thing``; ``document`` is its RDF document."""
        labeller, s2s, g = self.labeller, self.s2s, self.graph
        rows = labeller.rows(document, thing)
        names, details, provenance = [], [], []
        has_name = (thing, SKOS.prefLabel, None) in self.graph
        for row in rows:
            predicate = URIRef(row.predicate)
            if predicate == RDF.type or self.local(predicate) in IDENTIFIERS:
                continue
            if predicate == RDFS.label and has_name:
                continue  # the same as the preferred name, for tools that only read rdfs:label
            if predicate in NAME_PROPERTIES:
                names.append(row)
            elif self.local(predicate) in PROVENANCE or predicate in (DCTERMS.source,
                                                                       RDFS.comment):
                provenance.append(row)
            else:
                details.append(row)
        groups = tuple(g for g in (Group("Names", tuple(names)), Group("Details", tuple(details)),
                                   Group("Where this comes from", tuple(provenance))) if g.rows)
        text = g.value(thing, s2s.text) or g.value(thing, s2s.statement) \
            or g.value(thing, DCTERMS.description) or g.value(thing, SKOS.definition)
        return EntityPage(
            lead=str(text or ""),
            lead_is_quote=g.value(thing, s2s.textKind) == s2s.reportWording
            or (thing, s2s.statement, None) in g,
            iri=str(thing), title=labeller.label(thing),
            types=tuple(labeller.value(t) for t in sorted(self.graph.objects(thing, RDF.type))),
            notes=self._notes(thing), identifiers=self._identifiers(thing), groups=groups,
            panels=self._panels(thing), incoming=self._incoming(document, thing))

    def _notes(self, thing: URIRef) -> tuple[str, ...]:
        g, s2s = self.graph, self.s2s
        notes = []
        if (thing, s2s.inReport, None) in g:
            kind = g.value(thing, s2s.textKind)
            notes.append(TEXT_KIND_NOTES.get(self.local(kind), "No source gives the text of "
                                             "this item, so it has none here."))
            if g.value(thing, s2s.numberBasis) == s2s.inferred:
                notes.append("Its number is inferred, not stated by the sources: "
                             + str(g.value(thing, RDFS.comment) or ""))
        if g.value(thing, s2s.basis) == s2s.inferred:
            notes.append("This responsibility is inferred, not stated by the report: "
                         + str(g.value(thing, DCTERMS.description) or ""))
        return tuple(n.strip() for n in notes)

    def _identifiers(self, thing: URIRef) -> tuple[tuple[str, Value], ...]:
        g, s2s = self.graph, self.s2s
        found = []
        code = g.value(thing, s2s.policeForceAreaCode)
        if code is not None:
            found.append(("ONS police force area code", Value(str(code), href=ONS_GEOGRAPHY + str(code))))
        police_uk = g.value(thing, s2s.policeUkId)
        if police_uk is not None:
            found.append(("data.police.uk identifier",
                          Value(str(police_uk), href=POLICE_UK_FORCE + str(police_uk))))
        landing = g.value(thing, DCAT.landingPage)
        if landing is not None:
            found.append(("Landing page", Value(str(landing), href=str(landing))))
        return tuple(found)

    def _responses_of(self, body) -> list[tuple]:
        g, s2s, value = self.graph, self.s2s, self.labeller.value
        rows = []
        for response in sorted(g.subjects(s2s.respondent, body)):
            title = g.value(response, s2s.documentTitle)
            related = tuple(value(d) for d in sorted(g.objects(response, s2s.relatedDocument)))
            rows.append((value(body), value(response),
                         value(g.value(response, s2s.status)),
                         value(title) if title is not None else None, related or None))
        return rows

    def _panels(self, thing: URIRef) -> tuple[Panel, ...]:
        g, s2s, value = self.graph, self.s2s, self.labeller.value
        panels = []
        response_columns = ("Body", "Record", "Status", "Document title (as listed)",
                            "Documents found elsewhere")
        if (thing, RDF.type, s2s.TerritorialPoliceForce) in g:
            overseer = g.value(thing, s2s.overseenBy)
            panels.append(Panel("Responses of the force and of its local policing body",
                                response_columns,
                                tuple(self._responses_of(thing) + self._responses_of(overseer)),
                                note=f"{self.labeller.label(thing)} is overseen by "
                                     f"{self.labeller.label(overseer)}."))
        forces = sorted(g.subjects(s2s.overseenBy, thing))
        if forces:
            panels.append(Panel("Responses of this body and of the forces it oversees",
                                response_columns,
                                tuple(self._responses_of(thing)
                                      + [r for f in forces for r in self._responses_of(f)])))
        for report in self.reports:
            cells = [(body, report.cells.get((body.iri, str(thing))))
                     for body in report.bodies]
            cells = [(b, c) for b, c in cells if c is not None]
            if not cells:
                continue
            panels.append(Panel(
                "Who must act on it, and what they answered",
                ("Body", "Role", "Basis", "Their answer"),
                tuple((value(URIRef(b.iri)), tuple(Value(r) for r, _ in c.roles),
                       tuple(Value(basis) for _, basis in c.roles),
                       Value(STATUS_LABELS[c.status])) for b, c in cells),
                note="“Their answer” is the status of the body's answer on this item where it "
                     "gave one, otherwise of its response to the report."))
        updates = [r for r in g.subjects(s2s.respondsTo, thing)
                   if (r, s2s.statement, None) in g]
        if updates:
            panels.append(Panel("Updates on it", ("Body", "Status", "What they said"), tuple(
                (value(g.value(r, s2s.respondent)), value(g.value(r, s2s.status)),
                 value(g.value(r, s2s.statement))) for r in sorted(updates))))
        return tuple(panels)

    def _incoming(self, document: Graph, thing: URIRef) -> tuple[Row, ...]:
        rows = []
        for row in self.labeller.incoming_rows(document, thing):
            if row.predicate == str(FOAF.primaryTopic):
                continue  # the page itself
            values = row.values
            if len(values) > INCOMING_LIMIT:
                values = values[:INCOMING_LIMIT] + (
                    Value(f"… and {len(row.values) - INCOMING_LIMIT} more"),)
            rows.append(Row(row.predicate, row.label, values, row.inverse))
        return tuple(rows)
