"""Write the build output: the dataset in four formats, its JSON-LD context and its VoID.

Output is byte-identical for identical input. The files are written to a fresh folder that
replaces the output folder only once everything is written, so a failed or interrupted
build leaves the previous output intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from s2s_graph.errors import BuildError
from s2s_graph.formats import RDF_FORMAT_BY_NAME, RDF_FORMATS, jsonld_context, serialize
from s2s_graph.published import PublishedGraph
from s2s_graph.void import Distribution, describe_dataset

CONTEXT_FILE = "context.jsonld"
VOID_FILE = "void.ttl"


def dump_file_name(suffix: str) -> str:
    """Return the file name of the whole dataset in the format with this suffix."""
    return f"dataset.{suffix}"


def write_dumps(published: PublishedGraph, out_dir: Path) -> list[Path]:
    """Write every dump into ``out_dir``, replacing its previous content as a whole.

    :raises BuildError: the folder cannot be written.
    """
    out_dir = out_dir.resolve()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=out_dir.parent))
    except OSError as error:
        raise BuildError(f"cannot write to {out_dir.parent}: {error.strerror}") from None
    try:
        names = _write_all(published, staging)
        _swap_in(staging, out_dir)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildError(f"cannot write {out_dir}: {error.strerror}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out_dir / name for name in names]


def render_dumps(published: PublishedGraph) -> dict[str, bytes]:
    """Return every file of the build output by name, as bytes (the server serves these)."""
    context = jsonld_context(published.graph)
    files: dict[str, bytes] = {}
    distributions = []
    for fmt in RDF_FORMATS:
        data = serialize(published.graph, fmt, context=context)
        name = dump_file_name(fmt.suffix)
        files[name] = data
        distributions.append(Distribution(fmt, name, len(data), hashlib.sha256(data).hexdigest()))
    files[CONTEXT_FILE] = (json.dumps({"@context": context}, indent=2, sort_keys=True)
                           + "\n").encode("utf-8")
    void = describe_dataset(published, tuple(distributions))
    files[VOID_FILE] = serialize(void, RDF_FORMAT_BY_NAME["turtle"])
    return files


def _write_all(published: PublishedGraph, folder: Path) -> list[str]:
    for name, data in render_dumps(published).items():
        (folder / name).write_bytes(data)
    return sorted(p.name for p in folder.iterdir())


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` with ``staging``: two renames, the old folder removed last."""
    os.chmod(staging, 0o755)
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(out_dir, old)
    os.rename(staging, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
