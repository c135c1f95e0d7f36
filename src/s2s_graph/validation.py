"""Run SHACL validation (pyshacl) and return a report as plain values. Never prints, never exits.

The build gate, ``s2s-graph validate`` and the web validator all call :func:`validate_graph`,
so they cannot disagree about a verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from s2s_graph.errors import S2SError
from s2s_graph.formats import rdf_format
from s2s_graph.sources import parse_bytes
from s2s_graph.validation_graph import ValidationGraph


class ValidationEngineError(S2SError):
    """pyshacl could not run the shapes (a broken shapes graph, not bad data)."""


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
    data_graph = ValidationGraph([data] if ontology is None else [ontology, data])
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
    if not isinstance(report_graph, Graph):  # pyshacl's ValidationFailure: the shapes are broken
        raise ValidationEngineError(f"the SHACL engine could not run the shapes: {report_graph}")
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


@dataclass(frozen=True)
class ValidationContext:
    """What outside data is validated against: our shapes, our vocabulary, and our data for
    validating in context (``with_dataset``)."""

    base_iri: str
    shapes: Graph
    ontology: Graph
    load_dataset: Callable[[], Graph] = field(repr=False)

    @cached_property
    def dataset(self) -> Graph:
        """Our data, parsed when first needed: most validations do not ask for it, and it is
        the largest part of a worker's memory."""
        return self.load_dataset()


def validation_context_from_files(base_iri: str, shapes: str, ontology: str,
                                  dataset: str) -> ValidationContext:
    """Build a context from a release folder's files (how a worker process receives it)."""
    from s2s_graph.sources import parse_file

    return ValidationContext(base_iri, parse_file(Path(shapes), base_iri),
                             parse_file(Path(ontology), base_iri),
                             lambda: parse_file(Path(dataset), base_iri))


def validate_document(context: ValidationContext, data: bytes, format_name: str, name: str,
                      with_dataset: bool = False) -> ValidationReport:
    """Parse an outside RDF document and validate it, on its own or merged with our data.

    :raises LoadError: the document cannot be parsed (with line and column).
    """
    graph = parse_bytes(data, rdf_format(format_name), context.base_iri, name=name)
    if with_dataset:
        for triple in context.dataset:
            graph.add(triple)
    return validate_graph(graph, context.shapes, context.ontology)
