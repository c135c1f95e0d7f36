"""The Flask application: ``create_app`` builds (or takes) the published graph once, keeps it
read-only in ``app.extensions``, and registers one blueprint per area.

Config is fixed once ``create_app`` returns.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time, timezone

import pyoxigraph
from flask import Flask, current_app
from flask_cors import CORS
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from s2s_graph.dashboard import Report, compute_reports
from s2s_graph.display import Labeller, load_reference_labels
from s2s_graph.documents import licence_of
from s2s_graph.dumps import VOID_FILE, render_dumps
from s2s_graph.examples import ExampleQuery, load_examples
from s2s_graph.formats import RDF_FORMAT_BY_NAME, rdf_format, serialize
from s2s_graph.lists import Lister
from s2s_graph.namespaces import new_graph
from s2s_graph.pages import PageMaker
from s2s_graph.published import PublishedGraph, publish
from s2s_graph.settings import Settings
from s2s_graph.sources import ShapeExample, load_shape_examples, parse_bytes
from s2s_graph.sparql import describe_service, query_state
from s2s_graph.validation import validation_context
from s2s_graph.vocabulary_docs import VocabularyDoc, describe_vocabulary
from s2s_graph.workers import ProcessLocalPool

EXTENSION = "s2s_graph"


@dataclass(frozen=True)
class Download:
    """One file of the build output, held in memory with its validators and gzip form."""

    name: str
    data: bytes
    gzipped: bytes
    etag: str


@dataclass(frozen=True, eq=False)
class Site:
    """Everything the views read: built once per process, never changed afterwards."""

    settings: Settings
    published: PublishedGraph
    labeller: Labeller
    downloads: dict[str, Download]
    last_modified: datetime | None
    service_description: Graph
    void_graph: Graph
    vocabulary: VocabularyDoc
    validators: ProcessLocalPool
    queries: ProcessLocalPool
    shape_examples: tuple[ShapeExample, ...]
    reports: tuple[Report, ...]
    pages: PageMaker
    lister: Lister
    examples: tuple[ExampleQuery, ...]
    licence: str | None = field(default=None)


def current_site() -> Site:
    """Return the site of the running app (the one accessor views use)."""
    return current_app.extensions[EXTENSION]


def build_site(settings: Settings, published: PublishedGraph) -> Site:
    """Compute what every request needs once: dumps, labels, service description, docs."""
    downloads = {}
    for name, data in render_dumps(published).items():
        digest = hashlib.sha256(data).hexdigest()
        downloads[name] = Download(name, data, gzip.compress(data, mtime=0), digest)
    base = settings.base_iri
    licence = licence_of(published)
    nt = RDF_FORMAT_BY_NAME["n-triples"]
    labeller = Labeller(published, load_reference_labels())
    reports = compute_reports(published)
    return Site(
        settings=settings,
        published=published,
        labeller=labeller,
        downloads=downloads,
        last_modified=_modified(published),
        service_description=describe_service(published, base + "sparql",
                                              base + ".well-known/void"),
        void_graph=parse_bytes(downloads[VOID_FILE].data, rdf_format("turtle"), base,
                               name=VOID_FILE, into=new_graph(published.vocabulary)),
        vocabulary=describe_vocabulary(published.ontology, published.vocabulary.ontology_iri,
                                       labeller),
        validators=ProcessLocalPool(settings.validation_workers, validation_context, (
            base, *(serialize(g, nt) for g in (published.shapes, published.ontology,
                                               published.data)))),
        queries=ProcessLocalPool(settings.query_workers, query_state, (
            base, published.store.dump(format=pyoxigraph.RdfFormat.N_QUADS))),
        shape_examples=load_shape_examples(settings),
        reports=reports,
        pages=PageMaker(published, labeller, reports),
        lister=Lister(published, labeller),
        examples=load_examples(base),
        licence=str(licence) if licence is not None else None,
    )


def _modified(published: PublishedGraph) -> datetime | None:
    """Return the dataset's ``dcterms:modified`` date as a UTC midnight, for Last-Modified."""
    value = published.data.value(published.dataset_iri, DCTERMS.modified)
    if value is None:
        return None
    day = value.toPython()
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc) if hasattr(day, "year") else None


def create_app(settings: Settings | None = None, published: PublishedGraph | None = None) -> Flask:
    """Create the app; load, validate and publish the data unless ``published`` is given.

    :raises LoadError: a source file cannot be parsed.
    :raises DataInvalid: the data breaks a shape; the server must not start.
    """
    settings = settings or Settings.from_env()
    published = published or publish(settings)
    app = Flask(__name__)
    app.config.update(
        # The largest body any route takes; /sparql lowers it per request.
        MAX_CONTENT_LENGTH=max(settings.max_upload_bytes, settings.max_query_bytes),
        MAX_FORM_MEMORY_SIZE=max(settings.max_upload_bytes, settings.max_query_bytes),
    )
    site = build_site(settings, published)
    app.extensions[EXTENSION] = site
    app.add_template_filter(lambda iri: site.labeller.href(URIRef(iri)) or iri, "doc_href")
    # SPARQL 1.1 Protocol clients in browsers (YASGUI, Comunica) need CORS; Link is exposed
    # so that they can follow alternates and the licence.
    CORS(app, origins="*", allow_headers=["Accept", "Content-Type"],
         expose_headers=["Link", "Content-Type", "ETag", "Vary", "S2S-Results-Truncated",
                         "Retry-After"],
         methods=["GET", "HEAD", "POST", "OPTIONS"], max_age=86400, send_wildcard=True)

    from s2s_graph.web import downloads, home, matrix, openapi, resources, sparql, validation
    from s2s_graph.web.errors import register_error_handlers

    app.register_blueprint(home.blueprint)
    app.register_blueprint(matrix.blueprint)
    app.register_blueprint(resources.blueprint)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(downloads.blueprint)
    app.register_blueprint(validation.blueprint)
    app.register_blueprint(openapi.blueprint)
    register_error_handlers(app)
    return app
