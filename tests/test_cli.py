"""The s2s-graph command: what each command prints and the exit code it gives (0, 1, 2)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import SH

from conftest import EXAMPLES, MINIMAL, ROOT, snapshot
from s2s_graph.cli import main

INVALID = EXAMPLES / "invalid"


def run(runner: CliRunner, *args: str, root: Path = ROOT):
    return runner.invoke(main, ["--project-root", str(root), *args])


# --- build ------------------------------------------------------------------------------

def test_build_writes_the_dumps_and_reports_them(runner: CliRunner, tmp_path: Path):
    result = run(runner, "build", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "dataset.ttl" in result.stdout and "triples" in result.stdout
    assert (tmp_path / "out" / "void.ttl").is_file()


def build_with_stderr_on(terminal: bool, out: Path) -> tuple[int, str, str]:
    """Run ``s2s-graph build`` in a fresh process, its stderr a pseudo-terminal or a pipe."""
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
    command = [sys.executable, "-m", "s2s_graph", "--project-root", str(ROOT), "build",
               "--out", str(out)]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    stdout, _ = process.communicate(timeout=300)
    return process.returncode, stdout.decode(), drawn.decode(errors="replace")


@pytest.mark.slow
def test_build_shows_each_stage_on_a_terminal_and_nothing_in_a_pipe(tmp_path: Path):
    code, stdout, drawn = build_with_stderr_on(True, tmp_path / "tty")
    assert code == 0, drawn
    for stage in ("Loading the sources", "Validating", "against the shapes",
                  "Indexing the data for queries", "Writing the release"):
        assert stage in drawn
    assert stdout.startswith("Built ") and stdout.count("\n") == 1  # the one-line summary
    code, stdout, stderr = build_with_stderr_on(False, tmp_path / "pipe")
    assert code == 0 and stderr == "" and stdout.startswith("Built ")


def test_build_of_data_that_breaks_a_shape_writes_nothing_and_exits_1(
        runner: CliRunner, project_copy: Path):
    out = project_copy / "dist"
    assert run(runner, "build", "--out", str(out), root=project_copy).exit_code == 0
    before = snapshot(out)
    recommendations = project_copy / "data" / "recommendation.ttl"
    recommendations.write_text(recommendations.read_text(encoding="utf-8").replace(
        "s2s:number 2 ;", "s2s:number 1 ;"), encoding="utf-8")
    result = run(runner, "build", "--out", str(out), root=project_copy)
    assert result.exit_code == 1
    assert "Recommendation number 1 is used twice" in result.stderr
    assert "shapes:RecommendationShape" in result.stderr
    assert "Nothing was written" in result.stderr
    assert snapshot(out) == before


def test_build_with_a_syntax_error_names_file_and_line_and_exits_2(
        runner: CliRunner, project_copy: Path):
    out = project_copy / "dist"
    assert run(runner, "build", "--out", str(out), root=project_copy).exit_code == 0
    before = snapshot(out)
    action = project_copy / "data" / "action.ttl"
    lines = action.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "s2s:number 2 ;" in line)
    lines[number - 1] = lines[number - 1].replace("s2s:number 2 ;", "s2s:number 2 2 ;")
    action.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(runner, "build", "--out", str(out), root=project_copy)
    assert result.exit_code == 2
    assert f"data/action.ttl, line {number}" in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(out) == before


def test_build_outside_the_project_says_where_to_run(runner: CliRunner, tmp_path: Path):
    result = run(runner, "build", root=tmp_path)
    assert result.exit_code == 2
    assert "S2S_PROJECT_ROOT" in result.stderr


# --- validate ---------------------------------------------------------------------------

def test_validate_the_project_data_conforms(runner: CliRunner):
    result = run(runner, "validate")
    assert result.exit_code == 0
    assert result.stdout.startswith("Conforms")


def test_validate_a_file_with_a_violation_exits_1_and_names_everything(runner: CliRunner):
    fixture = INVALID / "TerritorialPoliceForceShape-policeForceAreaCode-pattern.ttl"
    result = run(runner, "validate", str(MINIMAL), str(fixture))
    assert result.exit_code == 1
    out = result.stdout
    assert "focus node: <https://w3id.org/safe-to-share/id/organisation/other-police>" in out
    assert "path:       s2s:policeForceAreaCode" in out
    assert 'value:      "E2300098"' in out
    assert "shape:      shapes:TerritorialPoliceForceShape-policeForceAreaCode" in out
    assert "E23 or W15 and six digits" in out


@pytest.mark.parametrize("report_format, rdflib_format", [("turtle", "turtle"), ("json-ld", "json-ld")])
def test_validate_prints_a_shacl_report_in_rdf(runner: CliRunner, report_format, rdflib_format):
    fixture = INVALID / "ResponseShape-status-in.ttl"
    result = run(runner, "validate", "--format", report_format, str(MINIMAL), str(fixture))
    assert result.exit_code == 1
    report = Graph().parse(data=result.stdout, format=rdflib_format)
    [node] = list(report.subjects(SH.conforms, None))
    assert not report.value(node, SH.conforms).toPython()
    assert len(list(report.objects(node, SH.result))) == 1


def test_validate_a_missing_file_exits_2(runner: CliRunner, tmp_path: Path):
    result = run(runner, "validate", str(tmp_path / "missing.ttl"))
    assert result.exit_code == 2
    assert "missing.ttl: no such file" in result.stderr


def test_validate_a_turtle_syntax_error_names_file_and_line(runner: CliRunner, tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "open .\n',
                   encoding="utf-8")
    result = run(runner, "validate", str(bad))
    assert result.exit_code == 2
    assert "bad.ttl, line 3" in result.stderr and "not valid Turtle" in result.stderr


def test_validate_a_file_that_is_not_rdf_exits_2(runner: CliRunner, tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Minutes of the meeting.\n")
    result = run(runner, "validate", str(notes))
    assert result.exit_code == 2
    assert "unknown RDF file suffix '.txt'" in result.stderr
    prose = tmp_path / "prose.ttl"
    prose.write_text("Minutes of the meeting.\n")
    result = run(runner, "validate", str(prose))
    assert result.exit_code == 2
    assert "prose.ttl, line 1" in result.stderr


def test_validate_a_folder_exits_2(runner: CliRunner, tmp_path: Path):
    folder = tmp_path / "folder.ttl"
    folder.mkdir()
    result = run(runner, "validate", str(folder))
    assert result.exit_code == 2
    assert "is a folder" in result.stderr


# --- query ------------------------------------------------------------------------------

FORCES_QUERY = """PREFIX s2s: <https://w3id.org/safe-to-share/def/s2s#>
SELECT (COUNT(?force) AS ?forces) WHERE { ?force a s2s:TerritorialPoliceForce }"""


def test_query_select_as_json(runner: CliRunner):
    result = run(runner, "query", FORCES_QUERY)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["results"]["bindings"][0]["forces"]["value"] == "43"


@pytest.mark.parametrize("fmt, expected", [
    ("csv", b"forces\r\n43\r\n"),
    ("tsv", b"?forces\n43\n"),
])
def test_query_select_as_csv_and_tsv(runner: CliRunner, fmt: str, expected: bytes):
    result = run(runner, "query", FORCES_QUERY, "--format", fmt)
    assert result.exit_code == 0
    assert result.stdout_bytes == expected


def test_query_select_as_xml(runner: CliRunner):
    result = run(runner, "query", FORCES_QUERY, "--format", "xml")
    assert result.exit_code == 0
    assert "<sparql" in result.stdout and ">43</literal>" in result.stdout


def test_query_construct_as_turtle_with_relative_iris(runner: CliRunner):
    query = "CONSTRUCT { <id/report/safe-to-share> ?p ?o } WHERE { <id/report/safe-to-share> ?p ?o }"
    result = run(runner, "query", query, "--format", "turtle")
    assert result.exit_code == 0, result.output
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert len(graph) > 10


def test_query_from_a_file(runner: CliRunner, tmp_path: Path):
    path = tmp_path / "forces.rq"
    path.write_text(FORCES_QUERY, encoding="utf-8")
    result = run(runner, "query", f"@{path}", "--format", "csv")
    assert result.exit_code == 0 and result.stdout_bytes.endswith(b"43\r\n")


@pytest.mark.parametrize("query, message", [
    ("INSERT DATA { <a:b> <a:c> <a:d> }", "read-only"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { ?s ?p }", "line 1"),
])
def test_query_refuses_updates_service_and_bad_syntax_with_exit_2(runner, query, message):
    result = run(runner, "query", query)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_query_format_must_fit_the_query_form(runner: CliRunner):
    result = run(runner, "query", FORCES_QUERY, "--format", "turtle")
    assert result.exit_code == 2
    assert "SELECT and ASK results can be written as json, xml, csv, tsv" in result.stderr


def test_query_from_a_missing_file_exits_2(runner: CliRunner, tmp_path: Path):
    result = run(runner, "query", f"@{tmp_path / 'none.rq'}")
    assert result.exit_code == 2
    assert "no such query file" in result.stderr
