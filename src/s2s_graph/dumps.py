"""Write the build output, a release folder: the dataset in four formats (each also
gzipped), its JSON-LD context, its VoID, the vocabulary and the shapes, the figures the pages
lead with, a manifest, and an on-disk Oxigraph store.

Every file but the store is byte-identical for identical input. The files are written to a
fresh folder that replaces the output folder only once everything is written, so a failed or
interrupted build leaves the previous output intact.
"""

from __future__ import annotations

import ctypes
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyoxigraph
from rdflib.namespace import RDF

from s2s_graph.dashboard import compute_reports, reports_to_json
from s2s_graph.errors import BuildError
from s2s_graph.formats import RDF_FORMAT_BY_NAME, RDF_FORMATS, jsonld_context, serialize
from s2s_graph.published import PublishedGraph
from s2s_graph.stores import OxigraphStore
from s2s_graph.void import Distribution, describe_dataset

CONTEXT_FILE = "context.jsonld"
VOID_FILE = "void.ttl"
VOCABULARY_FILE = "vocabulary.ttl"
SHAPES_FILE = "shapes.ttl"
DASHBOARD_FILE = "dashboard.json"
MANIFEST_FILE = "release.json"
QUADS_FILE = "graphs.nq"  # the two named graphs, for the stores to load (not a download)
STORE_FOLDER = "store"
T = TypeVar("T")
GZIPPED = ("dataset.ttl", "dataset.jsonld", "dataset.nt", "dataset.rdf", CONTEXT_FILE, VOID_FILE)


def dump_file_name(suffix: str) -> str:
    """Return the file name of the whole dataset in the format with this suffix."""
    return f"dataset.{suffix}"


def write_dumps(published: PublishedGraph, out_dir: Path, *, store: bool = True) -> list[Path]:
    """Write the release into ``out_dir``, replacing its previous content as a whole.

    :param store: also write the on-disk Oxigraph store (``store/``).
    :raises BuildError: the folder cannot be written.
    """
    names = replace_folder(out_dir, lambda folder: _write_all(published, folder, store))
    return [out_dir.resolve() / name for name in names]


def replace_folder(out_dir: Path, fill: Callable[[Path], T]) -> T:
    """Have ``fill`` write a fresh folder, then put it in place of ``out_dir`` as a whole, so
    that a failed or interrupted write leaves the previous content intact.

    :raises BuildError: the folder cannot be written.
    """
    out_dir = out_dir.resolve()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-{os.getpid()}-",
                                        dir=out_dir.parent))
    except OSError as error:
        raise BuildError(f"cannot write to {out_dir.parent}: {error.strerror}") from None
    try:
        result = fill(staging)
        _swap_in(staging, out_dir)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildError(f"cannot write {out_dir}: {error.strerror}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


def _write_files(published: PublishedGraph, folder: Path) -> None:
    """Write every file of the release but the store into ``folder``, each as soon as it is
    made, so that no more than one is held at a time: at 3M triples they are 2.4 GB."""
    written: dict[str, tuple[int, str]] = {}  # name -> (bytes, SHA-256)

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        written[name] = (len(data), hashlib.sha256(data).hexdigest())
        if name in GZIPPED:
            put(name + ".gz", gzip.compress(data, mtime=0))

    context = jsonld_context(published.graph)
    distributions = []
    for fmt in RDF_FORMATS:
        name = dump_file_name(fmt.suffix)
        put(name, serialize(published.graph, fmt, context=context, ntriples=published.ntriples))
        distributions.append(Distribution(fmt, name, *written[name]))
    put(CONTEXT_FILE, (json.dumps({"@context": context}, indent=2, sort_keys=True)
                       + "\n").encode("utf-8"))
    void = describe_dataset(published, tuple(distributions))
    turtle = RDF_FORMAT_BY_NAME["turtle"]
    put(VOID_FILE, serialize(void, turtle))
    put(VOCABULARY_FILE, serialize(published.ontology, turtle))
    put(SHAPES_FILE, serialize(published.shapes, turtle))
    store = OxigraphStore.wrapping(published.vocabulary.base, published.store)
    put(DASHBOARD_FILE, reports_to_json(compute_reports(store, published.vocabulary.base)))
    put(QUADS_FILE, _quads(published))
    put(MANIFEST_FILE, _manifest(published, written))


def _quads(published: PublishedGraph) -> bytes:
    """Return the named graphs as N-Quads, sorted, so that the file is stable.

    The union's sorted N-Triples are at hand, and the quads sort as their triples do (what
    follows a triple, " ." or " <g> .", starts with the same space), so each line of the union
    only needs its graph: this takes a third of the memory of sorting the quads afresh
    (228 MiB at 300k triples). Where the union's blank nodes were relabelled, or a triple is
    in both graphs, the quads are sorted afresh."""
    vocabulary, data = published.vocabulary.ontology_iri, str(published.dataset_iri)
    in_vocabulary = set(_graph_lines(published, vocabulary))
    if b"_:" in published.ntriples or \
            len(published.graph) != len(published.ontology) + len(published.data):
        lines = sorted(line[:-1].rstrip() + f" <{graph}> .".encode("utf-8")
                       for graph in (vocabulary, data) for line in _graph_lines(published, graph))
        return b"\n".join(lines) + b"\n"
    tags = {True: f" <{vocabulary}> .\n".encode("utf-8"), False: f" <{data}> .\n".encode("utf-8")}
    out = io.BytesIO()
    for line in io.BytesIO(published.ntriples):
        line = line.rstrip()
        if line:
            out.write(line[:-1].rstrip())
            out.write(tags[line in in_vocabulary])
    return out.getvalue()


def _graph_lines(published: PublishedGraph, graph: str) -> list[bytes]:
    """Return one named graph's triples as N-Triples lines, as Oxigraph writes them."""
    triples = published.store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES,
                                   from_graph=pyoxigraph.NamedNode(graph))
    return [line.rstrip() for line in triples.splitlines() if line.strip()]


