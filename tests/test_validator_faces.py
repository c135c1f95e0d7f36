"""One validator, three faces: `s2s-graph validate`, POST /validate and the build gate give
the same results for the same input (focus node, path, constraint component, source shape)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import RDF, SH

from conftest import BASE, INVALID_EXAMPLES, MINIMAL, ROOT
from s2s_graph.cli import main
from s2s_graph.published import check_sources
from s2s_graph.settings import Settings
from s2s_graph.sources import parse_file
from s2s_graph.validation import InversePath

pytestmark = pytest.mark.slow


def keys_of_report(graph: Graph) -> set[tuple[str, str, str, str]]:
    """Read a W3C SHACL report: (focus, path, component, source shape) of each result."""
    keys = set()
    for result in graph.subjects(RDF.type, SH.ValidationResult):
        path = graph.value(result, SH.resultPath)
        inverse = graph.value(path, SH.inversePath) if path is not None else None
        path_text = "" if path is None else ("^" + str(inverse) if inverse is not None else str(path))
        keys.add((str(graph.value(result, SH.focusNode)), path_text,
                  str(graph.value(result, SH.sourceConstraintComponent)),
                  str(graph.value(result, SH.sourceShape))))
    return keys


def keys_of_results(results) -> set[tuple[str, str, str, str]]:
    return {(str(r.focus), "" if r.path is None else str(r.path) if not isinstance(r.path, InversePath)
             else "^" + str(r.path[0]), str(r.component), str(r.source_shape)) for r in results}


@pytest.fixture(scope="module")
def gate_project(tmp_path_factory) -> Path:
    """A project whose data/ the test replaces with each example in turn."""
    root = tmp_path_factory.mktemp("gate")
    for folder in ("ontology", "shapes"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "data").mkdir()
    return root


@pytest.mark.parametrize("example", INVALID_EXAMPLES, ids=lambda p: p.stem)
def test_cli_web_and_build_gate_agree(memory_app, gate_project: Path, example: Path):
    """Posted data is validated on its own, whatever the store, so one store is enough."""
    client = memory_app.test_client()
    cli = CliRunner().invoke(main, ["--project-root", str(ROOT), "validate", "--format", "turtle",
                                    str(MINIMAL), str(example)])
    assert cli.exit_code == 1
    from_cli = keys_of_report(Graph().parse(data=cli.stdout, format="turtle"))

    merged = Graph()
    parse_file(MINIMAL, BASE, into=merged)
    parse_file(example, BASE, into=merged)
    response = client.post("/validate", data=merged.serialize(format="nt", encoding="utf-8"),
                           content_type="application/n-triples", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    from_web = keys_of_report(Graph().parse(data=response.get_data(), format="turtle"))

    for old in (gate_project / "data").iterdir():
        old.unlink()
    shutil.copy(MINIMAL, gate_project / "data" / "minimal.ttl")
    shutil.copy(example, gate_project / "data" / "example.ttl")
    _, report = check_sources(Settings(project_root=gate_project, base_iri=BASE))
    from_gate = keys_of_results(report.results)

    assert from_cli and from_cli == from_web == from_gate
