"""Render a release to files, so that everything but ``/sparql`` and ``/validate`` can be
served by any static host or CDN: every ``/doc/``, ``/set/`` and ``/def/`` page in every
format, the downloads, ``/.well-known/void``, the Service Description, the home page and the
matrix, with the web server rules that negotiate formats and answer ``/id/`` with 303
(``static_rules``).

Each file is what the app itself answers for the URL with a format suffix, rendered through
the app (no second renderer), written into a fresh folder that replaces the target only
once complete. A list's page N > 1 is ``set/{type}.page-N.{suffix}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from s2s_graph.documents import PAGE_SIZE
from s2s_graph.dumps import replace_folder
from s2s_graph.errors import BuildError
from s2s_graph.uris import doc_path_for_iri
from s2s_graph.web.negotiation import CSV, PAGE_OFFERS, RDF_OFFERS
from s2s_graph.web.static_rules import SET_SUFFIXES, apache_rules, nginx_rules, type_map

STATIC = Path(__file__).parent / "static"
NOT_FOUND_PAGE = "404.html"
THINGS = """SELECT DISTINCT ?thing WHERE {
  ?thing ?p ?o FILTER (isIRI(?thing) && STRSTARTS(STR(?thing), "%sid/")) }"""


class FolderNotEmpty(BuildError):
    """The bake's target folder holds files, and replacing them was not asked for."""


@dataclass(frozen=True)
class Baked:
    files: int
    bytes: int
    things: int


@dataclass(frozen=True)
class Page:
    url: str
    file: str
    accept: str = "text/html"


def pages(app: Flask) -> Iterator[Page]:
    """Yield every page the bake writes, the things' documents last."""
    release = app.extensions["s2s_graph"].release
    yield Page("/", "index.html")
    yield Page("/matrix", "matrix.html")
    yield Page("/openapi.json", "openapi.json", "application/json")
    for name in ("s2s", "shapes"):
        for offer in PAGE_OFFERS:
            yield Page(f"/def/{name}.{offer.suffix}", f"def/{name}.{offer.suffix}")
    for offer in PAGE_OFFERS:
        yield Page(f"/.well-known/void.{offer.suffix}", f".well-known/void.{offer.suffix}")
    for offer in RDF_OFFERS:  # the Service Description; queries need the app
        yield Page("/sparql", f"sparql.{offer.suffix}", offer.media_type)
    for type_, count in sorted(release.type_counts.items()):
        for page in range(1, max(1, math.ceil(count / PAGE_SIZE)) + 1):
            stem = f"set/{type_}" + (f".page-{page}" if page > 1 else "")
            query = f"?page={page}" if page > 1 else ""
            for offer in PAGE_OFFERS:
                yield Page(f"/set/{type_}.{offer.suffix}{query}", f"{stem}.{offer.suffix}")
        yield Page(f"/set/{type_}.{CSV.suffix}", f"set/{type_}.{CSV.suffix}")
    base = release.vocabulary.base
    for (thing,) in release.store.select(THINGS % base):
        path = doc_path_for_iri(str(thing), base)
        if path is not None:
            for offer in PAGE_OFFERS:
                yield Page(f"/{path}.{offer.suffix}", f"{path}.{offer.suffix}")


def count_pages(app: Flask) -> int:
    """Return how many pages ``bake`` renders (for a progress bar)."""
    release = app.extensions["s2s_graph"].release
    lists = sum(max(1, math.ceil(n / PAGE_SIZE)) for n in release.type_counts.values())
    things = len(release.store.select(THINGS % release.vocabulary.base))
    return 3 + 2 * len(PAGE_OFFERS) + len(PAGE_OFFERS) + len(RDF_OFFERS) + \
        lists * len(PAGE_OFFERS) + len(release.type_counts) + things * len(PAGE_OFFERS)


def bake(app: Flask, out: Path, *, force: bool = False, app_url: str = "",
         progress: Callable[[int], None] | None = None) -> Baked:
    """Write the static site of ``app``'s release into ``out``.

    :param force: replace what ``out`` holds (refused otherwise when it is not empty).
    :param app_url: where the app runs, for the rules to send ``/sparql`` and ``/validate``
        to; without it, a static host answers those with 404 (the Service Description
        excepted).
    :raises FolderNotEmpty: ``out`` holds files and ``force`` is not set.
    :raises BuildError: a page could not be rendered or written.
    """
    out = out.resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise FolderNotEmpty(f"{out} is not empty; choose an empty folder, or --force to "
                             "replace what it holds")
    return replace_folder(out, lambda folder: _write(app, folder, app_url, progress))


def _write(app: Flask, folder: Path, app_url: str,
           progress: Callable[[int], None] | None) -> Baked:
    client = app.test_client()
    files = size = 0

    def write(name: str, data: bytes) -> None:
        nonlocal files, size
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        files += 1
        size += len(data)

    variants: dict[str, list[str]] = {}
    for page in pages(app):
        response = client.get(page.url, headers={"Accept": page.accept})
        if response.status_code != 200:
            raise BuildError(f"{page.url} answered {response.status_code}, so it cannot be "
                             "baked: " + response.get_data(as_text=True)[:300])
        write(page.file, response.get_data())
        stem, _, suffix = page.file.rpartition(".")
        if suffix in SET_SUFFIXES and page.file not in ("index.html", "matrix.html"):
            variants.setdefault(stem, []).append(suffix)
        if progress is not None:
            progress(1)
    for stem, suffixes in variants.items():
        write(f"{stem}.var", type_map(stem.rpartition("/")[2], tuple(suffixes)).encode("utf-8"))
    missing = client.get("/doc/this-page/does-not-exist", headers={"Accept": "text/html"})
    write(NOT_FOUND_PAGE, missing.get_data())
    release = app.extensions["s2s_graph"].release
    for file in release.files.values():
        if file.name.startswith("dataset.") or file.name == "context.jsonld":
            write(f"download/{file.name}", file.path.read_bytes())
            if file.gzipped is not None:
                write(f"download/{file.name}.gz", file.gzipped.read_bytes())
    for asset in sorted(STATIC.rglob("*")):
        if asset.is_file():
            write(f"static/{asset.relative_to(STATIC)}", asset.read_bytes())
    write("nginx-http.conf", nginx_rules(app_url).http.encode("utf-8"))
    write("nginx-server.conf", nginx_rules(app_url).server.encode("utf-8"))
    write(".htaccess", apache_rules(app_url).encode("utf-8"))
    return Baked(files, size, sum(1 for s in variants if s.startswith("doc/")))
