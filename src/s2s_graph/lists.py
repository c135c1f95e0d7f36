"""The lists of ``/set/{type}`` as tables for people and spreadsheets: the columns that suit
each type, filters by kind of body and by status, sorting and pages, and CSV. Filtering,
sorting and paging happen in SPARQL on the release's store, so a list of any length costs one
page. No Flask here."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import URIRef

from s2s_graph.dashboard import KIND_LABELS, STATUS_LABELS, STATUSES
from s2s_graph.display import Labeller, Value
from s2s_graph.documents import iri_term
from s2s_graph.release import Release

ALL_KIND_LABELS = {**KIND_LABELS, "complainant": "Complainants"}
PAGE_SIZE = 500
TEXT_LIMIT = 160

PREFIXES = """PREFIX s2s: <def/s2s#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# The kind of a body, from its class.
KIND_OF = """
  OPTIONAL {
    VALUES (?kind ?kindClass) { ("force" s2s:TerritorialPoliceForce) ("lpb" s2s:LocalPolicingBody)
                                ("national" s2s:NationalBody) ("complainant" s2s:DesignatedComplainant) }
    %(body)s a/rdfs:subClassOf* ?kindClass }"""
# The best status among a body's response records: published > received > no reply.
STATUS_OF = """
  OPTIONAL { SELECT %(body)s (MAX(?rank) AS ?best) WHERE {
      ?anyResponse s2s:respondent %(body)s ; s2s:status ?anyStatus .
      BIND(IF(?anyStatus = s2s:published, 3, IF(?anyStatus = s2s:receivedNotPublished, 2, 1)) AS ?rank)
    } GROUP BY %(body)s }
  BIND(IF(?best = 3, "published", IF(?best = 2, "receivedNotPublished",
          IF(?best = 1, "noReply", ""))) AS ?status)"""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    variable: str = ""       # the SPARQL variable of a single value (sortable), if any
    kind: str = "link"       # link, text, status, kind, label (IRI shown by its label)


@dataclass(frozen=True)
class ListSpec:
    """How one type is listed: the entity query's body, its columns, its filters."""

    where: str
    columns: tuple[Column, ...]
    filters: tuple[str, ...] = ()
    extra: str = ""          # multi-valued columns, fetched for one page of entities
    carry: tuple[str, ...] = ()  # variables selected to link a label column to its thing


SPECS: dict[str, ListSpec] = {
    "organisation": ListSpec(
        where="""?item a ?type . ?type rdfs:isDefinedBy ?vocabulary .
  OPTIONAL { ?item rdfs:label ?name } OPTIONAL { ?type rdfs:label ?typeLabel }
  OPTIONAL { ?item s2s:policeForceAreaCode ?code }""" + KIND_OF % {"body": "?item"}
        + STATUS_OF % {"body": "?item"},
        columns=(Column("name", "Name", "?name"), Column("kind", "Kind of body", "?kind", "kind"),
                 Column("type", "Type", "?typeLabel", "text"),
                 Column("status", "Response status", "?status", "status"),
                 Column("overseen", "Overseen by / oversees"),
                 Column("code", "ONS code", "?code", "text")),
        filters=("kind", "status"),
        extra="""SELECT ?item ?link ?linkLabel WHERE { VALUES ?item { %(items)s }
  { ?item s2s:overseenBy ?link } UNION { ?link s2s:overseenBy ?item }
  OPTIONAL { ?link rdfs:label ?linkLabel } }"""),
    "response": ListSpec(
        where="""?item s2s:respondent ?body ; s2s:status ?statusIri .
  OPTIONAL { ?item rdfs:label ?name } OPTIONAL { ?body rdfs:label ?bodyLabel }
  OPTIONAL { ?item s2s:documentTitle ?title }
  BIND(STRAFTER(STR(?statusIri), "#") AS ?status)""" + KIND_OF % {"body": "?body"},
        columns=(Column("name", "Record", "?name"), Column("respondent", "Respondent", "?bodyLabel"),
                 Column("kind", "Kind of body", "?kind", "kind"), Column("to", "Responds to"),
                 Column("status", "Status", "?status", "status"),
                 Column("title", "Document title", "?title", "text")),
        filters=("kind", "status"), carry=("?body",),
        extra="""SELECT ?item ?link ?linkLabel WHERE { VALUES ?item { %(items)s }
  ?item s2s:respondsTo ?link OPTIONAL { ?link rdfs:label ?linkLabel } }"""),
    "responsibility": ListSpec(
        where="""?item s2s:responsibleBody ?body ; s2s:role ?role ; s2s:concerns ?concerned ;
        s2s:basis ?basis .
  OPTIONAL { ?item rdfs:label ?name } OPTIONAL { ?body rdfs:label ?bodyLabel }
  OPTIONAL { ?concerned rdfs:label ?concernedLabel }
  OPTIONAL { ?role rdfs:label ?roleLabel } OPTIONAL { ?basis rdfs:label ?basisLabel }"""
        + KIND_OF % {"body": "?body"} + STATUS_OF % {"body": "?body"},
        columns=(Column("name", "Responsibility", "?name"), Column("body", "Body", "?bodyLabel"),
                 Column("kind", "Kind of body", "?kind", "kind"),
                 Column("role", "Role", "?roleLabel", "text"),
                 Column("concerns", "Concerns", "?concernedLabel"),
                 Column("basis", "Basis", "?basisLabel", "text"),
                 Column("status", "Body's response status", "?status", "status")),
        filters=("kind", "status"), carry=("?body", "?concerned")),
}
ITEM_SPEC = ListSpec(
    where="""?item s2s:number ?number ; s2s:numberBasis ?numberBasis .
  OPTIONAL { ?item rdfs:label ?name } OPTIONAL { ?item s2s:text ?text }
  OPTIONAL { ?item s2s:textKind ?textKind OPTIONAL { ?textKind rdfs:label ?textKindLabel } }
  OPTIONAL { ?numberBasis rdfs:label ?numberBasisLabel }
  OPTIONAL { SELECT ?item (COUNT(?duty) AS ?responsible) WHERE { ?duty s2s:concerns ?item }
             GROUP BY ?item }""",
    columns=(Column("number", "Number", "?number", "text"), Column("name", "Name", "?name"),
             Column("text", "Text", "?text", "text"),
             Column("textKind", "Text kind", "?textKindLabel", "text"),
             Column("numberBasis", "Number is", "?numberBasisLabel", "text"),
             Column("responsible", "Bodies that must act", "?responsible", "text")))
