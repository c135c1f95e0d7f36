"""What a thing's page shows, as plain values: its properties grouped and named in words,
external identifiers as links to their registries, provenance, and the panels that answer
the questions people bring (a force's overseer and both responses; who must act on a
recommendation and who answered). Built from the thing's document and a few SPARQL queries
on the release's store. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS

from s2s_graph.dashboard import STATUS_LABELS, STATUS_RANK
from s2s_graph.display import Labeller, Row, Value
from s2s_graph.documents import inbound_counts, inbound_query, iri_term
from s2s_graph.release import Release

# Registries the identifiers belong to: ONS geography (GSS codes) and the data.police.uk API.
ONS_GEOGRAPHY = "https://statistics.data.gov.uk/id/statistical-geography/"
POLICE_UK_FORCE = "https://data.police.uk/api/forces/"
INCOMING_LIMIT = 25
PANEL_ROWS = 100  # records a panel shows; the rest are a link to the query page away

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
PREFIXES = """PREFIX s2s: <def/s2s#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

# The first %(limit)s response records of some bodies, in the order the bodies are given
# (?rank), then by record.
RESPONSES_OF = PREFIXES + """
SELECT ?body ?bodyLabel ?response ?responseLabel ?status ?title ?related ?relatedLabel WHERE {
  { SELECT ?body ?response ?status WHERE {
      VALUES (?body ?rank) { %(bodies)s }
      ?response s2s:respondent ?body ; s2s:status ?status .
    } ORDER BY ?rank ?response LIMIT %(limit)d }
  OPTIONAL { ?body rdfs:label ?bodyLabel }
  OPTIONAL { ?response rdfs:label ?responseLabel }
  OPTIONAL { ?response s2s:documentTitle ?title }
  OPTIONAL { ?response s2s:relatedDocument ?related OPTIONAL { ?related rdfs:label ?relatedLabel } }
}"""

# Every response record of some bodies, for the query page when a panel shows only the first.
ALL_RESPONSES_OF = """PREFIX s2s: <%(s2s)s>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?body ?response ?status ?title
WHERE {
  VALUES ?body { %(bodies)s }
  ?response s2s:respondent ?body ; s2s:status ?status .
  OPTIONAL { ?response s2s:documentTitle ?title }
}
ORDER BY ?body ?response
"""
COUNT_RESPONSES_OF = PREFIXES + """
SELECT (COUNT(DISTINCT ?response) AS ?n) WHERE {
  VALUES ?body { %(bodies)s }
  ?response s2s:respondent ?body ; s2s:status ?status .
}"""

# The answers on the item come from a subquery, found once: Oxigraph otherwise went through
# every response of each body, for each duty (330 ms for a report at 3M triples, now 2 ms).
WHO_MUST_ACT = PREFIXES + """
SELECT ?body ?bodyLabel ?role ?basis ?status WHERE {
  ?duty s2s:concerns %(item)s ; s2s:responsibleBody ?body ; s2s:role ?roleIri ;
        s2s:basis ?basisIri .
  OPTIONAL { ?body rdfs:label ?bodyLabel }
  BIND(STRAFTER(STR(?roleIri), "#") AS ?role)
  BIND(STRAFTER(STR(?basisIri), "#") AS ?basis)
  OPTIONAL { SELECT ?body ?ownStatus WHERE {
      ?own s2s:respondsTo %(item)s ; s2s:respondent ?body ; s2s:status ?ownStatus } }
  OPTIONAL { %(item)s s2s:inReport ?report .
             ?toReport s2s:respondent ?body ; s2s:respondsTo ?report ; s2s:status ?reportStatus }
  BIND(STRAFTER(STR(COALESCE(?ownStatus, ?reportStatus)), "#") AS ?status)
}"""

