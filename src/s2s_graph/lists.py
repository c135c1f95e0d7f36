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
from s2s_graph.documents import iri_term, members_pattern
from s2s_graph.release import Release

ALL_KIND_LABELS = {**KIND_LABELS, "complainant": "Complainants"}
PAGE_SIZE = 500
TEXT_LIMIT = 160

PREFIXES = """PREFIX s2s: <def/s2s#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# The patterns below bind one column each. ``%(scope)s`` opens a subquery that works per
# item: on the page's items only when a page is decorated, on every member when the list is
# sorted or filtered by that column.

# The kind of a body, from its class.
# (Without VALUES: Virtuoso 7 loses rows when an OPTIONAL holds VALUES and a property path.)
KIND_OF = """
  OPTIONAL { %(body)s a/rdfs:subClassOf* ?kindClass
    FILTER (?kindClass IN (s2s:TerritorialPoliceForce, s2s:LocalPolicingBody, s2s:NationalBody,
                           s2s:DesignatedComplainant)) }
  BIND(IF(?kindClass = s2s:TerritorialPoliceForce, "force",
       IF(?kindClass = s2s:LocalPolicingBody, "lpb",
       IF(?kindClass = s2s:NationalBody, "national", "complainant"))) AS ?kind)"""
# The best status among a body's response records: published > received > no reply.
STATUS_OF = """
  OPTIONAL { SELECT %(body)s (MAX(?rank) AS ?best) WHERE { %(scope)s
      ?anyResponse s2s:respondent %(body)s ; s2s:status ?anyStatus .
      BIND(IF(?anyStatus = s2s:published, 3, IF(?anyStatus = s2s:receivedNotPublished, 2, 1)) AS ?rank)
    } GROUP BY %(body)s }
  BIND(IF(?best = 3, "published", IF(?best = 2, "receivedNotPublished",
          IF(?best = 1, "noReply", ""))) AS ?status)"""
NAME = "OPTIONAL { ?item rdfs:label ?name }"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    variable: str = ""       # the SPARQL variable of a single value (sortable), if any
    kind: str = "link"       # link, text, status, kind, label (IRI shown by its label)
    pattern: str = ""        # what binds ``variable`` for ?item (none: the spec's ``rows``)


@dataclass(frozen=True)
class ListSpec:
    """How one type is listed: what each row must match, its columns, its filters."""

    rows: str
    columns: tuple[Column, ...]
    filters: tuple[str, ...] = ()
    extra: str = ""          # multi-valued columns, fetched for one page of entities
    carry: tuple[str, ...] = ()  # variables selected to link a label column to its thing


SPECS: dict[str, ListSpec] = {
    "organisation": ListSpec(
        rows="?item a ?type . ?type rdfs:isDefinedBy ?vocabulary .",
        columns=(Column("name", "Name", "?name", pattern=NAME),
                 Column("kind", "Kind of body", "?kind", "kind", KIND_OF % {"body": "?item"}),
                 Column("type", "Type", "?typeLabel", "text",
                        "OPTIONAL { ?type rdfs:label ?typeLabel }"),
                 Column("status", "Response status", "?status", "status",
                        STATUS_OF % {"body": "?item", "scope": "%(scope)s"}),
                 Column("overseen", "Overseen by / oversees"),
                 Column("code", "ONS code", "?code", "text",
                        "OPTIONAL { ?item s2s:policeForceAreaCode ?code }")),
        filters=("kind", "status"),
        extra="""SELECT ?item ?link ?linkLabel WHERE { VALUES ?item { %(items)s }
  { ?item s2s:overseenBy ?link } UNION { ?link s2s:overseenBy ?item }
  OPTIONAL { ?link rdfs:label ?linkLabel } }"""),
    "response": ListSpec(
        rows="""?item s2s:respondent ?body ; s2s:status ?statusIri .
  BIND(STRAFTER(STR(?statusIri), "#") AS ?status)""",
        columns=(Column("name", "Record", "?name", pattern=NAME),
                 Column("respondent", "Respondent", "?bodyLabel",
                        pattern="OPTIONAL { ?body rdfs:label ?bodyLabel }"),
                 Column("kind", "Kind of body", "?kind", "kind", KIND_OF % {"body": "?body"}),
                 Column("to", "Responds to"),
                 Column("status", "Status", "?status", "status"),
                 Column("title", "Document title", "?title", "text",
                        "OPTIONAL { ?item s2s:documentTitle ?title }")),
        filters=("kind", "status"), carry=("?body",),
        extra="""SELECT ?item ?link ?linkLabel WHERE { VALUES ?item { %(items)s }
  ?item s2s:respondsTo ?link OPTIONAL { ?link rdfs:label ?linkLabel } }"""),
    "responsibility": ListSpec(
        rows="""?item s2s:responsibleBody ?body ; s2s:role ?role ; s2s:concerns ?concerned ;
        s2s:basis ?basis .""",
        columns=(Column("name", "Responsibility", "?name", pattern=NAME),
                 Column("body", "Body", "?bodyLabel",
                        pattern="OPTIONAL { ?body rdfs:label ?bodyLabel }"),
                 Column("kind", "Kind of body", "?kind", "kind", KIND_OF % {"body": "?body"}),
                 Column("role", "Role", "?roleLabel", "text",
                        "OPTIONAL { ?role rdfs:label ?roleLabel }"),
                 Column("concerns", "Concerns", "?concernedLabel",
                        pattern="OPTIONAL { ?concerned rdfs:label ?concernedLabel }"),
                 Column("basis", "Basis", "?basisLabel", "text",
                        "OPTIONAL { ?basis rdfs:label ?basisLabel }"),
                 Column("status", "Body's response status", "?status", "status",
                        # per body, of every body: far fewer than their duties
                        STATUS_OF % {"body": "?body", "scope": ""})),
        filters=("kind", "status"), carry=("?body", "?concerned")),
}
ITEM_SPEC = ListSpec(
    rows="?item s2s:number ?number ; s2s:numberBasis ?numberBasis .",
    columns=(Column("number", "Number", "?number", "text"),
             Column("name", "Name", "?name", pattern=NAME),
             Column("text", "Text", "?text", "text", "OPTIONAL { ?item s2s:text ?text }"),
             Column("textKind", "Text kind", "?textKindLabel", "text",
                    "OPTIONAL { ?item s2s:textKind ?textKind "
                    "OPTIONAL { ?textKind rdfs:label ?textKindLabel } }"),
             Column("numberBasis", "Number is", "?numberBasisLabel", "text",
                    "OPTIONAL { ?numberBasis rdfs:label ?numberBasisLabel }"),
             Column("responsible", "Bodies that must act", "?responsible", "text",
                    """OPTIONAL { SELECT ?item (COUNT(DISTINCT ?duty) AS ?responsible)
             WHERE { %(scope)s ?duty s2s:concerns ?item } GROUP BY ?item }""")))
SPECS["recommendation"] = SPECS["action"] = ITEM_SPEC
GENERIC = ListSpec(
    rows="",
    columns=(Column("name", "Name", "?name", pattern=NAME),
             Column("type", "Type", "?typeLabel", "text",
                    """OPTIONAL { SELECT ?item (GROUP_CONCAT(DISTINCT ?oneTypeLabel; separator=", ")
                                        AS ?typeLabel)
             WHERE { %(scope)s ?item a ?oneType . ?oneType rdfs:label ?oneTypeLabel }
             GROUP BY ?item }""")))

# The things of a list with their sort key, and only what the key and the filters need, so
# that a long list is not decorated in full to show one page of it. Not DISTINCT: a thing
# met twice is folded into one when the order is made (``_in_order``), which costs less.
PAGE_QUERY = PREFIXES + """
SELECT ?item %(variable)s WHERE {
  %(members)s
  %(where)s
  %(filters)s
}"""
# Every column of the things given.
ROWS_QUERY = PREFIXES + """
SELECT %(variables)s WHERE {
  %(members)s
  %(where)s
}"""
DECORATED_AT_ONCE = 500  # things whose columns one query fetches


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
    first: int = 1  # the place in the whole list of the first row shown, from 1


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
                     ("-" if descending else "") + key, tuple(notices), page, has_next,
                     1 if everything else (page - 1) * PAGE_SIZE + 1)

    def _rows(self, type_: str, spec: ListSpec, applied: dict[str, str], sort: Column,
              descending: bool, page: int, everything: bool) -> tuple[list[dict], bool]:
        members = members_pattern(self.release, type_, "?item")
        variables = ["?item"] + [c.variable for c in spec.columns if c.variable] + list(spec.carry)
        conditions = " ".join(f'FILTER (?{name} = "{value}")' for name, value in applied.items())
        select = " ".join(dict.fromkeys(variables))
        # The things first, with only the columns their order and the filters need; then
        # every column of one page of them. The order is made here, not by the store: SPARQL
        # leaves the order of labels in a language to each engine (Virtuoso's even differs
        # with and without LIMIT), and Oxigraph sorts a long list slower than Python does.
        needed = [c for c in spec.columns if c == sort or c.key in applied]
        keyed = self.release.store.select_values(PAGE_QUERY % {
            "variable": sort.variable, "members": members, "filters": conditions,
            "where": _where(spec, needed, members)})
        in_order = _in_order(keyed, descending)
        has_next = False
        if not everything:
            start = (page - 1) * PAGE_SIZE
            has_next = len(in_order) > start + PAGE_SIZE
            in_order = in_order[start:start + PAGE_SIZE]
        ordered = [URIRef(iri) for iri in in_order]
        by_item: dict = {}  # one row per thing, where a column has several values
        for start in range(0, len(ordered), DECORATED_AT_ONCE):
            things = "VALUES ?item { %s }" % " ".join(
                iri_term(str(i)) for i in ordered[start:start + DECORATED_AT_ONCE])
            for values in self.release.store.select(ROWS_QUERY % {
                    "variables": select, "members": things,
                    "where": _where(spec, spec.columns, things)}):
                by_item.setdefault(values[0], values)
        found = [by_item[i] for i in ordered if i in by_item]
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


def _in_order(keyed: list[tuple], descending: bool) -> list[str]:
    """Return the things of (thing, key) rows of plain values as SPARQL's ``ORDER BY
    ASC(key) ?thing`` (or ``DESC``) would, labels compared as plain strings: unbound first,
    then numbers by value, then the rest by text; a thing with several keys at its least (or
    greatest) one."""
    best: dict[str, tuple] = {}
    for item, key in keyed:
        rank = (0,) if key is None else (2, key) if isinstance(key, str) else (1, key)
        if item not in best or (rank > best[item] if descending else rank < best[item]):
            best[item] = rank
    things = sorted(best)  # the tie-break, ascending either way; the sort below is stable
    return sorted(things, key=best.__getitem__, reverse=descending)


def _where(spec: ListSpec, columns, scope: str) -> str:
    """The rows pattern and the patterns of ``columns``, their per-item subqueries held to
    ``scope``."""
    return "\n  ".join([spec.rows] + [c.pattern.replace("%(scope)s", scope)
                                       for c in columns if c.pattern])


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
