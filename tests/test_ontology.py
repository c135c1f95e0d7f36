"""The vocabulary: its header, and that the shapes cover every class and property of it."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH

from s2s_graph.published import PublishedGraph


def our_terms(published: PublishedGraph, kind: URIRef) -> set[URIRef]:
    ontology = URIRef(published.vocabulary.ontology_iri)
    return {t for t in published.ontology.subjects(RDF.type, kind)
            if (t, RDFS.isDefinedBy, ontology) in published.ontology}


def test_the_vocabulary_header_is_complete(published: PublishedGraph):
    ontology = URIRef(published.vocabulary.ontology_iri)
    graph = published.ontology
    assert (ontology, RDF.type, OWL.Ontology) in graph
    for predicate in (DCTERMS.title, DCTERMS.description, OWL.versionIRI, DCTERMS.modified,
                      DCTERMS.license, DCTERMS.creator):
        assert graph.value(ontology, predicate) is not None, predicate
    assert graph.value(ontology, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")


def test_every_term_in_our_namespace_is_defined_by_the_vocabulary(published: PublishedGraph):
    namespace = str(published.vocabulary.s2s)
    used = {t for triple in published.graph for t in triple
            if isinstance(t, URIRef) and t.startswith(namespace)}
    defined = set(published.ontology.subjects(RDFS.isDefinedBy, None))
    assert used <= defined, sorted(used - defined)


def test_every_class_is_targeted_by_a_shape_directly_or_through_a_superclass(
        published: PublishedGraph):
    shapes, ontology = published.shapes, published.ontology
    targeted = set(shapes.objects(None, SH.targetClass))
    untargeted = []
    for cls in our_terms(published, OWL.Class):
        ancestors = set(ontology.transitive_objects(cls, RDFS.subClassOf))
        if not ancestors & targeted:
            untargeted.append(cls)
    assert not untargeted, sorted(untargeted)


def test_every_property_is_constrained_by_a_shape(published: PublishedGraph):
    shapes = published.shapes
    paths = set(shapes.objects(None, SH.path)) | set(shapes.objects(None, SH.inversePath))
    sparql = " ".join(str(q) for q in shapes.objects(None, SH.select))
    properties = our_terms(published, OWL.ObjectProperty) | our_terms(published, OWL.DatatypeProperty)
    unconstrained = [p for p in properties
                     if p not in paths and f"s2s:{p.split('#')[1]}" not in sparql]
    assert unconstrained == [URIRef(published.vocabulary.s2s.oversees)], sorted(unconstrained)
