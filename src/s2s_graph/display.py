"""What human pages show: display labels for any term, and a description graph turned into
rows of (property, values) with links. Labels of reused terms come from package data that is
never published as data. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from s2s_graph.namespaces import Vocabulary, shorten
from s2s_graph.uris import doc_path_for_iri

LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label, DCTERMS.title)
# Properties shown first on a page, in this order; the rest follow alphabetically by label.
LEADING_PROPERTIES = (RDF.type, SKOS.prefLabel, SKOS.altLabel, DCTERMS.title, RDFS.label)


def load_reference_labels() -> Graph:
    """Return the display labels of reused terms (package data)."""
    text = resources.files("s2s_graph").joinpath("reference/labels.ttl").read_text("utf-8")
    return Graph().parse(data=text, format="turtle")


@dataclass(frozen=True)
class Value:
    """One value of a property as a page shows it: text, and a link where it has one."""

    text: str
    href: str | None = None
    iri: str | None = None
    language: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class Row:
    """One property and its values; ``inverse`` rows list the things that point here."""

    predicate: str
    label: str
    values: tuple[Value, ...]
    inverse: bool = False


class Labeller:
    """Finds a display label for any term: in the graph at hand (a thing's document carries
    the labels of what it links to), then in the vocabulary, the shapes and the dataset
    description, then in the reference labels of reused terms."""

    def __init__(self, vocabulary: Vocabulary, graphs: tuple[Graph, ...], reference: Graph):
        self.vocabulary = vocabulary
        self.prefixes = vocabulary.prefixes()
        self._graphs = (reference, *graphs)

    @cached_property
    def _labels(self) -> dict[URIRef, str]:
        labels: dict[URIRef, str] = {}
        for graph in self._graphs:
            labels.update(_labels_in(graph))
        return labels

    def label(self, term: object, graph: Graph | None = None) -> str:
        """Return the label of ``term``, or its prefixed name if it has none."""
        if isinstance(term, Literal):
            return str(term)
        if graph is not None:
            found = _label_in(graph, term)
            if found is not None:
                return found
        found = self._labels.get(term)
        if found is not None:
            return found
        return shorten(term, self.prefixes) if isinstance(term, URIRef) else str(term)

    def href(self, term: object) -> str | None:
        """Return where a link to ``term`` goes: our page for our IRIs, else the IRI itself."""
        if not isinstance(term, URIRef):
            return None
        path = doc_path_for_iri(str(term), self.vocabulary.base)
        if path is not None:
            fragment = "#" + term.split("#", 1)[1] if "#" in term else ""
            return "/" + path + fragment
        if str(term).startswith(("http://", "https://")):
            return str(term)
        return None

    def value(self, term: object, graph: Graph | None = None, label: str | None = None) -> Value:
        """Return the display form of one RDF term (``label`` if a query already found it)."""
        if isinstance(term, Literal):
            datatype = None
            if term.datatype is not None and term.datatype != RDF.langString:
                datatype = self.label(term.datatype)
            return Value(str(term), language=term.language, datatype=datatype)
        if isinstance(term, BNode):
            return Value("(anonymous node)")
        return Value(label or self.label(term, graph), href=self.href(term), iri=str(term))

    def rows(self, graph: Graph, subject: URIRef) -> list[Row]:
        """Return the rows of ``subject``'s own properties, leading ones first."""
        by_predicate: dict[URIRef, list] = {}
        for predicate, value in graph.predicate_objects(subject):
            by_predicate.setdefault(predicate, []).append(value)
        return self._to_rows(by_predicate, graph, inverse=False)

    def incoming_rows(self, graph: Graph, subject: URIRef) -> list[Row]:
        """Return the rows of the things that point at ``subject``, by property."""
        by_predicate: dict[URIRef, list] = {}
        for thing, predicate in graph.subject_predicates(subject):
            if thing != subject:
                by_predicate.setdefault(predicate, []).append(thing)
        return self._to_rows(by_predicate, graph, inverse=True)

    def _to_rows(self, by_predicate: dict, graph: Graph, inverse: bool) -> list[Row]:
        def order(predicate: URIRef) -> tuple:
            lead = LEADING_PROPERTIES.index(predicate) if predicate in LEADING_PROPERTIES else 99
            return (lead, self.label(predicate).lower())

        rows = []
        for predicate in sorted(by_predicate, key=order):
            values = sorted((self.value(v, graph) for v in by_predicate[predicate]),
                            key=lambda v: v.text.lower())
            rows.append(Row(str(predicate), self.label(predicate), tuple(values), inverse))
        return rows


def _label_in(graph: Graph, term) -> str | None:
    """Return the English (or untagged) label ``graph`` gives ``term``, preferred first."""
    for predicate in LABEL_PREDICATES:
        for value in graph.objects(term, predicate):
            if isinstance(value, Literal) and value.language in (None, "en"):
                return str(value)
    return None


def _labels_in(graph: Graph) -> dict[URIRef, str]:
    labels: dict[URIRef, str] = {}
    for predicate in reversed(LABEL_PREDICATES):
        for subject, value in graph.subject_objects(predicate):
            if isinstance(value, Literal) and value.language in (None, "en"):
                labels[subject] = str(value)
    return labels
