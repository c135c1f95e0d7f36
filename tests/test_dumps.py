"""The build output: every dump is the published graph, builds are byte-identical, and the
VoID description counts and checksums what was written."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCAT, RDF, VOID

from conftest import ROOT, snapshot
from s2s_graph.dumps import write_dumps
from s2s_graph.formats import RDF_FORMATS
from s2s_graph.namespaces import SPDX
from s2s_graph.published import PublishedGraph
from s2s_graph.sources import parse_file

DUMP_FILES = ["context.jsonld", "dashboard.json", "dataset.jsonld", "dataset.nt", "dataset.rdf",
              "dataset.ttl", "graphs.nq", "release.json", "shapes.ttl", "store", "vocabulary.ttl",
              "void.ttl"]
GZIPPED = ["context.jsonld", "dataset.jsonld", "dataset.nt", "dataset.rdf", "dataset.ttl",
           "void.ttl"]


@pytest.fixture(scope="module")
def built(published: PublishedGraph, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    write_dumps(published, out)
    return out


def test_build_writes_every_dump(built: Path):
    names = sorted(p.name for p in built.iterdir())
    assert names == sorted(DUMP_FILES + [n + ".gz" for n in GZIPPED])
    for name in GZIPPED:
        assert gzip.decompress((built / (name + ".gz")).read_bytes()) == (built / name).read_bytes()


def test_the_release_manifest_lists_every_file_with_its_digest(published, built: Path):
    manifest = json.loads((built / "release.json").read_text())
    assert manifest["release"] == published.content_hash
    assert manifest["triples"] == len(published.graph)
    assert manifest["types"]["organisation"] == 93
    for name, info in manifest["files"].items():
        data = (built / name).read_bytes()
        assert info == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_the_on_disk_store_holds_the_published_quads(published, built: Path):
    import pyoxigraph

    store = pyoxigraph.Store.read_only(str(built / "store"))
    assert len(store) == len(published.store)
    del store


@pytest.mark.parametrize("parser", ["rdflib", "oxigraph"])
@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.suffix)
def test_each_dump_parses_back_to_the_published_graph(published: PublishedGraph, built: Path,
                                                      fmt, parser: str):
    path = built / f"dataset.{fmt.suffix}"
    if parser == "rdflib":
        parsed = Graph().parse(path, format=fmt.rdflib_name)
    else:
        parsed = parse_file(path, "http://unused.example/")
    if not isomorphic(parsed, published.graph):
        _, only_dump, only_graph = graph_diff(to_isomorphic(parsed), to_isomorphic(published.graph))
        pytest.fail(f"{fmt.suffix}: {len(only_dump)} triples only in the dump, "
                    f"{len(only_graph)} only in the graph, e.g. {sorted(only_graph)[:3]}")


def test_jsonld_dump_is_compacted_with_the_published_context(built: Path):
    dump = json.loads((built / "dataset.jsonld").read_text(encoding="utf-8"))
    context = json.loads((built / "context.jsonld").read_text(encoding="utf-8"))
    assert dump["@context"] == context["@context"]
    assert context["@context"]["s2s"] == "https://w3id.org/safe-to-share/def/s2s#"
    ids = [node["@id"] for node in dump["@graph"]]
    assert ids == sorted(ids)
    assert any(i.startswith("https://w3id.org/safe-to-share/id/") for i in ids)


def test_ntriples_dump_is_sorted(built: Path):
    lines = (built / "dataset.nt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines) and len(lines) > 3000


def test_two_builds_are_byte_identical_across_processes(built: Path, tmp_path: Path):
    """A fresh process with another hash seed writes exactly the same bytes."""
    out = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "s2s_graph", "--project-root", str(ROOT), "build",
                    "--out", str(out)], check=True, env=env, capture_output=True)
    assert snapshot(out) == snapshot(built)


def test_void_counts_what_the_graph_holds(published: PublishedGraph, built: Path):
    void = Graph().parse(built / "void.ttl")
    dataset = published.dataset_iri
    assert void.value(dataset, VOID.triples) == Literal(len(published.graph))
    partitions = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
                  for p in void.objects(dataset, VOID.classPartition)}
    s2s = published.vocabulary.s2s
    assert partitions[s2s.TerritorialPoliceForce] == 43
    assert partitions[s2s.PoliceAndCrimeCommissioner] == 35
    assert partitions[s2s.Recommendation] == 5
    properties = {void.value(p, VOID.property) for p in void.objects(dataset, VOID.propertyPartition)}
    assert properties == set(published.graph.predicates())
    assert int(void.value(dataset, VOID.entities)) == len(published.members_of_types())
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(published.vocabulary.base + "sparql")


def test_void_describes_each_distribution_with_size_and_checksum(published: PublishedGraph,
                                                                 built: Path):
    void = Graph().parse(built / "void.ttl")
    distributions = list(void.objects(published.dataset_iri, DCAT.distribution))
    assert len(distributions) == len(RDF_FORMATS)
    for dist in distributions:
        url = str(void.value(dist, DCAT.downloadURL))
        data = (built / url.rsplit("/", 1)[1]).read_bytes()
        assert int(void.value(dist, DCAT.byteSize)) == len(data)
        checksum = void.value(dist, SPDX.checksum)
        assert str(void.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert (dist, RDF.type, DCAT.Distribution) in void


def test_a_failed_write_leaves_the_previous_output_intact(published: PublishedGraph,
                                                         built: Path, tmp_path: Path):
    out = tmp_path / "dist"
    write_dumps(published, out)
    before = snapshot(out)

    class Interrupted(Exception):
        pass

    def broken_serialize(*args, **kwargs):
        raise Interrupted

    import s2s_graph.dumps as dumps

    original = dumps.serialize
    dumps.serialize = broken_serialize
    try:
        with pytest.raises(Interrupted):
            write_dumps(published, out)
    finally:
        dumps.serialize = original
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"], "no staging folder is left behind"


def _quads_sorted_afresh(published: PublishedGraph) -> bytes:
    """The store's quads as Oxigraph writes N-Quads, sorted: what graphs.nq must hold."""
    import pyoxigraph

    lines = published.store.dump(format=pyoxigraph.RdfFormat.N_QUADS).splitlines()
    return b"\n".join(sorted(line.rstrip() for line in lines if line.strip())) + b"\n"


def test_the_quads_file_is_the_stores_quads_sorted(published: PublishedGraph, built: Path):
    assert (built / "graphs.nq").read_bytes() == _quads_sorted_afresh(published)


@pytest.mark.parametrize("change", ["blank node", "triple in both graphs"])
def test_the_quads_file_is_right_when_the_union_cannot_be_reused(project_settings, change):
    """graphs.nq is made from the union's sorted lines; a blank node (relabelled in the union)
    or a triple in both graphs makes it sort the quads afresh."""
    from rdflib import BNode

    from s2s_graph.dumps import _quads
    from s2s_graph.namespaces import Vocabulary
    from s2s_graph.sources import load_sources

    sources = load_sources(project_settings)
    if change == "blank node":
        node = BNode()
        sources.data.add((URIRef("https://w3id.org/safe-to-share/id/report/safe-to-share"),
                          URIRef("http://example.org/note"), node))
        sources.data.add((node, URIRef("http://example.org/text"), Literal("a note")))
    else:
        sources.data.add(next(iter(sources.ontology)))
    published = PublishedGraph.from_sources(sources, Vocabulary(project_settings.base_iri))
    assert _quads(published) == _quads_sorted_afresh(published)
