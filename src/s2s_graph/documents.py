"""The RDF documents the site serves about the dataset: a thing's description, the list of a
type, the vocabulary and the shapes. Each is a graph, built by SPARQL from the release's
store; formats and HTTP belong to the web layer.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, VOID

from s2s_graph.namespaces import bind_prefixes, new_graph
from s2s_graph.release import Release
from s2s_graph.uris import doc_path_for_iri, iri_for_path

LDP_CONTAINS = URIRef("http://www.w3.org/ns/ldp#contains")
LDP_BASIC_CONTAINER = URIRef("http://www.w3.org/ns/ldp#BasicContainer")
PAGE_SIZE = 500  # members of a list per page

# A thing's own statements, the statements that point at it, and the types and labels of
# everything on the other side of them; %(thing)s is an IRI checked by iri_term.
DESCRIBE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT {
  %(thing)s ?p ?o . ?o a ?ot . ?o rdfs:label ?ol . ?o skos:prefLabel ?op .
  ?s ?q %(thing)s . ?s a ?st . ?s rdfs:label ?sl . ?s skos:prefLabel ?sp .
} WHERE {
  { %(thing)s ?p ?o .
    OPTIONAL { ?o a ?ot } OPTIONAL { ?o rdfs:label ?ol } OPTIONAL { ?o skos:prefLabel ?op } }
  UNION
  { ?s ?q %(thing)s .
    OPTIONAL { ?s a ?st } OPTIONAL { ?s rdfs:label ?sl } OPTIONAL { ?s skos:prefLabel ?sp } }
}"""

MEMBERS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?member ?type ?label WHERE {
  { SELECT DISTINCT ?member WHERE { ?member a ?anyType FILTER STRSTARTS(STR(?member), %(prefix)s) }
    ORDER BY ?member LIMIT %(size)d OFFSET %(start)d }
  OPTIONAL { ?member a ?type } OPTIONAL { ?member rdfs:label ?label }
}"""


LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
CONSTRUCT { ?x skos:prefLabel ?p . ?x rdfs:label ?l . ?x dcterms:title ?t } WHERE {
  VALUES ?x { %(things)s }
  { ?x skos:prefLabel ?p } UNION { ?x rdfs:label ?l } UNION { ?x dcterms:title ?t }
}"""


def labels_of(release: Release, things: set[URIRef]) -> Graph:
    """Return the labels the dataset gives ``things`` (IRIs that cannot be queried skipped)."""
    terms = []
    for thing in sorted(things):
        try:
            terms.append(iri_term(str(thing)))
        except ValueError:
            continue
    if not terms:
        return Graph()
    return release.store.construct(LABELS % {"things": " ".join(terms)})


def iri_term(iri: str) -> str:
    """Write an IRI for a query; refuse one that could break out of the angle brackets."""
    if any(c in iri for c in '<>"{}|^`\\\\ ') or any(ord(c) < 0x21 for c in iri):
        raise ValueError(f"not an IRI we query for: {iri!r}")
    return f"<{iri}>"


def exists(release: Release, thing: URIRef) -> bool:
    """Return True if the dataset says anything about ``thing``."""
    return bool(release.store.select(f"SELECT ?p WHERE {{ {iri_term(str(thing))} ?p ?o }} LIMIT 1"))


def licence_of(release: Release) -> URIRef | None:
    """Return the dataset's licence, as its description states it."""
    value = release.void.value(release.dataset_iri, DCTERMS.license)
    return value if isinstance(value, URIRef) else None


def thing_document(release: Release, thing: URIRef) -> Graph | None:
    """Return the document about ``thing``, or None if the dataset says nothing of it.

    It holds the thing's own triples, the triples that point at it, the labels and types of
    what it links to, and says which dataset the thing is in, under which licence.
    """
    found = release.store.construct(DESCRIBE % {"thing": iri_term(str(thing))})
    if (thing, None, None) not in found:
        return None
    graph = bind_prefixes(found, release.vocabulary)
    base = release.vocabulary.base
    document = URIRef(iri_for_path(doc_path_for_iri(thing, base) or "", base))
    graph.add((document, RDF.type, FOAF.Document))
    graph.add((document, FOAF.primaryTopic, thing))
    licence = licence_of(release)
    if licence is not None:
        graph.add((document, DCTERMS.license, licence))
    graph.add((thing, VOID.inDataset, release.dataset_iri))
    return graph


def set_document(release: Release, type_: str, page: int = 1) -> Graph | None:
    """Return one page of the list of every thing of ``type_`` (with labels and types), or
    None for a type without members."""
    if type_ not in release.type_counts:
        return None
    base = release.vocabulary.base
    collection = URIRef(iri_for_path(f"set/{type_}", base))
    query = MEMBERS % {"prefix": f'"{base}id/{type_}/"', "size": PAGE_SIZE,
                       "start": (page - 1) * PAGE_SIZE}
    graph = new_graph(release.vocabulary)
    graph.add((collection, RDF.type, LDP_BASIC_CONTAINER))
    graph.add((collection, RDFS.label, Literal(f"All things of type {type_}", lang="en")))
    graph.add((collection, VOID.inDataset, release.dataset_iri))
    licence = licence_of(release)
    if licence is not None:
        graph.add((collection, DCTERMS.license, licence))
    for member, type_iri, label in release.store.select(query):
        graph.add((collection, LDP_CONTAINS, member))
        if type_iri is not None:
            graph.add((member, RDF.type, type_iri))
        if label is not None:
            graph.add((member, RDFS.label, label))
    return graph


def vocabulary_document(release: Release) -> Graph:
    """Return the vocabulary graph, as published at ``BASE def/s2s``."""
    return release.ontology


def shapes_document(release: Release) -> Graph:
    """Return the shapes graph, as published at ``BASE def/shapes``."""
    return release.shapes