def _manifest(published: PublishedGraph, files: dict[str, tuple[int, str]]) -> bytes:
    """Describe the release for the server: identity, graphs, counts and every file's digest."""
    vocabulary = published.vocabulary
    manifest = {
        "format": 1,
        "release": published.content_hash,
        "base": vocabulary.base,
        "dataset": str(published.dataset_iri),
        "graphs": {"vocabulary": vocabulary.ontology_iri, "data": str(published.dataset_iri)},
        "triples": len(published.graph),
        "graph_triples": {"vocabulary": len(published.ontology), "data": len(published.data)},
        "types": {t: len(published.members(t)) for t in published.types()},
        # The lists find a type's members by these classes, through the store's index.
        "classes": {t: sorted({str(c) for m in published.members(t)
                               for c in published.graph.objects(m, RDF.type)})
                    for t in published.types()},
        "files": {name: {"bytes": size, "sha256": digest}
                  for name, (size, digest) in sorted(files.items())},
    }
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_store(nquads: Path, folder: Path) -> None:
    """Write an on-disk Oxigraph store holding an N-Quads file (closed when this returns)."""
    store = pyoxigraph.Store(str(folder))
    store.bulk_load(path=str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    del store


def _write_all(published: PublishedGraph, folder: Path, store: bool) -> list[str]:
    _write_files(published, folder)
    if store:
        write_store(folder / QUADS_FILE, folder / STORE_FOLDER)
    return sorted(p.name for p in folder.iterdir())


def _remove_abandoned(out_dir: Path) -> None:
    """Remove the staging folders of builds that were killed (their process is gone)."""
    for folder in out_dir.parent.glob(f".{out_dir.name}-*-*"):
        kind, _, rest = folder.name[len(out_dir.name) + 2:].partition("-")
        pid = rest.split("-", 1)[0]
        if kind in ("new", "old") and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Put ``staging`` where ``out_dir`` is, in one step, then remove the old output.

    On Linux, renameat2(RENAME_EXCHANGE) swaps the two folders atomically, so there is no
    moment at which the output folder is missing; elsewhere, two renames.
    """
    os.chmod(staging, 0o755)
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous output
        return
    old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(out_dir, old)
    os.rename(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2; False where it is not available."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                       _RENAME_EXCHANGE)
    if result != 0:
        errno = ctypes.get_errno()
        if errno in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: not on this kernel or filesystem
            return False
        raise OSError(errno, os.strerror(errno), str(second))
    return True
