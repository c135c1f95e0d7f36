"""The published graph: the validated, read-only union of vocabulary and data, built once.

``build``, ``serve`` and ``query`` all reach it through :func:`publish` (load, validate,
publish), so they cannot disagree about what the data is. SPARQL runs on an Oxigraph store
holding the same triples; rdflib keeps parsing, serialising and SHACL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, VOID

from s2s_graph.errors import DataInvalid, LoadError
from s2s_graph.formats import canonical_ntriples, sorted_lines
from s2s_graph.namespaces import Vocabulary, bind_prefixes, new_graph
from s2s_graph.settings import Settings
from s2s_graph.sources import Sources, load_sources
from s2s_graph.uris import path_under_base, type_of_iri
from s2s_graph.validation import ValidationReport, validate_graph


@dataclass(frozen=True, eq=False)
class PublishedGraph:
    """The dataset as published: ``graph`` (ontology + data), its Oxigraph ``store`` and hash.

    ``store`` holds the vocabulary in the named graph ``BASE def/s2s`` and the data in the
    named graph of the dataset IRI; its default graph is their union.
    """

    vocabulary: Vocabulary
    graph: Graph
    ontology: Graph
    data: Graph
    shapes: Graph
    dataset_iri: URIRef
    store: pyoxigraph.Store = field(repr=False)
    content_hash: str
    ntriples: bytes = field(repr=False)  # the graph, sorted: what dataset.nt holds

    @classmethod
    def from_sources(cls, sources: Sources, vocabulary: Vocabulary) -> PublishedGraph:
        """Publish already validated sources."""
        dataset_iri = _dataset_iri(sources.data)
        graph = new_graph(vocabulary)
        for triple in sources.ontology:
            graph.add(triple)
        for triple in sources.data:
            graph.add(triple)
        store = pyoxigraph.Store()
        _load_into(store, sources.ontology, pyoxigraph.NamedNode(vocabulary.ontology_iri))
        _load_into(store, sources.data, pyoxigraph.NamedNode(str(dataset_iri)))
        canonical = _union_ntriples(store, (vocabulary.ontology_iri, str(dataset_iri)), graph)
        return cls(
            vocabulary=vocabulary,
            graph=graph,
            ontology=bind_prefixes(sources.ontology, vocabulary),
            data=bind_prefixes(sources.data, vocabulary),
            shapes=bind_prefixes(sources.shapes, vocabulary),
            dataset_iri=dataset_iri,
            store=store,
            content_hash=hashlib.sha256(canonical).hexdigest(),
            ntriples=canonical,
        )

    def subjects_under_base(self) -> list[URIRef]:
        """Return every subject IRI of the graph that starts with BASE, sorted."""
        return list(self._subjects_under_base)

    @cached_property
    def _subjects_under_base(self) -> tuple[URIRef, ...]:
        # Found once: the manifest and VoID ask per type, and each walk of 3M triples and
        # sort took seconds. The graph never changes once published.
        base = self.vocabulary.base
        return tuple(sorted({s for s in self.graph.subjects() if isinstance(s, URIRef)
                             and s.startswith(base)}))

    def members_of_types(self) -> list[URIRef]:
        """Return every thing with an identifier ``BASE id/{type}/{ref}``, sorted."""
        base = self.vocabulary.base
        return [s for s in self.subjects_under_base() if type_of_iri(s, base) is not None]

    def members(self, type_: str) -> list[URIRef]:
        """Return the things whose identifier is ``BASE id/{type_}/...``, sorted."""
        base = self.vocabulary.base
        return [s for s in self.subjects_under_base() if type_of_iri(s, base) == type_]

    def types(self) -> list[str]:
        """Return every ``{type}`` that has at least one member, sorted."""
        base = self.vocabulary.base
        return sorted({t for s in self.subjects_under_base() if (t := type_of_iri(s, base))})

    def describe(self, iri: URIRef) -> Graph:
        """Return what the dataset says about ``iri``: its triples and those that point at it,
        with labels and types of every thing they link to."""
        out = new_graph(self.vocabulary)
        linked: set[URIRef] = set()
        for triple in self.graph.triples((iri, None, None)):
            out.add(triple)
            if isinstance(triple[2], URIRef):
                linked.add(triple[2])
        for triple in self.graph.triples((None, None, iri)):
            out.add(triple)
            linked.add(triple[0])
        for node in linked - {iri}:
            for predicate in LINK_CONTEXT_PREDICATES:
                for value in self.graph.objects(node, predicate):
                    out.add((node, predicate, value))
        return out

    def is_under_base(self, iri: str) -> bool:
        """Return True if ``iri`` lies under BASE."""
        return path_under_base(iri, self.vocabulary.base) is not None


LINK_CONTEXT_PREDICATES = (
    RDF.type,
    URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
    URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
)


def _dataset_iri(data: Graph) -> URIRef:
    datasets = sorted(s for s in data.subjects(RDF.type, VOID.Dataset) if isinstance(s, URIRef))
    if len(datasets) != 1:
        raise LoadError("data/dataset.ttl", "must describe exactly one void:Dataset, found "
                        f"{len(datasets)}")
    return datasets[0]


def _load_into(store: pyoxigraph.Store, graph: Graph, name: pyoxigraph.NamedNode) -> None:
    """Copy ``graph`` into ``store`` as the named graph ``name``."""
    nt = graph.serialize(format="nt", encoding="utf-8")
    store.load(nt, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=name)


def _union_ntriples(store: pyoxigraph.Store, graphs: tuple[str, ...], union: Graph) -> bytes:
    """Return the union of the named graphs as sorted N-Triples: Oxigraph writes them (fast
    at any size); with blank nodes, whose labels it picks afresh, rdflib labels them
    canonically instead."""
    lines = []
    for name in graphs:
        nt = store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES,
                        from_graph=pyoxigraph.NamedNode(name))
        if b"_:" in nt:
            return canonical_ntriples(union)
        lines += nt.splitlines()
        del nt  # the text is in the lines now: at 3M triples, 600 MB held twice
    return sorted_lines(lines)


def check_sources(settings: Settings,
                  step: Callable[[str], object] = lambda _: None) -> tuple[Sources, ValidationReport]:
    """Load the project's sources and validate them; return both, whatever the verdict.

    ``step`` is told as each stage starts, for a progress display (validation is most of a
    large build's time)."""
    step("Loading the sources")
    sources = load_sources(settings)
    step(f"Validating {len(sources.data):,} triples against the shapes")
    report = validate_graph(sources.data, sources.shapes, sources.ontology)
    return sources, report


def publish(settings: Settings, step: Callable[[str], object] = lambda _: None) -> PublishedGraph:
    """Load, validate and publish the project's data (``step`` as for check_sources).

    :raises LoadError: a source file cannot be parsed.
    :raises DataInvalid: the data breaks a shape; carries the report.
    """
    sources, report = check_sources(settings, step)
    if not report.conforms:
        raise DataInvalid(report)
    step("Indexing the data for queries")
    return PublishedGraph.from_sources(sources, Vocabulary(settings.base_iri))
