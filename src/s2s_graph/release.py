"""A release: what a server serves and a bake writes. Its store (memory, disk or remote), its
small graphs (vocabulary, shapes, dataset description), its files (the dumps with their
digests, gzipped too) and the figures computed once, all read from a release folder written
by ``build``. No Flask here.

- ``store = "memory"``: load, validate and publish the sources, write the release into a
  private folder, and query an in-memory Oxigraph store (the default);
- ``store = "built"``: open a release folder and load its graphs into memory (the build
  validated them), for queries as fast as memory allows; start-up grows with the data;
- ``store = "disk"``: open a release folder and its on-disk store read-only; start-up does
  not grow with the size of the data;
- ``store = "remote"``: open a release folder, and send queries to a SPARQL endpoint that
  holds its graphs (``build --push`` put them there).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rdflib import Graph, URIRef

from s2s_graph.dashboard import Report, reports_from_json
from s2s_graph.dumps import (
    DASHBOARD_FILE,
    MANIFEST_FILE,
    QUADS_FILE,
    SHAPES_FILE,
    STORE_FOLDER,
    VOCABULARY_FILE,
    VOID_FILE,
    write_dumps,
)
from s2s_graph.errors import LoadError
from s2s_graph.formats import RDF_FORMAT_BY_NAME
from s2s_graph.namespaces import Vocabulary, new_graph
from s2s_graph.published import PublishedGraph, publish
from s2s_graph.settings import Settings
from s2s_graph.sources import parse_file
from s2s_graph.stores import GraphStore, OxigraphStore, RemoteStore

STORES = ("memory", "built", "disk", "remote")


@dataclass(frozen=True)
class ReleaseFile:
    """A file of the release folder, with what validators of HTTP caches need."""

    name: str
    path: Path
    size: int
    sha256: str
    gzipped: Path | None


@dataclass(frozen=True, eq=False)
class Release:
    vocabulary: Vocabulary
    store: GraphStore
    folder: Path
    release_id: str
    dataset_iri: URIRef
    triples: int
    graph_triples: dict[str, int]  # by role: "vocabulary", "data"
    graph_iris: dict[str, str]  # by role
    type_counts: dict[str, int]
    type_classes: dict[str, list[str]]  # by type: the classes its members have (may be empty)
    ontology: Graph
    shapes: Graph
    void: Graph
    files: dict[str, ReleaseFile]
    owns_folder: bool = field(default=False)

    @cached_property
    def reports(self) -> tuple[Report, ...]:
        """The dashboard figures, read when first asked for: they grow with reports times
        bodies (123 MB at 3M triples, 3 s to read), and reading them at start made start-up
        grow with the data."""
        return reports_from_json((self.folder / DASHBOARD_FILE).read_bytes())

    @property
    def description(self) -> Graph:
        """The void/DCAT description of the dataset (from the release's void.ttl)."""
        return self.void

    def triples_by_graph(self) -> dict[str, int]:
        """Return the number of triples in each named graph, by graph IRI."""
        return {self.graph_iris[role]: n for role, n in self.graph_triples.items()}

    def types(self) -> list[str]:
        return sorted(self.type_counts)

    def close(self) -> None:
        self.store.close()
        if self.owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def load_release(settings: Settings, published: PublishedGraph | None = None) -> Release:
    """Return the release the settings ask for (see the module docstring).

    :raises LoadError: the sources or the release folder cannot be read.
    :raises DataInvalid: (memory) the data breaks a shape.
    """
    if settings.store not in STORES:
        raise LoadError("S2S_STORE", f"unknown store {settings.store!r}; use one of "
                        + ", ".join(STORES))
    if settings.store == "memory":
        published = published or publish(settings)
        folder = Path(tempfile.mkdtemp(prefix="s2s-release-"))
        write_dumps(published, folder / "release", store=False)
        del published  # the rdflib graph: the release and the store hold what is served
        store: GraphStore = OxigraphStore.in_memory(
            settings.base_iri, str(folder / "release" / QUADS_FILE), settings.query_workers)
        return _read(folder / "release", settings, store, owns=True)
    folder = settings.dist_path
    if not (folder / MANIFEST_FILE).is_file():
        raise LoadError(str(folder), f"no release here; run `s2s-graph build` first "
                        f"(the {settings.store} store serves a built release)")
    if settings.store == "disk":
        if not (folder / STORE_FOLDER).is_dir():
            raise LoadError(str(folder), "the release has no store/; build it again")
        store = OxigraphStore.on_disk(settings.base_iri, str(folder / STORE_FOLDER),
                                      settings.query_workers)
    elif settings.store == "built":
        if not (folder / QUADS_FILE).is_file():
            raise LoadError(str(folder), f"the release has no {QUADS_FILE}; build it again")
        store = OxigraphStore.in_memory(settings.base_iri, str(folder / QUADS_FILE),
                                        settings.query_workers)
    else:
        if not settings.remote_endpoint:
            raise LoadError("S2S_REMOTE_ENDPOINT", "the remote store needs the URL of a "
                            "SPARQL endpoint (S2S_REMOTE_ENDPOINT)")
        graphs = tuple(_manifest(folder)["graphs"].values())
        try:
            store = RemoteStore(settings.remote_endpoint, settings.base_iri, graphs,
                                timeout_s=settings.remote_timeout_s,
                                concurrency=settings.query_workers * 4)
        except ValueError as error:
            raise LoadError("S2S_REMOTE_ENDPOINT", str(error)) from None
    return _read(folder, settings, store, owns=False)


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LoadError(str(folder / MANIFEST_FILE), f"cannot be read ({error})") from None


def _read(folder: Path, settings: Settings, store: GraphStore, owns: bool) -> Release:
    manifest = _manifest(folder)
    if manifest["base"] != settings.base_iri:
        raise LoadError(str(folder), f"the release was built for BASE {manifest['base']}, "
                        f"not {settings.base_iri}")
    vocabulary = Vocabulary(settings.base_iri)
    turtle = RDF_FORMAT_BY_NAME["turtle"]

    def graph(name: str) -> Graph:
        return parse_file(folder / name, settings.base_iri, fmt=turtle,
                          into=new_graph(vocabulary))

    files = {}
    for name, info in manifest["files"].items():
        if name.endswith(".gz"):
            continue
        gz = folder / (name + ".gz")
        files[name] = ReleaseFile(name, folder / name, info["bytes"], info["sha256"],
                                  gz if gz.is_file() else None)
    return Release(
        vocabulary=vocabulary, store=store, folder=folder, release_id=manifest["release"],
        dataset_iri=URIRef(manifest["dataset"]), triples=manifest["triples"],
        graph_triples=manifest["graph_triples"], graph_iris=manifest["graphs"],
        type_counts=manifest["types"], type_classes=manifest.get("classes", {}), ontology=graph(VOCABULARY_FILE),
        shapes=graph(SHAPES_FILE), void=graph(VOID_FILE),
        files=files,
        owns_folder=owns)
