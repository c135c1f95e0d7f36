"""Run SHACL validation (pyshacl) and return a report as plain values. Never prints, never exits.

The build gate, ``s2s-graph validate`` and the web validator all call :func:`validate_graph`,
so they cannot disagree about a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``, with terms kept as rdflib nodes (None where absent)."""

    focus: Node
    path: Node | None
    value: Node | None
    source_shape: Node
    component: URIRef
    severity: URIRef
    message: str
    source_constraint: Node | None = None

    def key(self) -> tuple[str, str, str, str]:
        """Return what identifies the result across engines: focus, path, component, shape."""
        return (str(self.focus), render_path(self.path) if self.path is not None else "",
                str(self.component), str(self.source_shape))


@dataclass(frozen=True)
class ValidationReport:
    """The verdict and its results; ``graph`` is the W3C ``sh:ValidationReport`` itself."""

    conforms: bool
    results: tuple[ValidationResult, ...]
    graph: Graph


def validate_graph(data: Graph, shapes: Graph, ontology: Graph | None = None) -> ValidationReport:
    """Validate ``data`` (with ``ontology`` mixed in, for class hierarchy) against ``shapes``.

    No inference beyond what SHACL itself does (``rdfs:subClassOf`` for targets and ``sh:class``).
    """
    data_graph = data
    if ontology is not None:
        data_graph = Graph()
        for triple in ontology:
            data_graph.add(triple)
        for triple in data:
            data_graph.add(triple)
    conforms, report_graph, _ = pyshacl.validate(
        data_graph,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=False,
        meta_shacl=False,
        advanced=False,
        js=False,
        debug=False,
    )
    for prefix, namespace in shapes.namespaces():
        report_graph.bind(prefix, namespace, override=False)
    results = tuple(sorted(_read_results(report_graph), key=lambda r: r.key()))
    return ValidationReport(bool(conforms), results, report_graph)


def _read_results(report: Graph):
    for node in report.subjects(RDF.type, SH.ValidationResult):
        message = report.value(node, SH.resultMessage)
        path = report.value(node, SH.resultPath)
        yield ValidationResult(
            focus=report.value(node, SH.focusNode),
            path=_path_term(report, path) if path is not None else None,
            value=report.value(node, SH.value),
            source_shape=report.value(node, SH.sourceShape),
            component=report.value(node, SH.sourceConstraintComponent),
            severity=report.value(node, SH.resultSeverity),
            message=str(message) if message is not None else "",
            source_constraint=report.value(node, SH.sourceConstraint),
        )


class InversePath(tuple):
    """A SHACL inverse path ``^p``, kept as a hashable value instead of a blank node."""

    def __str__(self) -> str:
        return "^" + str(self[0])


def _path_term(graph: Graph, path: Node) -> Node:
    """Turn a path node into a comparable value: an IRI, an inverse path, or a SPARQL-like string."""
    if isinstance(path, URIRef):
        return path
    inverse = graph.value(path, SH.inversePath)
    if isinstance(inverse, URIRef):
        return InversePath((inverse,))
    if isinstance(path, BNode) and graph.value(path, RDF.first) is not None:
        return Literal(" / ".join(str(p) for p in Collection(graph, path)))
    return Literal(str(path))


def render_path(path: Node, shorten=str) -> str:
    """Render a result path for people: ``s2s:number`` or ``^s2s:concerns``."""
    if isinstance(path, InversePath):
        return "^" + shorten(path[0])
    return shorten(path)


def report_as_text(report: ValidationReport, shorten=str) -> str:
    """Render a report for a terminal: the verdict, then one block per result."""
    if report.conforms:
        return "Conforms: the data keeps every shape.\n"
    lines = [f"Does not conform: {len(report.results)} result(s).", ""]
    for result in report.results:
        lines.append(f"{shorten(result.severity)}: {result.message}")
        lines.append(f"  focus node: {shorten(result.focus)}")
        if result.path is not None:
            lines.append(f"  path:       {render_path(result.path, shorten)}")
        if result.value is not None:
            lines.append(f"  value:      {shorten(result.value)}")
        lines.append(f"  shape:      {shorten(result.source_shape)}")
        if result.source_constraint is not None and isinstance(result.source_constraint, URIRef):
            lines.append(f"  constraint: {shorten(result.source_constraint)}")
        lines.append("")
    return "\n".join(lines)
