"""The RDF documents the site serves about the dataset: a thing's description, the list of a
type, the vocabulary and the shapes. Each is a graph; formats and HTTP belong to the web layer.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, VOID

from s2s_graph.namespaces import new_graph
from s2s_graph.published import PublishedGraph
from s2s_graph.uris import doc_path_for_iri, iri_for_path

LDP_CONTAINS = URIRef("http://www.w3.org/ns/ldp#contains")
LDP_BASIC_CONTAINER = URIRef("http://www.w3.org/ns/ldp#BasicContainer")


def licence_of(published: PublishedGraph) -> URIRef | None:
    """Return the dataset's licence, as ``data/dataset.ttl`` states it."""
    value = published.data.value(published.dataset_iri, DCTERMS.license)
    return value if isinstance(value, URIRef) else None


def thing_document(published: PublishedGraph, thing: URIRef) -> Graph | None:
    """Return the document about ``thing``, or None if the dataset says nothing of it.

    It holds the thing's own triples, the triples that point at it, the labels and types of
    what it links to, and says which dataset the thing is in, under which licence.
    """
    if (thing, None, None) not in published.graph:
        return None
    base = published.vocabulary.base
    graph = published.describe(thing)
    document = URIRef(iri_for_path(doc_path_for_iri(thing, base) or "", base))
    _describe_document(published, graph, document, thing)
    graph.add((thing, VOID.inDataset, published.dataset_iri))
    return graph


def set_document(published: PublishedGraph, type_: str) -> Graph | None:
    """Return the list of every thing of ``type_`` with its label and types, or None."""
    members = published.members(type_)
    if not members:
        return None
    base = published.vocabulary.base
    collection = URIRef(iri_for_path(f"set/{type_}", base))
    graph = new_graph(published.vocabulary)
    graph.add((collection, RDF.type, LDP_BASIC_CONTAINER))
    graph.add((collection, RDFS.label, Literal(f"All things of type {type_}", lang="en")))
    graph.add((collection, VOID.inDataset, published.dataset_iri))
    licence = licence_of(published)
    if licence is not None:
        graph.add((collection, DCTERMS.license, licence))
    for member in members:
        graph.add((collection, LDP_CONTAINS, member))
        for predicate in (RDF.type, RDFS.label):
            for value in published.graph.objects(member, predicate):
                graph.add((member, predicate, value))
    return graph


def vocabulary_document(published: PublishedGraph) -> Graph:
    """Return the vocabulary graph, as published at ``BASE def/s2s``."""
    return published.ontology


def shapes_document(published: PublishedGraph) -> Graph:
    """Return the shapes graph, as published at ``BASE def/shapes``."""
    return published.shapes


def _describe_document(published: PublishedGraph, graph: Graph, document: URIRef,
                       thing: URIRef) -> None:
    graph.add((document, RDF.type, FOAF.Document))
    graph.add((document, FOAF.primaryTopic, thing))
    licence = licence_of(published)
    if licence is not None:
        graph.add((document, DCTERMS.license, licence))
