"""The vocabulary in words, for its documentation page: header, classes, properties and the
concept schemes with their concepts, each term with its own anchor (its local name, so that
``def/s2s#Report`` lands on the term). No Flask here.

pyLODE was tried first (3.3): it read our SKOS concept schemes as the ontology itself, left
out the concepts, listed terms in an order that changed between runs, and its page failed
WCAG 2.2 AA (contrast, no ``lang``, small targets). So the page is ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from s2s_graph.display import Labeller, Value
from s2s_graph.namespaces import VANN


@dataclass(frozen=True)
class TermDoc:
    """One term: what it is called, what it means, and how it relates to others."""

    anchor: str
    iri: str
    label: str
    kind: str
    definition: str
    facts: tuple[tuple[str, tuple[Value, ...]], ...]


@dataclass(frozen=True)
class VocabularyDoc:
    """The whole page."""

    iri: str
    title: str
    description: str
    header: tuple[tuple[str, tuple[Value, ...]], ...]
    classes: tuple[TermDoc, ...]
    object_properties: tuple[TermDoc, ...]
    datatype_properties: tuple[TermDoc, ...]
    schemes: tuple[TermDoc, ...]
    concepts: tuple[TermDoc, ...]


def describe_vocabulary(ontology: Graph, ontology_iri: str, labeller: Labeller) -> VocabularyDoc:
    """Return the vocabulary in words, terms sorted by label within each kind."""
    vocabulary = URIRef(ontology_iri)
    ours = {t for t in ontology.subjects(RDFS.isDefinedBy, vocabulary) if isinstance(t, URIRef)}

    def values(subject, predicate, inverse=False) -> tuple[Value, ...]:
        found = ontology.subjects(predicate, subject) if inverse else ontology.objects(subject, predicate)
        return tuple(sorted((labeller.value(v) for v in found), key=lambda v: v.text.lower()))

    def doc(term: URIRef, kind: str, facts: list[tuple[str, tuple[Value, ...]]]) -> TermDoc:
        return TermDoc(
            anchor=term.split("#", 1)[-1], iri=str(term), label=labeller.label(term), kind=kind,
            definition=str(ontology.value(term, SKOS.definition) or ""),
            facts=tuple((name, vals) for name, vals in facts if vals))

    def of_kind(kind) -> list[URIRef]:
        return sorted((t for t in ours if (t, RDF.type, kind) in ontology),
                      key=lambda t: labeller.label(t).lower())

    classes = []
    for term in of_kind(OWL.Class):
        used_with = tuple(sorted((labeller.value(p) for p in ontology.subjects(RDFS.domain, term)),
                                 key=lambda v: v.text.lower()))
        classes.append(doc(term, "Class", [
            ("Subclass of", values(term, RDFS.subClassOf)),
            ("Superclass of", values(term, RDFS.subClassOf, inverse=True)),
            ("Properties of this class", used_with),
            ("Values of", values(term, RDFS.range, inverse=True)),
            ("Note", values(term, RDFS.comment)),
        ]))

    def property_doc(term: URIRef, kind: str) -> TermDoc:
        functional = (term, RDF.type, OWL.FunctionalProperty) in ontology
        return doc(term, kind + (" (one value at most)" if functional else ""), [
            ("Domain", values(term, RDFS.domain)),
            ("Range", values(term, RDFS.range)),
            ("Subproperty of", values(term, RDFS.subPropertyOf)),
            ("Inverse of", values(term, OWL.inverseOf) + values(term, OWL.inverseOf, inverse=True)),
        ])

    schemes = [doc(t, "Concept scheme", [("Concepts", values(t, SKOS.hasTopConcept))])
               for t in of_kind(SKOS.ConceptScheme)]
    concepts = [doc(t, "Concept", [("In scheme", values(t, SKOS.inScheme)),
                                   ("Type", values(t, RDF.type))])
                for t in sorted((t for t in ours if (t, SKOS.inScheme, None) in ontology),
                                key=lambda t: (labeller.label(ontology.value(t, SKOS.inScheme)),
                                               labeller.label(t)))]
    header = [(name, values(vocabulary, predicate)) for name, predicate in (
        ("Version", OWL.versionInfo), ("Version IRI", OWL.versionIRI),
        ("Modified", DCTERMS.modified), ("Licence", DCTERMS.license),
        ("Creator", DCTERMS.creator), ("Preferred prefix", VANN.preferredNamespacePrefix),
        ("Note", RDFS.comment))]
    return VocabularyDoc(
        iri=str(vocabulary),
        title=str(ontology.value(vocabulary, DCTERMS.title) or labeller.label(vocabulary)),
        description=str(ontology.value(vocabulary, DCTERMS.description) or ""),
        header=tuple((n, v) for n, v in header if v),
        classes=tuple(classes),
        object_properties=tuple(property_doc(t, "Object property")
                                for t in of_kind(OWL.ObjectProperty)),
        datatype_properties=tuple(property_doc(t, "Data property")
                                  for t in of_kind(OWL.DatatypeProperty)),
        schemes=tuple(schemes),
        concepts=tuple(concepts),
    )
