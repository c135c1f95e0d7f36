"""The RDF documents the site serves about the dataset: a thing's description, the list of a
type, the vocabulary and the shapes. Each is a graph, built by SPARQL from the release's
store; formats and HTTP belong to the web layer.
"""

from __future__ import annotations

from urllib.parse import urlencode

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, VOID

from s2s_graph.namespaces import bind_prefixes, new_graph
from s2s_graph.release import Release
from s2s_graph.uris import doc_path_for_iri, iri_for_path

LDP_CONTAINS = URIRef("http://www.w3.org/ns/ldp#contains")
LDP_BASIC_CONTAINER = URIRef("http://www.w3.org/ns/ldp#BasicContainer")
PAGE_SIZE = 500  # members of a list per page
# Statements pointing at a thing that its document carries, per property. Its own
# statements are always all there; at scale a body is pointed at by thousands of records
# (a response and several duties per report), which would make its document megabytes.
INBOUND_PER_PROPERTY = 500

# A thing's own statements, the statements that point at it (%(inbound)s binds ?s ?q), and
# the types and labels of everything on the other side of them; %(thing)s is an IRI checked
# by iri_term.
DESCRIBE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT {
  %(thing)s ?p ?o . ?o a ?ot . ?o rdfs:label ?ol . ?o skos:prefLabel ?op .
  ?s ?q %(thing)s . ?s a ?st . ?s rdfs:label ?sl . ?s skos:prefLabel ?sp .
} WHERE {
  { %(thing)s ?p ?o .
    OPTIONAL { ?o a ?ot } OPTIONAL { ?o rdfs:label ?ol } OPTIONAL { ?o skos:prefLabel ?op } }
  UNION
  { %(inbound)s
    OPTIONAL { ?s a ?st } OPTIONAL { ?s rdfs:label ?sl } OPTIONAL { ?s skos:prefLabel ?sp } }
}"""
INBOUND_COUNTS = "SELECT ?q (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?q %(thing)s } GROUP BY ?q"
# The first of the statements by one property, in subject order.
FIRST_INBOUND = """{ { SELECT DISTINCT ?s WHERE { ?s %(property)s %(thing)s } ORDER BY ?s LIMIT %(limit)d }
    BIND(%(property)s AS ?q) }"""

# The members of a type, ordered and cut into pages here: Oxigraph sorted 96k IRIs in
# 0.6 s to keep 500 of them.
MEMBERS = "SELECT DISTINCT ?member WHERE { %(members)s }"
MEMBER_DETAILS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?member ?type ?label WHERE { VALUES ?member { %(members)s }
  OPTIONAL { ?member a ?type } OPTIONAL { ?member rdfs:label ?label } }"""


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


def inbound_counts(release: Release, thing: URIRef) -> dict[URIRef, int]:
    """Return how many statements point at ``thing``, by property."""
    rows = release.store.select(INBOUND_COUNTS % {"thing": iri_term(str(thing))})
    return {q: int(n) for q, n in rows if isinstance(q, URIRef)}


def inbound_query(thing: URIRef, property_: URIRef, form: str = "construct") -> str:
    """Return a query for every statement by ``property_`` that points at ``thing``: the
    statements themselves ("construct"), or the things they come from with their labels
    ("select"), for the query page."""
    target, predicate = iri_term(str(thing)), iri_term(str(property_))
    if form == "construct":
        return f"CONSTRUCT {{ ?s {predicate} {target} }}\nWHERE {{ ?s {predicate} {target} }}\n"
    return ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            f"SELECT ?s ?label\nWHERE {{ ?s {predicate} {target}\n"
            "        OPTIONAL { ?s rdfs:label ?label } }\nORDER BY ?s\n")


def endpoint_url(release: Release, query: str) -> str:
    """Return the URL that asks our SPARQL endpoint ``query`` (SPARQL 1.1 Protocol, GET)."""
    return iri_for_path("sparql", release.vocabulary.base) + "?" + urlencode({"query": query})


