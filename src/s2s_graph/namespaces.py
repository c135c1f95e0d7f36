"""Our namespaces and the reused ones, and the single prefix set bound on every graph we emit."""

from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

ORG = Namespace("http://www.w3.org/ns/org#")
VANN = Namespace("http://purl.org/vocab/vann/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
# DCAT 3 terms that rdflib's DCAT namespace (DCAT 2) does not know.
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")

__all__ = [
    "DCAT", "DCAT_VERSION", "DCTERMS", "FOAF", "ORG", "OWL", "PROV", "RDF", "RDFS", "SD", "SH", "SKOS", "SPDX",
    "VANN", "VOID", "XSD", "Vocabulary", "bind_prefixes", "new_graph", "shorten",
]

REUSED_PREFIXES: dict[str, Namespace] = {
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "org": ORG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "sh": SH,
    "skos": SKOS,
    "spdx": SPDX,
    "vann": VANN,
    "void": VOID,
    "xsd": XSD,
}


class Vocabulary:
    """The namespaces that depend on BASE: our vocabulary, shapes and identifiers."""

    def __init__(self, base_iri: str):
        self.base = base_iri
        self.s2s = Namespace(base_iri + "def/s2s#")
        self.shapes = Namespace(base_iri + "def/shapes#")
        self.ontology_iri = base_iri + "def/s2s"
        self.shapes_iri = base_iri + "def/shapes"

        ours = {"s2s": str(self.s2s), "shapes": str(self.shapes)}
        self._prefixes = ours | {k: str(v) for k, v in REUSED_PREFIXES.items()}

    def prefixes(self) -> dict[str, str]:
        """Return every prefix we bind, ours first, as prefix -> namespace IRI (one dict,
        made once: every SPARQL answer takes it; do not change it)."""
        return self._prefixes


def new_graph(vocabulary: Vocabulary) -> Graph:
    """Return an empty graph with exactly our prefix set bound (none of rdflib's defaults)."""
    return bind_prefixes(Graph(bind_namespaces="none"), vocabulary)


def bind_prefixes(graph: Graph, vocabulary: Vocabulary) -> Graph:
    """Bind our prefix set on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, namespace in vocabulary.prefixes().items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def shorten(term: object, prefixes: dict[str, str]) -> str:
    """Render a term for people: a prefixed name where a prefix fits, else Turtle syntax."""
    if isinstance(term, URIRef):
        text = str(term)
        best = max((ns for ns in prefixes.values() if text.startswith(ns)), key=len, default=None)
        if best is not None:
            local = text[len(best):]
            if local and all(c.isalnum() or c in "-_." for c in local) and local[-1] != ".":
                prefix = next(p for p, ns in prefixes.items() if ns == best)
                return f"{prefix}:{local}"
        return f"<{text}>"
    if isinstance(term, Literal):
        return term.n3()
    return str(term)
