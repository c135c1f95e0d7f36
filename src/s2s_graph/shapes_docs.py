"""The shapes in words, for their documentation page: what each shape targets and each of
its constraints, with its message and anchor. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from s2s_graph.display import Labeller, Value


@dataclass(frozen=True)
class ConstraintDoc:
    """One property shape or SPARQL rule of a node shape."""

    anchor: str
    path: str
    rules: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class ShapeDoc:
    """One node shape: its targets and its constraints."""

    anchor: str
    label: str
    targets: tuple[Value, ...]
    rules: tuple[str, ...]
    message: str
    constraints: tuple[ConstraintDoc, ...]
    sparql: bool


def describe_shapes(shapes: Graph, labeller: Labeller) -> list[ShapeDoc]:
    """Return every named node shape of ``shapes`` in words, sorted by name."""
    docs = []
    for shape in sorted(s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)):
        targets = tuple(labeller.value(t) for t in shapes.objects(shape, SH.targetClass))
        targets += tuple(Value(f"subjects of {labeller.label(p)}")
                         for p in shapes.objects(shape, SH.targetSubjectsOf))
        constraints = [_property_doc(shapes, p, labeller)
                       for p in shapes.objects(shape, SH.property)]
        constraints += [ConstraintDoc(_anchor(c), "(across records)", ("SHACL-SPARQL rule",),
                                      str(shapes.value(c, SH.message) or ""))
                        for c in shapes.objects(shape, SH.sparql)]
        docs.append(ShapeDoc(
            anchor=_anchor(shape), label=labeller.label(shape), targets=targets,
            rules=tuple(_rules(shapes, shape, labeller)),
            message=str(shapes.value(shape, SH.message) or ""),
            constraints=tuple(sorted(constraints, key=lambda c: c.anchor)),
            sparql=(shape, SH.sparql, None) in shapes))
    return docs


def _anchor(node) -> str:
    return node.split("#", 1)[1] if isinstance(node, URIRef) and "#" in node else ""


def _property_doc(shapes: Graph, shape, labeller: Labeller) -> ConstraintDoc:
    path = shapes.value(shape, SH.path)
    inverse = shapes.value(path, SH.inversePath) if isinstance(path, BNode) else None
    path_text = f"inverse of {labeller.label(inverse)}" if inverse is not None \
        else labeller.label(path)
    return ConstraintDoc(_anchor(shape), path_text, tuple(_rules(shapes, shape, labeller)),
                         str(shapes.value(shape, SH.message) or ""))


def _rules(shapes: Graph, shape, labeller: Labeller) -> list[str]:
    """Say each Core constraint of ``shape`` in words."""
    rules = []
    min_count, max_count = shapes.value(shape, SH.minCount), shapes.value(shape, SH.maxCount)
    if min_count is not None and max_count is not None and min_count == max_count:
        rules.append(f"exactly {min_count}")
    else:
        if min_count is not None:
            rules.append(f"at least {min_count}")
        if max_count is not None:
            rules.append("none" if int(max_count) == 0 else f"at most {max_count}")
    for parameter, words in ((SH.datatype, "of datatype"), (SH["class"], "an instance of"),
                             (SH.pattern, "matching"), (SH.minInclusive, "at least"),
                             (SH.hasValue, "equal to")):
        for value in shapes.objects(shape, parameter):
            shown = f"/{value}/" if parameter == SH.pattern else labeller.label(value) \
                if not isinstance(value, Literal) else str(value)
            rules.append(f"{words} {shown}")
    kind = shapes.value(shape, SH.nodeKind)
    if kind is not None:
        rules.append({SH.IRI: "an IRI", SH.Literal: "a literal"}.get(kind, labeller.label(kind)))
    for parameter, words in ((SH["in"], "one of"), (SH.languageIn, "in language")):
        for values in shapes.objects(shape, parameter):
            rules.append(f"{words} " + ", ".join(labeller.label(v) for v in Collection(shapes, values)))
    for parameter, words in ((SH["or"], "any of"), (SH.xone, "exactly one of")):
        for values in shapes.objects(shape, parameter):
            options = [" and ".join(_rules(shapes, v, labeller) or ["(see message)"])
                       for v in Collection(shapes, values)]
            rules.append(f"{words}: " + "; ".join(options))
    return rules