SPECS["recommendation"] = SPECS["action"] = ITEM_SPEC
GENERIC = ListSpec(
    where="""OPTIONAL { ?item rdfs:label ?name }
  OPTIONAL { SELECT ?item (GROUP_CONCAT(DISTINCT ?oneTypeLabel; separator=", ") AS ?typeLabel)
             WHERE { ?item a ?oneType . ?oneType rdfs:label ?oneTypeLabel } GROUP BY ?item }""",
    columns=(Column("name", "Name", "?name"), Column("type", "Type", "?typeLabel", "text")))

ENTITY_QUERY = PREFIXES + """
SELECT %(variables)s WHERE {
  { SELECT DISTINCT ?item WHERE { ?item a ?anyType FILTER STRSTARTS(STR(?item), %(prefix)s) } }
  %(where)s
  %(filters)s
} ORDER BY %(order)s %(slice)s"""


@dataclass(frozen=True)
class Table:
    """A page of a list as a table, with what was asked for and what could not be done."""

    type_: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Value | list[Value]], ...]
    filters: dict[str, tuple[tuple[str, str], ...]]  # name -> ((value, label), ...)
    applied: dict[str, str]
    sort: str
    notices: tuple[str, ...]
    page: int
    has_next: bool


class Lister:
    """Builds the table of any type from the release's store."""

    def __init__(self, release: Release, labeller: Labeller):
        self.release = release
        self.labeller = labeller

    def table(self, type_: str, params: Mapping[str, str], *, everything: bool = False) -> Table:
        """Return a page of the table of ``type_``, filtered and sorted as ``params`` ask
        (``everything``: all rows, for CSV). Unknown filters, values, sort keys and pages
        are ignored, each with a notice."""
        spec = SPECS.get(type_, GENERIC)
        filters = {}
        if "kind" in spec.filters:
            filters["kind"] = tuple((k, v) for k, v in ALL_KIND_LABELS.items())
        if "status" in spec.filters:
            filters["status"] = tuple((s, STATUS_LABELS[s]) for s in STATUSES)
        notices, applied = [], {}
        for name, value in params.items():
            if name in ("sort", "page") or not value:
                continue
            if name not in filters:
                notices.append(f"The filter '{name}' does not apply to this list and was ignored.")
            elif value not in dict(filters[name]):
                notices.append(f"'{value}' is not a value of the filter '{name}'; it was ignored.")
            else:
                applied[name] = value
        sortable = {c.key: c for c in spec.columns if c.variable}
        sort = params.get("sort", "") or spec.columns[0].key
        descending = sort.startswith("-")
        if sort.lstrip("-") not in sortable:
            notices.append(f"The list cannot be sorted by '{sort}'; it is sorted by "
                           f"{spec.columns[0].label.lower()}.")
            sort, descending = spec.columns[0].key, False
        key = sort.lstrip("-")
        page = 1
        if params.get("page"):
            if params["page"].isdigit() and int(params["page"]) >= 1:
                page = int(params["page"])
            else:
                notices.append(f"'{params['page']}' is not a page number; showing the first page.")
        rows, has_next = self._rows(type_, spec, applied, sortable[key], descending,
                                    page, everything)
        return Table(type_, spec.columns, tuple(rows), filters, applied,
                     ("-" if descending else "") + key, tuple(notices), page, has_next)

    def _rows(self, type_: str, spec: ListSpec, applied: dict[str, str], sort: Column,
              descending: bool, page: int, everything: bool) -> tuple[list[dict], bool]:
        base = self.release.vocabulary.base
        variables = ["?item"] + [c.variable for c in spec.columns if c.variable] + list(spec.carry)
        conditions = " ".join(f'FILTER (?{name} = "{value}")' for name, value in applied.items())
        order = f"DESC({sort.variable})" if descending else f"ASC({sort.variable})"
        # A page asks for one row more, to know whether there is a next page.
        window = "" if everything else f"LIMIT {PAGE_SIZE + 1} OFFSET {(page - 1) * PAGE_SIZE}"
        query = ENTITY_QUERY % {
            "variables": " ".join(dict.fromkeys(variables)), "where": spec.where,
            "filters": conditions, "order": f"{order} ?item", "slice": window,
            "prefix": f'"{base}id/{type_}/"'}
        found = self.release.store.select(query)
        has_next = not everything and len(found) > PAGE_SIZE
        if not everything:
            found = found[:PAGE_SIZE]
        names = list(dict.fromkeys(variables))
        rows = []
        for values in found:
            by_name = dict(zip(names, values))
            item = by_name["?item"]
            row = {}
            for column in spec.columns:
                row[column.key] = self._cell(column, item, by_name)
            rows.append(row)
        if spec.extra and rows:
            extra: dict[URIRef, list[Value]] = {}
            items = " ".join(iri_term(str(v.iri)) for v in (r[spec.columns[0].key] for r in rows))
            for item, link, label in self.release.store.select(
                    PREFIXES + spec.extra % {"items": items}):
                extra.setdefault(item, []).append(
                    self.labeller.value(link, label=str(label) if label is not None else None))
            multi = next(c.key for c in spec.columns if not c.variable)
            for row in rows:
                row[multi] = sorted(extra.get(URIRef(row[spec.columns[0].key].iri), []),
                                    key=lambda v: v.text.lower())
        return rows, has_next

    def _cell(self, column: Column, item: URIRef, values: dict) -> Value | list[Value]:
        raw = values.get(column.variable) if column.variable else None
        if column.key in ("name",):
            return self.labeller.value(item, label=str(raw) if raw is not None else None)
        if column.kind == "status":
            return Value(STATUS_LABELS.get(str(raw or ""), str(raw or "")))
        if column.kind == "kind":
            return Value(ALL_KIND_LABELS.get(str(raw or ""), ""))
        if column.kind == "text":
            text = str(raw) if raw is not None else ""
            if column.key == "text":
                text = text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 1] + "…"
                return Value(text or "(not known)")
            if column.key == "textKind" and not text:
                return Value("no text")
            return Value(text)
        if not column.variable:
            return []
        # a label of a linked thing: find its IRI among the query's variables
        linked = {"?bodyLabel": "?body", "?concernedLabel": "?concerned"}.get(column.variable)
        if linked and values.get(linked) is not None:
            return self.labeller.value(values[linked], label=str(raw) if raw is not None else None)
        return Value(str(raw) if raw is not None else "")


def _iris(cell) -> list[str]:
    values = cell if isinstance(cell, list) else [cell]
    return [v.iri for v in values if v.iri]


def table_csv(table: Table) -> bytes:
    """Return the table as CSV (RFC 4180): each linked column also gets an IRI column."""
    linked = [c for c in table.columns if any(_iris(row[c.key]) for row in table.rows)]
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
