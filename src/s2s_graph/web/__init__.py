"""The Flask application: ``create_app`` opens the release once (memory, disk or remote),
keeps it read-only in ``app.extensions``, and registers one blueprint per area.

Config is fixed once ``create_app`` returns.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timezone

from flask import Flask, current_app
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from s2s_graph.caching import CachingStore, LruCache
from s2s_graph.display import Labeller, load_reference_labels
from s2s_graph.documents import licence_of
from s2s_graph.dumps import SHAPES_FILE, VOCABULARY_FILE, dump_file_name
from s2s_graph.examples import ExampleQuery, load_examples
from s2s_graph.lists import Lister
from s2s_graph.pages import PageMaker
from s2s_graph.published import PublishedGraph
from s2s_graph.release import Release, load_release
from s2s_graph.settings import Settings
from s2s_graph.sources import ShapeExample, load_shape_examples
from s2s_graph.sparql import describe_service
from s2s_graph.stores import GraphStore
from s2s_graph.validation import validation_context_from_files
from s2s_graph.vocabulary_docs import VocabularyDoc, describe_vocabulary
from s2s_graph.workers import ProcessLocalPool

EXTENSION = "s2s_graph"


class SyncFlask(Flask):
    """Flask, without its check of every handler for ``async def`` on every request.

    ``Flask.ensure_sync`` asks ``inspect`` whether each view and hook it calls is a coroutine
    function, four times for each query; no handler here is one (``create_app`` checks once,
    at start), so each is called as it is. Flask documents this method as the one to
    override to change how handlers are run."""

    def ensure_sync(self, func: Callable) -> Callable:
        return func

    def check_sync(self) -> None:
        """Refuse to start with a coroutine handler, which would otherwise be called and
        return an unawaited coroutine."""
        handlers = [*self.view_functions.values(),
                    *(f for funcs in self.before_request_funcs.values() for f in funcs),
                    *(f for funcs in self.after_request_funcs.values() for f in funcs),
                    *(f for funcs in self.teardown_request_funcs.values() for f in funcs),
                    *(f for codes in self.error_handler_spec.values()
                      for handlers in codes.values() for f in handlers.values())]
        found = [f.__qualname__ for f in handlers if inspect.iscoroutinefunction(f)]
        if found:
            raise TypeError(f"handlers must be plain functions here, not async: {found}")


@dataclass(frozen=True, eq=False)
class Site:
    """Everything the views read: built once per process, never changed afterwards."""

    settings: Settings
    release: Release
    store: GraphStore  # the release's store, with the result cache in front
    cache: LruCache
    labeller: Labeller
    pages: PageMaker
    lister: Lister
    examples: tuple[ExampleQuery, ...]
    service_description: Graph
    vocabulary: VocabularyDoc
    validators: ProcessLocalPool
    shape_examples: tuple[ShapeExample, ...]
    licence: str | None
    last_modified: datetime | None


def current_site() -> Site:
    """Return the site of the running app (the one accessor views use)."""
    return current_app.extensions[EXTENSION]


def build_site(settings: Settings, release: Release) -> Site:
    """Compute what every request needs once: labels, documentation, the service description."""
    base = settings.base_iri
    labeller = Labeller(release.vocabulary, (release.ontology, release.shapes, release.void),
                        load_reference_labels())
    licence = licence_of(release)
    folder = release.folder
    cache = LruCache(settings.cache_bytes)
    return Site(
        settings=settings,
        release=release,
        store=CachingStore(release.store, cache) if settings.cache_bytes else release.store,
        cache=cache,
        labeller=labeller,
        pages=PageMaker(release, labeller),
        lister=Lister(release, labeller),
        examples=load_examples(base),
        service_description=describe_service(release, base + "sparql", base + ".well-known/void"),
        vocabulary=describe_vocabulary(release.ontology, release.vocabulary.ontology_iri, labeller),
        validators=ProcessLocalPool(settings.validation_workers, validation_context_from_files, (
            base, str(folder / SHAPES_FILE), str(folder / VOCABULARY_FILE),
            str(folder / dump_file_name("nt")))),
        shape_examples=load_shape_examples(settings),
        licence=str(licence) if licence is not None else None,
        last_modified=_modified(release),
    )


def _modified(release: Release) -> datetime | None:
    """Return the dataset's ``dcterms:modified`` date as a UTC midnight, for Last-Modified."""
    value = release.void.value(release.dataset_iri, DCTERMS.modified)
    day = value.toPython() if value is not None else None
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc) if hasattr(day, "year") else None


def create_app(settings: Settings | None = None, published: PublishedGraph | None = None,
               release: Release | None = None) -> Flask:
    """Create the app over ``release``, or the release the settings name (for the memory
    store, from ``published`` if given, else loaded, validated and published here).

    :raises LoadError: a source file or the release folder cannot be read.
    :raises DataInvalid: the data breaks a shape; the server must not start.
    """
    settings = settings or Settings.from_env()
    release = release or load_release(settings, published)
    app = SyncFlask(__name__)
    app.config.update(
        # The largest body any route takes; /sparql lowers it per request.
        MAX_CONTENT_LENGTH=max(settings.max_upload_bytes, settings.max_query_bytes),
        MAX_FORM_MEMORY_SIZE=max(settings.max_upload_bytes, settings.max_query_bytes),
    )
    site = build_site(settings, release)
    app.extensions[EXTENSION] = site
    app.add_template_filter(lambda iri: site.labeller.href(URIRef(iri)) or iri, "doc_href")

    from s2s_graph.web import downloads, home, matrix, openapi, resources, sparql, validation
    from s2s_graph.web.caching import CachingLayer
    from s2s_graph.web.cors import cors_headers
    from s2s_graph.web.errors import register_error_handlers

    app.register_blueprint(home.blueprint)
    app.register_blueprint(matrix.blueprint)
    app.register_blueprint(resources.blueprint)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(downloads.blueprint)
    app.register_blueprint(validation.blueprint)
    app.register_blueprint(openapi.blueprint)
    register_error_handlers(app)
    # SPARQL 1.1 Protocol clients in browsers (YASGUI, Comunica) need CORS; Link is exposed
    # so that they can follow alternates and the licence.
    app.wsgi_app = CachingLayer(app.wsgi_app, release.release_id,
                                site.cache if settings.cache_bytes else None,
                                settings.cache_max_age_s, every_response=cors_headers)
    app.check_sync()
    return app
