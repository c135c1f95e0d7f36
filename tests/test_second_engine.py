"""Shapes that other engines agree on: the dataset and every example give the same verdict and
the same number of results in shacl-engine (JavaScript, run with Node.js) as in pyshacl.

shacl-engine resolves rdfs:subClassOf in the shapes graph, not the data graph as SHACL says
(W3C SHACL §3.2, "SHACL instance"), so it is given our vocabulary with the shapes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph

from conftest import BASE, INVALID_EXAMPLES, MINIMAL, ROOT, VALID_EXAMPLES
from s2s_graph.formats import RDF_FORMAT_BY_NAME, serialize
from s2s_graph.published import PublishedGraph
from s2s_graph.sources import parse_file
from s2s_graph.validation import validate_graph

pytestmark = pytest.mark.slow
ENGINE = ROOT / "tests" / "js"
NT = RDF_FORMAT_BY_NAME["n-triples"]


def node_engine_ready() -> str:
    node = shutil.which("node")
    assert node, "Node.js is needed for the second SHACL engine (see the README test command)"
    assert (ENGINE / "node_modules" / "shacl-engine").is_dir(), \
        "run tests/install-test-tools (part of the README test command)"
    return node


def cases(published: PublishedGraph) -> dict[str, Graph]:
    """The dataset, each valid example, and minimal.ttl plus each invalid example."""
    graphs = {"dataset": published.graph}
    for path in VALID_EXAMPLES:
        graphs[f"valid/{path.stem}"] = parse_file(path, BASE)
    for path in INVALID_EXAMPLES:
        graph = parse_file(MINIMAL, BASE)
        parse_file(path, BASE, into=graph)
        graphs[f"invalid/{path.stem}"] = graph
    return graphs


def test_shacl_engine_agrees_with_pyshacl(published: PublishedGraph, tmp_path: Path):
    node = node_engine_ready()
    shapes = Graph()
    for triple in published.shapes:
        shapes.add(triple)
    for triple in published.ontology:
        shapes.add(triple)
    (tmp_path / "shapes.nt").write_bytes(serialize(shapes, NT))
    expected, files = {}, []
    for name, graph in cases(published).items():
        report = validate_graph(graph, published.shapes, published.ontology)
        data = Graph()
        for triple in published.ontology:
            data.add(triple)
        for triple in graph:
            data.add(triple)
        path = tmp_path / (name.replace("/", "--") + ".nt")
        path.write_bytes(serialize(data, NT))
        expected[str(path)] = (name, report.conforms, len(report.results))
        files.append(str(path))
    out = subprocess.run([node, str(ENGINE / "validate.mjs"), str(tmp_path / "shapes.nt"), *files],
                         capture_output=True, text=True, check=True, timeout=300)
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(answers) == len(files)
    disagreements = []
    for answer in answers:
        name, conforms, count = expected[answer["file"]]
        if (answer["conforms"], len(answer["results"])) != (conforms, count):
            disagreements.append(f"{name}: pyshacl {conforms}/{count}, shacl-engine "
                                 f"{answer['conforms']}/{len(answer['results'])}")
    assert not disagreements, disagreements
    assert expected and sum(1 for a in answers if not a["conforms"]) == len(INVALID_EXAMPLES)
