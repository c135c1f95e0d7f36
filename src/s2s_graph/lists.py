"""The lists of ``/set/{type}`` as tables for people and spreadsheets: the columns that suit
each type, filters by kind of body and by status, sorting, and CSV. No Flask here."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import RDF

from s2s_graph.dashboard import KIND_LABELS, STATUS_LABELS, STATUS_RANK, STATUSES
from s2s_graph.display import Labeller, Value
from s2s_graph.published import PublishedGraph

KIND_OF_CLASS = {"TerritorialPoliceForce": "force", "LocalPolicingBody": "lpb",
                 "NationalBody": "national", "DesignatedComplainant": "complainant"}
ALL_KIND_LABELS = {**KIND_LABELS, "complainant": "Complainants"}
TEXT_LIMIT = 160


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class Table:
    """A list as a table, with what was asked for and what could not be done."""

    type_: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Value], ...]
    filters: dict[str, tuple[tuple[str, str], ...]]  # name -> ((value, label), ...)
    applied: dict[str, str]
    sort: str
    notices: tuple[str, ...]


class Lister:
    """Builds the table of any type from the published graph."""

    def __init__(self, published: PublishedGraph, labeller: Labeller):
        self.published = published
        self.labeller = labeller
        self.s2s = published.vocabulary.s2s
        self.graph = published.graph
        self._kinds = self._kind_by_body()

    def _kind_by_body(self) -> dict[URIRef, str]:
        kinds = {}
        for class_name, kind in KIND_OF_CLASS.items():
            cls = self.s2s[class_name]
            classes = {cls, *self.published.ontology.transitive_subjects(
                URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), cls)}
            for c in classes:
                for body in self.graph.subjects(RDF.type, c):
                    kinds[body] = kind
        return kinds

    def kind_of(self, body) -> str:
        return self._kinds.get(body, "")

    def status_of_body(self, body) -> str:
        """The best status among the body's response records ('' for none)."""
        statuses = [str(self.graph.value(r, self.s2s.status)).split("#")[-1]
                    for r in self.graph.subjects(self.s2s.respondent, body)]
        return max(statuses, key=lambda s: STATUS_RANK.get(s, 0), default="")

    def _link(self, term) -> Value:
        return self.labeller.value(term)

    def _status_value(self, status: str) -> Value:
        return Value(STATUS_LABELS.get(status, status))

    def columns_and_rows(self, type_: str) -> tuple[tuple[Column, ...], list[dict], list[dict]]:
        """Return columns, rows of display values, and the filter facts of each row."""
        g, s2s = self.graph, self.s2s
        members = self.published.members(type_)
        rows, facts = [], []
        if type_ == "organisation":
            columns = (Column("name", "Name"), Column("kind", "Kind of body"),
                       Column("type", "Type"), Column("status", "Response status"),
                       Column("overseen", "Overseen by / oversees"), Column("code", "ONS code"))
            for m in members:
                status, kind = self.status_of_body(m), self.kind_of(m)
                links = list(g.objects(m, s2s.overseenBy)) + list(g.subjects(s2s.overseenBy, m))
                rows.append({"name": self._link(m), "kind": Value(ALL_KIND_LABELS.get(kind, "")),
                             "type": Value(self.labeller.label(g.value(m, RDF.type))),
                             "status": self._status_value(status),
                             "overseen": [self._link(x) for x in sorted(links)],
                             "code": Value(str(g.value(m, s2s.policeForceAreaCode) or ""))})
                facts.append({"kind": kind, "status": status})
        elif type_ == "response":
            columns = (Column("name", "Record"), Column("respondent", "Respondent"),
                       Column("kind", "Kind of body"), Column("to", "Responds to"),
                       Column("status", "Status"), Column("title", "Document title"))
            for m in members:
                body = g.value(m, s2s.respondent)
                status = str(g.value(m, s2s.status)).split("#")[-1]
                kind = self.kind_of(body)
                rows.append({"name": self._link(m), "respondent": self._link(body),
                             "kind": Value(ALL_KIND_LABELS.get(kind, "")),
                             "to": [self._link(t) for t in sorted(g.objects(m, s2s.respondsTo))],
                             "status": self._status_value(status),
                             "title": Value(str(g.value(m, s2s.documentTitle) or ""))})
                facts.append({"kind": kind, "status": status})
        elif type_ in ("recommendation", "action"):
            columns = (Column("number", "Number"), Column("name", "Name"),
                       Column("text", "Text"), Column("textKind", "Text kind"),
                       Column("numberBasis", "Number is"), Column("responsible", "Bodies that must act"))
            for m in members:
                text = str(g.value(m, s2s.text) or "")
                shortened = text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 1] + "…"
                kind = g.value(m, s2s.textKind)
                rows.append({"number": Value(str(g.value(m, s2s.number) or "")),
                             "name": self._link(m),
                             "text": Value(shortened or "(not known)"),
                             "textKind": Value(self.labeller.label(kind) if kind else "no text"),
                             "numberBasis": Value(self.labeller.label(g.value(m, s2s.numberBasis))),
                             "responsible": Value(str(len(set(g.subjects(s2s.concerns, m)))))})
                facts.append({})
        elif type_ == "responsibility":
            columns = (Column("name", "Responsibility"), Column("body", "Body"),
                       Column("kind", "Kind of body"), Column("role", "Role"),
                       Column("concerns", "Concerns"), Column("basis", "Basis"),
                       Column("status", "Body's response status"))
            for m in members:
                body = g.value(m, s2s.responsibleBody)
                kind, status = self.kind_of(body), self.status_of_body(body)
                rows.append({"name": self._link(m), "body": self._link(body),
                             "kind": Value(ALL_KIND_LABELS.get(kind, "")),
                             "role": Value(self.labeller.label(g.value(m, s2s.role))),
                             "concerns": self._link(g.value(m, s2s.concerns)),
                             "basis": Value(self.labeller.label(g.value(m, s2s.basis))),
                             "status": self._status_value(status)})
                facts.append({"kind": kind, "status": status})
        else:
            columns = (Column("name", "Name"), Column("type", "Type"))
            for m in members:
                rows.append({"name": self._link(m),
                             "type": [self._link(t) for t in sorted(g.objects(m, RDF.type))]})
                facts.append({})
        return columns, rows, facts

    def table(self, type_: str, params: Mapping[str, str]) -> Table:
        """Return the table of ``type_``, filtered and sorted as ``params`` ask.

        Unknown filters, values and sort keys are ignored, each with a notice.
        """
        columns, rows, facts = self.columns_and_rows(type_)
        filters = {}
        if any("kind" in f for f in facts):
            present = sorted({f["kind"] for f in facts if f.get("kind")},
                             key=list(ALL_KIND_LABELS).index)
            filters["kind"] = tuple((k, ALL_KIND_LABELS[k]) for k in present)
        if any("status" in f for f in facts):
            filters["status"] = tuple((s, STATUS_LABELS[s]) for s in STATUSES)
        notices, applied = [], {}
        for name, value in params.items():
            if name == "sort" or not value:
                continue
            if name not in filters:
                notices.append(f"The filter '{name}' does not apply to this list and was ignored.")
            elif value not in dict(filters[name]):
                notices.append(f"'{value}' is not a value of the filter '{name}'; it was ignored.")
            else:
                applied[name] = value
        kept = [row for row, fact in zip(rows, facts)
                if all(fact.get(name) == value for name, value in applied.items())]
        keys = [c.key for c in columns]
        sort = params.get("sort", "") or keys[0]
        descending = sort.startswith("-")
        if sort.lstrip("-") not in keys:
            notices.append(f"The list cannot be sorted by '{sort}'; it is sorted by "
                           f"{columns[0].label.lower()}.")
            sort, descending = keys[0], False
        key = sort.lstrip("-")
        kept.sort(key=lambda row: _sort_key(row[key]), reverse=descending)
        return Table(type_, columns, tuple(kept), filters, applied,
                     ("-" if descending else "") + key, tuple(notices))


def _sort_key(cell) -> tuple:
    text = " ".join(v.text for v in cell) if isinstance(cell, list) else cell.text
    return (0, int(text), "") if text.isdigit() else (1, 0, text.lower())


def table_csv(table: Table) -> bytes:
    """Return the table as CSV (RFC 4180): each linked column also gets an IRI column."""
    linked = [c for c in table.columns
              if any(_iris(row[c.key]) for row in table.rows)]
    header = []
    for column in table.columns:
        header.append(column.label)
        if column in linked:
            header.append(column.label + " (IRI)")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in table.rows:
        cells = []
        for column in table.columns:
            value = row[column.key]
            cells.append("; ".join(v.text for v in value) if isinstance(value, list) else value.text)
            if column in linked:
                cells.append(" ".join(_iris(value)))
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


def _iris(cell) -> list[str]:
    values = cell if isinstance(cell, list) else [cell]
    return [v.iri for v in values if v.iri]
