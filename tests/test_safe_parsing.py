"""Parsing outside RDF never fetches anything and never reads a local file: remote JSON-LD
contexts and @import, RDF/XML external entities and DTDs, entity bombs, owl:imports and
sh:shapesGraph. A canary server on loopback must receive no request, and the secret file's
content must appear in no response."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, Canary
from s2s_graph.cli import main

XML_HEAD = '<?xml version="1.0"?>\n'
RDF_OPEN = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:ex="http://example.org/">\n')
BOMB = ('<!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">'
                  for p, n in zip("abcdefgh", "bcdefghi")) + "]>\n")


def hostile_documents(canary: str, secret: Path) -> list[tuple[str, str, str]]:
    """(name, media type, body) of each way a parser could be turned against us."""
    secret_uri = secret.as_uri()
    describe = '<rdf:Description rdf:about="http://example.org/a"><ex:p>{}</ex:p></rdf:Description></rdf:RDF>\n'
    return [
        ("jsonld-remote-context", "application/ld+json",
         f'{{"@context": "{canary}/context.jsonld", "@id": "http://example.org/a", "p": "x"}}'),
        ("jsonld-file-context", "application/ld+json",
         f'{{"@context": "{secret_uri}", "@id": "http://example.org/a", "p": "x"}}'),
        ("jsonld-import", "application/ld+json",
         f'{{"@context": {{"@version": 1.1, "@import": "{canary}/context.jsonld"}}, '
         f'"@id": "http://example.org/a", "http://example.org/p": "x"}}'),
        ("rdfxml-external-entity-http", "application/rdf+xml",
         XML_HEAD + f'<!DOCTYPE rdf:RDF [<!ENTITY ext SYSTEM "{canary}/entity">]>\n'
         + RDF_OPEN + describe.format("&ext;")),
        ("rdfxml-external-entity-file", "application/rdf+xml",
         XML_HEAD + f'<!DOCTYPE rdf:RDF [<!ENTITY ext SYSTEM "{secret_uri}">]>\n'
         + RDF_OPEN + describe.format("&ext;")),
        ("rdfxml-external-dtd", "application/rdf+xml",
         XML_HEAD + f'<!DOCTYPE rdf:RDF SYSTEM "{canary}/rdf.dtd">\n' + RDF_OPEN
         + describe.format("x")),
        ("rdfxml-parameter-entity", "application/rdf+xml",
         XML_HEAD + f'<!DOCTYPE rdf:RDF [<!ENTITY % remote SYSTEM "{canary}/p.dtd"> %remote;]>\n'
         + RDF_OPEN + describe.format("x")),
        ("rdfxml-entity-bomb", "application/rdf+xml",
         XML_HEAD + BOMB + RDF_OPEN + describe.format("&i;")),
        ("turtle-owl-imports", "text/turtle",
         f"<http://example.org/o> a <http://www.w3.org/2002/07/owl#Ontology> ; "
         f"<http://www.w3.org/2002/07/owl#imports> <{canary}/ontology.ttl>, <{secret_uri}> ."),
        ("turtle-shapes-graph", "text/turtle",
         f"<http://example.org/o> <http://www.w3.org/ns/shacl#shapesGraph> <{canary}/shapes.ttl>, "
         f"<{secret_uri}> ."),
    ]


def test_posted_documents_reach_nothing(client, canary, secret_file):
    for name, media_type, body in hostile_documents(canary, secret_file):
        for query in ("", "?with=dataset"):
            response = client.post("/validate" + query, data=body.encode(),
                                   content_type=media_type, headers={"Accept": "text/turtle"})
            text = response.get_data(as_text=True)
            assert response.status_code in (200, 400), (name, response.status_code, text[:300])
            assert "FILE-SECRET" not in text and "CANARY-SECRET" not in text, name
            if name == "rdfxml-entity-bomb":
                assert response.status_code == 400 and "amplification" in text
    assert Canary.hits == []


def test_files_given_to_the_cli_reach_nothing(canary, secret_file, tmp_path: Path):
    suffix = {"application/ld+json": "jsonld", "application/rdf+xml": "rdf", "text/turtle": "ttl"}
    for name, media_type, body in hostile_documents(canary, secret_file):
        path = tmp_path / f"{name}.{suffix[media_type]}"
        path.write_text(body, encoding="utf-8")
        result = CliRunner().invoke(main, ["--project-root", str(ROOT), "validate", str(path)])
        assert result.exit_code in (0, 1, 2), (name, result.output)
        assert "FILE-SECRET" not in result.output and "CANARY-SECRET" not in result.output
        assert "Traceback" not in result.output
    assert Canary.hits == []


@pytest.mark.parametrize("argument", ["http://127.0.0.1:9/data.ttl", "file:///etc/passwd"])
def test_a_url_where_a_file_is_expected_is_not_fetched(argument):
    result = CliRunner().invoke(main, ["--project-root", str(ROOT), "validate", argument])
    assert result.exit_code == 2
    assert "no such file" in result.stderr or "unknown RDF file suffix" in result.stderr