UPDATES_ON = PREFIXES + """
SELECT ?response ?body ?bodyLabel ?status ?statement WHERE {
  ?response s2s:respondsTo %(item)s ; s2s:statement ?statement ; s2s:respondent ?body ;
            s2s:status ?status .
  OPTIONAL { ?body rdfs:label ?bodyLabel }
} ORDER BY ?response"""


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
    more: Value | None = None  # where the rows are the first of more: a link to them all


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
    """Builds entity pages from a thing's document and the release's store."""

    def __init__(self, release: Release, labeller: Labeller):
        self.release = release
        self.labeller = labeller
        self.s2s = release.vocabulary.s2s

    @staticmethod
    def local(term) -> str:
        return str(term).rsplit("#", 1)[-1] if isinstance(term, URIRef) else ""

    def page(self, thing: URIRef, document: Graph) -> EntityPage:
        """Return the page of ``thing``; ``document`` is its RDF document."""
        labeller, s2s, g = self.labeller, self.s2s, document
        names, details, provenance = [], [], []
        has_name = (thing, SKOS.prefLabel, None) in g
        for row in labeller.rows(g, thing):
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
        groups = tuple(x for x in (Group("Names", tuple(names)), Group("Details", tuple(details)),
                                   Group("Where this comes from", tuple(provenance))) if x.rows)
        text = g.value(thing, s2s.text) or g.value(thing, s2s.statement) \
            or g.value(thing, DCTERMS.description) or g.value(thing, SKOS.definition)
        return EntityPage(
            iri=str(thing), title=labeller.label(thing, g),
            types=tuple(labeller.value(t, g) for t in sorted(g.objects(thing, RDF.type))),
            notes=self._notes(thing, g), identifiers=self._identifiers(thing, g),
            groups=groups, panels=self._panels(thing, g), incoming=self._incoming(g, thing),
            lead=str(text or ""),
            lead_is_quote=g.value(thing, s2s.textKind) == s2s.reportWording
            or (thing, s2s.statement, None) in g)

    def _notes(self, thing: URIRef, g: Graph) -> tuple[str, ...]:
        s2s = self.s2s
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

    def _identifiers(self, thing: URIRef, g: Graph) -> tuple[tuple[str, Value], ...]:
        s2s = self.s2s
        found = []
        code = g.value(thing, s2s.policeForceAreaCode)
        if code is not None:
            found.append(("ONS police force area code",
                          Value(str(code), href=ONS_GEOGRAPHY + str(code))))
        police_uk = g.value(thing, s2s.policeUkId)
        if police_uk is not None:
            found.append(("data.police.uk identifier",
                          Value(str(police_uk), href=POLICE_UK_FORCE + str(police_uk))))
        landing = g.value(thing, DCAT.landingPage)
        if landing is not None:
            found.append(("Landing page", Value(str(landing), href=str(landing))))
        return tuple(found)

    def _value(self, term, label) -> Value | None:
        if term is None:
            return None
        return self.labeller.value(term, label=str(label) if label is not None else None)

    def _responses_of(self, bodies: list[URIRef]) -> list[tuple]:
        """The first PANEL_ROWS + 1 response records of ``bodies`` (one more than a panel
        shows, to know whether there are more), as panel rows."""
        if not bodies:
            return []
        query = RESPONSES_OF % {
            "bodies": " ".join(f"({iri_term(str(b))} {n})" for n, b in enumerate(bodies)),
            "limit": PANEL_ROWS + 1}
        records: dict[tuple, dict] = {}
        for body, body_label, response, response_label, status, title, related, related_label \
                in self.release.store.select(query):
            record = records.setdefault((body, response), {
                "cells": (self._value(body, body_label), self._value(response, response_label),
                          self.labeller.value(status),
                          Value(str(title), language="en") if title is not None else None),
                "related": []})
            if related is not None:
                value = self._value(related, related_label)
                if value not in record["related"]:
                    record["related"].append(value)
        order = {b: i for i, b in enumerate(bodies)}
        return [(*r["cells"], tuple(r["related"]) or None)
                for key, r in sorted(records.items(), key=lambda kv: (order[kv[0][0]], kv[0][1]))]

    def _panels(self, thing: URIRef, g: Graph) -> tuple[Panel, ...]:
        s2s, labeller = self.s2s, self.labeller
        panels = []
        overseer = g.value(thing, s2s.overseenBy)
        if (thing, RDF.type, s2s.TerritorialPoliceForce) in g and overseer is not None:
            panels.append(self._responses_panel(
                "Responses of the force and of its local policing body", [thing, overseer],
                f"{labeller.label(thing, g)} is overseen by {labeller.label(overseer, g)}."))
        forces = sorted(s for s in g.subjects(s2s.overseenBy, thing))
        if forces:
            panels.append(self._responses_panel(
                "Responses of this body and of the forces it oversees", [thing, *forces]))
        if (None, s2s.concerns, thing) in g:
            panels.append(self._who_must_act(thing))
        updates = self.release.store.select(UPDATES_ON % {"item": iri_term(str(thing))}) \
            if (None, s2s.respondsTo, thing) in g else []
        if updates:
            panels.append(Panel("Updates on it", ("Body", "Status", "What they said"), tuple(
                (self._value(body, body_label), labeller.value(status),
                 Value(str(statement), language="en"))
                for _, body, body_label, status, statement in updates)))
        return tuple(panels)

    def _responses_panel(self, title: str, bodies: list[URIRef], note: str = "") -> Panel:
        """The panel of ``bodies``' response records: the first PANEL_ROWS, and where there
        are more, how many and a link to the query that lists them all."""
        rows = self._responses_of(bodies)
        more = None
        if len(rows) > PANEL_ROWS:
            rows = rows[:PANEL_ROWS]
            terms = " ".join(iri_term(str(b)) for b in bodies)
            total = self.release.store.select(COUNT_RESPONSES_OF % {"bodies": terms})[0][0]
            query = ALL_RESPONSES_OF % {"s2s": str(self.s2s), "bodies": terms}
            more = Value(f"All {int(total):,} records, on the query page",
                         href="/sparql?" + urlencode({"query": query}))
            note = (f"{note} " if note else "") + f"The first {PANEL_ROWS} records are shown."
        return Panel(title, ("Body", "Record", "Status", "Document title (as listed)",
                             "Documents found elsewhere"), tuple(rows), note=note, more=more)

    def _who_must_act(self, thing: URIRef) -> Panel:
        best: dict[tuple, tuple] = {}
        for body, label, role, basis, status in self.release.store.select(
                WHO_MUST_ACT % {"item": iri_term(str(thing))}):
            key = (str(body), str(role), str(basis))
            status = str(status) if status is not None else ""
            if key not in best or STATUS_RANK.get(status, 0) > STATUS_RANK.get(best[key][1], 0):
                best[key] = (self._value(body, label), status)
        rows = sorted(((value, role, basis, status) for (_, role, basis), (value, status)
                       in best.items()), key=lambda r: (r[0].text.lower(), r[1]))
        return Panel(
            "Who must act on it, and what they answered",
            ("Body", "Role", "Basis", "Their answer"),
            tuple((value, (Value(role),), (Value(basis),), Value(STATUS_LABELS.get(status, "")))
                  for value, role, basis, status in rows),
            note="“Their answer” is the status of the body's answer on this item where it gave "
                 "one, otherwise of its response to the report.")

    def _incoming(self, document: Graph, thing: URIRef) -> tuple[Row, ...]:
        """The things that point here, by property: INCOMING_LIMIT of them by label (among
        those the document holds, at most INBOUND_PER_PROPERTY), and where there are more,
        a link to the query that lists them all."""
        counts = inbound_counts(self.release, thing)
        rows = []
        for row in self.labeller.incoming_rows(document, thing):
            if row.predicate == str(FOAF.primaryTopic):
                continue  # the page itself
            values = row.values
            total = max(counts.get(URIRef(row.predicate), 0), len(values))
            if total > INCOMING_LIMIT:
                query = inbound_query(thing, URIRef(row.predicate), "select")
                values = values[:INCOMING_LIMIT] + (Value(
                    f"… and {total - INCOMING_LIMIT:,} more (all of them)",
                    href="/sparql?" + urlencode({"query": query})),)
            rows.append(Row(row.predicate, row.label, values, row.inverse))
        return tuple(rows)
