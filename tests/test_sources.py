"""Loading the project's sources: relative IRIs, file order, and errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from s2s_graph.errors import LoadError
from s2s_graph.formats import rdf_format
from s2s_graph.settings import Settings
from s2s_graph.sources import load_sources, parse_bytes, parse_file


def test_relative_iris_resolve_against_the_configured_base(project_copy: Path):
    sources = load_sources(Settings(project_root=project_copy, base_iri="http://example.org/s2s/"))
    report = URIRef("http://example.org/s2s/id/report/safe-to-share")
    assert (report, None, None) in sources.data
    assert not any(str(s).startswith("https://w3id.org/") for s in sources.data.subjects())


def test_shape_prefix_declarations_follow_the_base(project_copy: Path):
    sources = load_sources(Settings(project_root=project_copy, base_iri="http://example.org/s2s/"))
    namespaces = {str(o) for o in sources.shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#namespace"))}
    assert namespaces == {"http://example.org/s2s/def/s2s#", "http://www.w3.org/2000/01/rdf-schema#"}


def test_turtle_syntax_error_names_file_line_and_column(project_copy: Path):
    target = project_copy / "data" / "report.ttl"
    lines = target.read_text(encoding="utf-8").splitlines()
    broken_line = len(lines) - 1
    lines[broken_line - 1] = lines[broken_line - 1] + " <unterminated"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_sources(Settings(project_root=project_copy))
    assert caught.value.path.endswith("data/report.ttl")
    assert caught.value.line == broken_line
    assert caught.value.column is not None
    assert f"report.ttl, line {broken_line}" in str(caught.value)


def test_missing_source_folder_says_where_to_run(tmp_path: Path):
    with pytest.raises(LoadError, match="no Turtle files in ontology/"):
        load_sources(Settings(project_root=tmp_path))


@pytest.mark.parametrize(
    ("fmt", "text", "line"),
    [
        ("turtle", "<a:b> <a:c> <a:d> .\n<a:b> <a:c> .\n", 2),
        ("n-triples", "<a:b> <a:c> <a:d> .\nnonsense here\n", 2),
        ("rdf-xml", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                    '<rdf:Description rdf:about="http://a/b">\n</rdf:RDF>\n', 4),
        ("json-ld", '{\n  "@id": "a:b",\n  oops\n}\n', 3),
    ],
)
def test_parse_errors_give_the_line_in_every_format(fmt: str, text: str, line: int):
    with pytest.raises(LoadError) as caught:
        parse_bytes(text.encode(), rdf_format(fmt), "http://example.org/", name="upload")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"upload, line {line}")


def test_text_that_is_not_utf8_is_refused():
    with pytest.raises(LoadError, match="Invalid UTF-8"):
        parse_bytes(b"<a:b> <a:c> \"\xff\" .", rdf_format("turtle"), "http://e/", name="x.ttl")


def test_unknown_suffix_is_refused(tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(LoadError, match="unknown RDF file suffix '.txt'"):
        parse_file(notes, "http://e/")


def test_a_failed_parse_leaves_the_target_graph_unchanged():
    from rdflib import Graph

    target = Graph()
    parse_bytes(b"<a:b> <a:c> <a:d> .", rdf_format("turtle"), "http://e/", name="one", into=target)
    with pytest.raises(LoadError):
        parse_bytes(b"<a:x> <a:y> <a:z> .\n<a:b> <a:c>", rdf_format("turtle"), "http://e/",
                    name="two", into=target)
    assert len(target) == 1


def test_an_rdf_12_triple_term_is_refused_and_leaves_the_target_graph_unchanged():
    from rdflib import Graph

    target = Graph()
    parse_bytes(b"<a:b> <a:c> <a:d> .", rdf_format("turtle"), "http://e/", name="one", into=target)
    document = b"<a:x> <a:y> <a:z> .\n<a:a> <a:p> <<( <a:s> <a:p> <a:o> )>> .\n"
    with pytest.raises(LoadError) as refused:
        parse_bytes(document, rdf_format("n-triples"), "http://e/", name="two.nt", into=target)
    assert "two.nt" in str(refused.value) and "triple terms are not supported" in str(refused.value)
    assert set(target) == {(URIRef("a:b"), URIRef("a:c"), URIRef("a:d"))}


def test_repeated_terms_are_the_same_rdflib_values_as_when_written_once():
    from rdflib import Graph, Literal

    document = (b'<http://e/s> <http://e/p> "1" , "1"@en , "1"^^<http://www.w3.org/2001/XMLSchema#integer> ;'
                b' <http://e/q> <http://e/s> , _:b .\n_:b <http://e/p> "1" .\n')
    graph = parse_bytes(document, rdf_format("turtle"), "http://e/", name="t.ttl", into=Graph())
    objects = set(graph.objects(URIRef("http://e/s"), URIRef("http://e/p")))
    assert objects == {Literal("1"), Literal("1", lang="en"),
                       Literal("1", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))}
    assert len(graph) == 6
