"""The shapes tested both ways: the valid examples conform, and every constraint has an invalid
example that breaks exactly it (so a constraint that can never fire is found)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

from conftest import BASE, INVALID_EXAMPLES, MINIMAL, VALID_EXAMPLES
from s2s_graph.namespaces import Vocabulary, shorten
from s2s_graph.published import PublishedGraph
from s2s_graph.sources import parse_file
from s2s_graph.validation import render_path, validate_graph

PREFIXES = Vocabulary(BASE).prefixes()
VALID = VALID_EXAMPLES
INVALID = INVALID_EXAMPLES

# Constraint parameters of SHACL Core (W3C SHACL §4) and the component each one belongs to.
COMPONENT_BY_PARAMETER = {
    SH.minCount: "MinCount", SH.maxCount: "MaxCount", SH.datatype: "Datatype",
    SH["class"]: "Class", SH.nodeKind: "NodeKind", SH.pattern: "Pattern", SH["in"]: "In",
    SH.languageIn: "LanguageIn", SH.minInclusive: "MinInclusive", SH["or"]: "Or",
    SH.xone: "Xone", SH["not"]: "Not", SH.hasValue: "HasValue", SH.uniqueLang: "UniqueLang",
    SH.maxInclusive: "MaxInclusive", SH.minLength: "MinLength", SH.maxLength: "MaxLength",
    SH.node: "Node", SH["and"]: "And", SH.equals: "Equals", SH.disjoint: "Disjoint",
    SH.qualifiedValueShape: "QualifiedMinCount", SH.closed: "Closed",
}


def short(term) -> str:
    return shorten(term, PREFIXES)


def expectation(path: Path) -> tuple[str, str, str]:
    """Read the ``# expect: shape path component`` line of an invalid fixture."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            shape, result_path, component = line.split()[2:5]
            return shape, result_path, component
    raise AssertionError(f"{path.name} has no '# expect:' line")


def validate_fixture(published: PublishedGraph, *paths: Path):
    data = Graph()
    for path in paths:
        parse_file(path, BASE, into=data)
    return validate_graph(data, published.shapes, published.ontology)


def result_rule(result) -> tuple[str, str, str]:
    """What a result says broke: the shape, the path (or -) and the component."""
    path = render_path(result.path, short) if result.path is not None else "-"
    return short(result.source_shape), path, short(result.component)


def test_the_project_data_conforms(published: PublishedGraph):
    report = validate_graph(published.data, published.shapes, published.ontology)
    assert report.conforms, [r.message for r in report.results]


@pytest.mark.parametrize("fixture", VALID, ids=lambda p: p.name)
def test_valid_fixture_conforms(published: PublishedGraph, fixture: Path):
    report = validate_fixture(published, fixture)
    assert report.conforms, [result_rule(r) for r in report.results]


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_breaks_exactly_its_rule(published: PublishedGraph, fixture: Path):
    report = validate_fixture(published, MINIMAL, fixture)
    assert not report.conforms
    assert {result_rule(r) for r in report.results} == {expectation(fixture)}
    assert all(r.message for r in report.results)


def declared_constraints(shapes: Graph) -> set[tuple[str, str]]:
    """Every (shape or SPARQL constraint, component) the shapes graph declares.

    Anonymous shapes nested in sh:or, sh:xone or sh:not belong to the constraint that holds
    them and are not counted on their own.
    """
    declared = set()
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
            shapes.subjects(RDF.type, SH.PropertyShape)):
        if isinstance(shape, BNode):
            continue
        for parameter, component in COMPONENT_BY_PARAMETER.items():
            if (shape, parameter, None) in shapes:
                declared.add((short(shape), f"sh:{component}ConstraintComponent"))
        for constraint in shapes.objects(shape, SH.sparql):
            declared.add((short(constraint), "sh:SPARQLConstraintComponent"))
    return declared


def test_every_constraint_is_broken_by_some_invalid_fixture(published: PublishedGraph):
    fired = set()
    for fixture in INVALID:
        report = validate_fixture(published, MINIMAL, fixture)
        for result in report.results:
            rule = result.source_constraint if isinstance(result.source_constraint, URIRef) \
                else result.source_shape
            fired.add((short(rule), short(result.component)))
    missing = declared_constraints(published.shapes) - fired
    assert not missing, f"constraints no fixture breaks: {sorted(missing)}"


def test_every_constraint_carries_a_message(published: PublishedGraph):
    shapes = published.shapes
    silent = [short(s) for s, _ in declared_constraints(shapes)
              if shapes.value(URIRef(s.replace("shapes:", PREFIXES["shapes"])), SH.message) is None]
    assert not silent, f"shapes without sh:message: {silent}"


def test_the_shapes_graph_conforms_to_shacl_for_shacl(published: PublishedGraph):
    shacl_shacl = Graph().parse(
        data=resources.files("pyshacl").joinpath("assets/shacl-shacl.ttl").read_text("utf-8"),
        format="turtle")
    conforms, _, text = pyshacl.validate(published.shapes, shacl_graph=shacl_shacl,
                                         inference="none")
    assert conforms, text
