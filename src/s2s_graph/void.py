"""The VoID + DCAT description of the dataset: descriptions from ``data/dataset.ttl``,
statistics computed from the published graph, distributions from the written dumps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID, XSD

from s2s_graph.formats import RdfFormat
from s2s_graph.namespaces import SPDX, new_graph
from s2s_graph.published import PublishedGraph


@dataclass(frozen=True)
class Distribution:
    """One written dump: its format, file name, size in bytes and SHA-256 checksum."""

    fmt: RdfFormat
    file_name: str
    byte_size: int
    sha256: str


def describe_dataset(published: PublishedGraph,
                     distributions: tuple[Distribution, ...] = ()) -> Graph:
    """Return the VoID + DCAT description of the published dataset.

    Blank nodes are used for partitions and distributions; :func:`formats.serialize` labels
    them canonically, so the output stays byte-stable.
    """
    base = published.vocabulary.base
    dataset = published.dataset_iri
    graph = published.graph
    out = new_graph(published.vocabulary)
    for predicate, value in published.data.predicate_objects(dataset):
        out.add((dataset, predicate, value))
        # the names of its sources, publisher and creator, so the description reads alone
        for label_predicate in (RDFS.label, DCTERMS.title):
            for label in graph.objects(value, label_predicate):
                out.add((value, label_predicate, label))

    subjects = {s for s in graph.subjects()}
    entities = published.members_of_types()
    out.add((dataset, VOID.triples, Literal(len(graph))))
    out.add((dataset, VOID.entities, Literal(len(entities))))
    out.add((dataset, VOID.distinctSubjects, Literal(len(subjects))))
    out.add((dataset, VOID.distinctObjects, Literal(len(set(graph.objects())))))
    out.add((dataset, VOID.uriSpace, Literal(base + "id/")))
    out.add((dataset, VOID.sparqlEndpoint, URIRef(base + "sparql")))

    classes = Counter(o for o in graph.objects(None, RDF.type))
    out.add((dataset, VOID.classes, Literal(len(classes))))
    for cls, count in sorted(classes.items()):
        partition = BNode()
        out.add((dataset, VOID.classPartition, partition))
        out.add((partition, VOID["class"], cls))
        out.add((partition, VOID.entities, Literal(count)))

    properties = Counter(p for p in graph.predicates())
    out.add((dataset, VOID.properties, Literal(len(properties))))
    for prop, count in sorted(properties.items()):
        partition = BNode()
        out.add((dataset, VOID.propertyPartition, partition))
        out.add((partition, VOID.property, prop))
        out.add((partition, VOID.triples, Literal(count)))

    for example in _example_resources(published):
        out.add((dataset, VOID.exampleResource, example))

    for dist in distributions:
        node = BNode()
        url = URIRef(base + "download/" + dist.file_name)
        out.add((dataset, DCAT.distribution, node))
        out.add((dataset, VOID.dataDump, url))
        out.add((node, RDF.type, DCAT.Distribution))
        out.add((node, DCTERMS.title, Literal(f"The whole dataset as {dist.fmt.label}", lang="en")))
        out.add((node, DCAT.downloadURL, url))
        out.add((node, DCAT.accessURL, url))
        out.add((node, DCAT.mediaType,
                 URIRef("https://www.iana.org/assignments/media-types/" + dist.fmt.media_type)))
        out.add((node, DCTERMS["format"], Literal(dist.fmt.media_type)))
        out.add((node, DCAT.byteSize, Literal(dist.byte_size, datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        out.add((node, SPDX.checksum, checksum))
        out.add((checksum, RDF.type, SPDX.Checksum))
        out.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        out.add((checksum, SPDX.checksumValue, Literal(dist.sha256, datatype=XSD.hexBinary)))
        for licence in published.data.objects(dataset, DCTERMS.license):
            out.add((node, DCTERMS.license, licence))
    return out


def _example_resources(published: PublishedGraph) -> list[URIRef]:
    """Return the first member of each type, as VoID example resources."""
    return [members[0] for t in published.types() if (members := published.members(t))]