def thing_document(release: Release, thing: URIRef) -> Graph | None:
    """Return the document about ``thing``, or None if the dataset says nothing of it.

    It holds the thing's own triples, the triples that point at it (at most
    INBOUND_PER_PROPERTY by each property, the first by subject; for a property with more,
    it says so and links the query that gives them all), the labels and types of what it
    links to, and says which dataset the thing is in, under which licence.
    """
    target = iri_term(str(thing))
    counts = inbound_counts(release, thing)
    over = sorted(q for q, n in counts.items() if n > INBOUND_PER_PROPERTY)
    inbound = f"?s ?q {target} ."
    if over:
        inbound = " UNION ".join(
            [f"{{ ?s ?q {target} FILTER (?q NOT IN ({', '.join(iri_term(str(q)) for q in over)})) }}"]
            + [FIRST_INBOUND % {"property": iri_term(str(q)), "thing": target,
                                "limit": INBOUND_PER_PROPERTY} for q in over])
    found = release.store.construct(DESCRIBE % {"thing": target, "inbound": inbound})
    if (thing, None, None) not in found:
        return None
    graph = bind_prefixes(found, release.vocabulary)
    base = release.vocabulary.base
    document = URIRef(iri_for_path(doc_path_for_iri(thing, base) or "", base))
    graph.add((document, RDF.type, FOAF.Document))
    graph.add((document, FOAF.primaryTopic, thing))
    for q in over:
        graph.add((document, RDFS.seeAlso, URIRef(endpoint_url(release, inbound_query(thing, q)))))
        graph.add((document, RDFS.comment, Literal(
            f"This document gives {INBOUND_PER_PROPERTY:,} of the {counts[q]:,} statements "
            f"that point at {thing} by {q} (the first by subject); the query it links with "
            "rdfs:seeAlso gives them all.", lang="en")))
    licence = licence_of(release)
    if licence is not None:
        graph.add((document, DCTERMS.license, licence))
    graph.add((thing, VOID.inDataset, release.dataset_iri))
    return graph


def members_pattern(release: Release, type_: str, variable: str) -> str:
    """Return the pattern that binds ``variable`` to each member of ``type_`` (the things
    named ``BASE id/{type_}/...``): through the store's index on the classes the release
    lists for the type, else by a scan of every typed thing (a release built before it
    listed them)."""
    prefix = f'"{release.vocabulary.base}id/{type_}/"'
    classes = release.type_classes.get(type_)
    # One index lookup per class.
    typed = (" UNION ".join(f"{{ {variable} a {iri_term(c)} }}" for c in classes) if classes
             else f"{variable} a ?memberClass")
    return f"{typed} FILTER STRSTARTS(STR({variable}), {prefix})"


def set_document(release: Release, type_: str, page: int = 1) -> Graph | None:
    """Return one page of the list of every thing of ``type_`` (with labels and types), or
    None for a type without members."""
    if type_ not in release.type_counts:
        return None
    base = release.vocabulary.base
    collection = URIRef(iri_for_path(f"set/{type_}", base))
    everyone = sorted(iri for iri, in release.store.select_values(
        MEMBERS % {"members": members_pattern(release, type_, "?member")}))
    shown = everyone[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    graph = new_graph(release.vocabulary)
    graph.add((collection, RDF.type, LDP_BASIC_CONTAINER))
    graph.add((collection, RDFS.label, Literal(f"All things of type {type_}", lang="en")))
    graph.add((collection, VOID.inDataset, release.dataset_iri))
    licence = licence_of(release)
    if licence is not None:
        graph.add((collection, DCTERMS.license, licence))
    details = release.store.select(MEMBER_DETAILS % {
        "members": " ".join(iri_term(iri) for iri in shown)}) if shown else []
    for member, type_iri, label in details:
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
