"""The shapes in words, for their documentation page: what each shape targets, each of its
constraints with its severity and message, and an example of data that breaks it.
No Flask here."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from s2s_graph.display import Labeller, Value
from s2s_graph.sources import ShapeExample

SPARQL_NOTE = ("SHACL-SPARQL: the rule compares records with each other, which SHACL Core "
               "cannot express.")


@dataclass(frozen=True)
class ConstraintDoc:
    """One property shape or SPARQL rule of a node shape."""

    anchor: str
    path: str
    rules: tuple[str, ...]
    severity: str
    message: str
    sparql: bool
    examples: tuple[ShapeExample, ...]


@dataclass(frozen=True)
class ShapeDoc:
    """One node shape: its targets, its own rules and its constraints."""

    anchor: str
    label: str
    targets: tuple[Value, ...]
    rules: tuple[str, ...]
    severity: str
    message: str
    constraints: tuple[ConstraintDoc, ...]
    examples: tuple[ShapeExample, ...]


def describe_shapes(shapes: Graph, labeller: Labeller,
                    examples: tuple[ShapeExample, ...] = ()) -> list[ShapeDoc]:
    """Return every named node shape of ``shapes`` in words, sorted by name."""
    docs = []
    for shape in sorted(s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)):
        anchor = _anchor(shape)
        targets = tuple(labeller.value(t) for t in shapes.objects(shape, SH.targetClass))
        targets += tuple(Value(f"subjects of {labeller.label(p)}")
                         for p in shapes.objects(shape, SH.targetSubjectsOf))
        constraints = [_property_doc(shapes, p, labeller, examples)
                       for p in shapes.objects(shape, SH.property)]
        constraints += [ConstraintDoc(_anchor(c), "(compares records)", (SPARQL_NOTE,),
                                      _severity(shapes, c, labeller),
                                      str(shapes.value(c, SH.message) or ""), True,
                                      tuple(e for e in examples if e.name == _anchor(c)))
                        for c in shapes.objects(shape, SH.sparql)]
        own = tuple(e for e in examples if e.shape == f"shapes:{anchor}"
                    and e.component != "sh:SPARQLConstraintComponent")
        docs.append(ShapeDoc(
            anchor=anchor, label=labeller.label(shape), targets=targets,
            rules=tuple(_rules(shapes, shape, labeller)),
            severity=_severity(shapes, shape, labeller),
            message=str(shapes.value(shape, SH.message) or ""),
            constraints=tuple(sorted(constraints, key=lambda c: c.anchor)),
            examples=own))
    return docs


def _anchor(node) -> str:
    return node.split("#", 1)[1] if isinstance(node, URIRef) and "#" in node else ""


def _severity(shapes: Graph, node, labeller: Labeller) -> str:
    """Return the severity in words; SHACL's default is Violation (W3C SHACL §2.1.5)."""
    return labeller.label(shapes.value(node, SH.severity) or SH.Violation)


def _property_doc(shapes: Graph, shape, labeller: Labeller,
                  examples: tuple[ShapeExample, ...]) -> ConstraintDoc:
    path = shapes.value(shape, SH.path)
    inverse = shapes.value(path, SH.inversePath) if isinstance(path, BNode) else None
    path_text = f"inverse of {labeller.label(inverse)}" if inverse is not None \
        else labeller.label(path)
    anchor = _anchor(shape)
    return ConstraintDoc(anchor, path_text, tuple(_rules(shapes, shape, labeller)),
                         _severity(shapes, shape, labeller),
                         str(shapes.value(shape, SH.message) or ""), False,
                         tuple(e for e in examples if e.shape == f"shapes:{anchor}"))


def _rules(shapes: Graph, shape, labeller: Labeller) -> list[str]:
    """Say each Core constraint of ``shape`` in words."""
    rules = []
    path = shapes.value(shape, SH.path)
    prefix = f"{labeller.label(path)}: " if isinstance(shape, BNode) and isinstance(path, URIRef) \
        else ""
    min_count, max_count = shapes.value(shape, SH.minCount), shapes.value(shape, SH.maxCount)
    if min_count is not None and max_count is not None and min_count == max_count:
        rules.append(f"{prefix}exactly {min_count} value(s)")
    else:
        if min_count is not None:
            rules.append(f"{prefix}at least {min_count} value(s)")
        if max_count is not None:
            rules.append(f"{prefix}no value" if int(max_count) == 0
                         else f"{prefix}at most {max_count} value(s)")
    for parameter, words in ((SH.datatype, "of datatype"), (SH["class"], "an instance of"),
                             (SH.pattern, "matching"), (SH.minInclusive, "at least"),
                             (SH.hasValue, "equal to")):
        for value in shapes.objects(shape, parameter):
            shown = f"/{value}/" if parameter == SH.pattern else str(value) \
                if isinstance(value, Literal) else labeller.label(value)
            rules.append(f"{prefix}{words} {shown}")
    kind = shapes.value(shape, SH.nodeKind)
    if kind is not None:
        rules.append({SH.IRI: "an IRI", SH.Literal: "a literal"}.get(kind, labeller.label(kind)))
    for parameter, words in ((SH["in"], "one of"), (SH.languageIn, "a language tag of")):
        for values in shapes.objects(shape, parameter):
            rules.append(f"{words} " + ", ".join(labeller.label(v) for v in Collection(shapes, values)))
    for nested in shapes.objects(shape, SH.property):
        if isinstance(nested, BNode):
            rules.extend(_rules(shapes, nested, labeller))
    for negated in shapes.objects(shape, SH["not"]):
        rules.append("not (" + " and ".join(_rules(shapes, negated, labeller)) + ")")
    for parameter, words in ((SH["or"], "any of"), (SH.xone, "exactly one of")):
        for values in shapes.objects(shape, parameter):
            options = ["(" + " and ".join(_rules(shapes, v, labeller)) + ")"
                       for v in Collection(shapes, values)]
            rules.append(f"{words}: " + " or ".join(options))
    return rules
